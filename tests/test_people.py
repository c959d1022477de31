"""People's rights: everything held about an address found, and erased, from the CLI and the admin.

The leads go through the real worker first: the email channel (no SMTP server: .eml files in the
outbox folder) and a webhook to a real receiver, so delivery rows, attempt details and files exist.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from widget.delivery.mailer import outbox_dir
from widget.models import NewLead, SpamMark
from widget.people import address_forms, address_hash, find_person
from widget.queries.audit import record
from widget.queries.leads import add_lead
from widget.queries.widgets import create_widget
from widget.schema import attempts, audit_log, deliveries, leads
from widget.settings import WidgetSettings
from widget.state import get_state

from .support.admin_pages import read_form
from .support.admin_session import signed_in
from .support.delivery import fresh_postgres_database, settle
from .support.receiver import Receiver

MAYA = ("maya@example.org", "Maya@Example.ORG")  # one person, stored as typed on two visits
OTHERS = ("amaya@example.org", "sam@example.org")  # a near-miss and a stranger: both must survive


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture(params=["sqlite", "postgresql"])
def held(request: pytest.FixtureRequest, make_app: Callable[..., Flask], receiver: Receiver) -> Iterator[Flask]:
    """An app holding Maya's two delivered requests, her suspected spam, an audit mention, and others' data."""
    config: dict[str, Any] = {"RTR_WEBHOOK_ALLOW_PRIVATE": True, "RTR_RETRY_SCHEDULE": [0.05]}
    if request.param == "postgresql":
        with fresh_postgres_database(request.getfixturevalue("postgres_url")) as url:
            yield _fill(make_app(RTR_DATABASE_URL=url, **config), receiver)
    else:
        yield _fill(make_app(**config), receiver)


def _fill(app: Flask, receiver: Receiver) -> Flask:
    store = get_state(app).store
    settings = WidgetSettings(practice_name="Harbor Light", notify_emails=["intake@harbor.example"],
                              confirmation_email=True, webhook_url=receiver.url())
    widget = create_widget(store, "Harbor Light", settings)
    for address in (*MAYA, *OTHERS):
        add_lead(store, widget, NewLead(name="Maya Reyes" if address in MAYA else "Someone Else", email=address,
                                        phone="+1 702 555 0134", message="We keep fighting about money.",
                                        consent_text="I agree", consent_version="v1"))
    settle(app)
    add_lead(store, widget, NewLead(name="Maya Reyes", email="MAYA@example.org", consent_text="I agree",
                                    consent_version="v1"), spam=SpamMark("honeypot", "https://spam.example"))
    record(store, "ann", "admin.invited", "maya@example.org as staff")
    record(store, "ann", "admin.invited", "amaya@example.org as staff")
    return app


def _count(app: Flask, table: Any) -> int:
    with get_state(app).store.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_find_person_lists_everything_held_in_every_form_of_the_address(held: Flask) -> None:
    result = held.test_cli_runner().invoke(args=["rtr", "find-person", "MAYA@EXAMPLE.ORG", "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert sorted(lead["email"] for lead in found["requests"]) == sorted(MAYA)
    assert [lead["spam_reason"] for lead in found["suspected_spam"]] == ["honeypot"]
    for lead in found["requests"]:
        assert lead["message"] == "We keep fighting about money." and lead["name"] == "Maya Reyes"
        channels = {d["channel"]: d for d in lead["deliveries"]}
        assert set(channels) == {"email", "confirmation", "webhook"}
        assert channels["webhook"]["status"] == "delivered" and channels["webhook"]["attempts"][0]["outcome"]
        assert channels["email"]["status"] == "saved_to_file"
    assert [entry["detail"] for entry in found["audit_entries"]] == ["maya@example.org as staff"]
    assert len(found["outbox_files"]) == 4, "the practice's email and her confirmation, for each request"
    assert all(path.startswith(outbox_dir(held)) for path in found["outbox_files"])

    text = held.test_cli_runner().invoke(args=["rtr", "find-person", "maya@example.org"]).output
    assert "Requests: 2" in text and "Suspected spam: 1" in text and "Emails in the outbox folder: 4" in text
    assert "amaya@example.org" not in text and "sam@example.org" not in text


def test_forget_person_erases_it_all_and_logs_only_a_hash(held: Flask) -> None:
    before = {table.name: _count(held, table) for table in (leads, deliveries, attempts)}
    files_before = set(os.listdir(outbox_dir(held)))
    runner = held.test_cli_runner()
    refused = runner.invoke(args=["rtr", "forget-person", "maya@example.org"])
    assert refused.exit_code == 2 and "--yes" in refused.output
    assert _count(held, leads) == before["rtr_leads"]

    result = runner.invoke(args=["rtr", "forget-person", "Maya@example.org", "--yes"])
    assert result.exit_code == 0, result.output
    assert "2 request(s), 1 suspected spam, 6 delivery record(s)" in result.output
    assert find_person(held, "maya@example.org").empty
    assert _count(held, leads) == before["rtr_leads"] - 3 == 2
    assert _count(held, deliveries) == before["rtr_deliveries"] - 6
    assert _count(held, attempts) == before["rtr_attempts"] - 6, "her attempt details went with her deliveries"
    gone = files_before - set(os.listdir(outbox_dir(held)))
    assert len(gone) == 4 and len(files_before) == 8, "the others' emails stay"
    for name in os.listdir(outbox_dir(held)):
        with open(os.path.join(outbox_dir(held), name), encoding="utf-8", errors="replace") as handle:
            assert "maya@example.org" not in handle.read().lower().replace("amaya@example.org", "")

    with get_state(held).store.reading() as conn:
        log = conn.execute(select(audit_log.c.action, audit_log.c.detail).order_by(audit_log.c.id)).all()
    assert not any("maya@example.org" in detail.lower().replace("amaya@", "") for _action, detail in log)
    assert ("admin.invited", "[address erased] as staff") in log
    assert ("admin.invited", "amaya@example.org as staff") in log
    erased = [detail for action, detail in log if action == "person.forgotten"]
    assert len(erased) == 1 and erased[0].startswith(address_hash(held, "MAYA@example.org") + ": 2 request(s)")
    assert address_hash(held, "maya@example.org") != address_hash(held, "amaya@example.org")
    assert find_person(held, "amaya@example.org").leads and find_person(held, "sam@example.org").leads


def test_address_forms_cover_case_and_both_spellings_of_a_domain() -> None:
    assert address_forms("Zoe@Bücher.Example") == {"zoe@bücher.example", "zoe@xn--bcher-kva.example"}
    assert address_forms(" not an address ") == frozenset()


@pytest.fixture
def owner(held: Flask) -> FlaskClient:
    return signed_in(held.test_client())


@pytest.mark.parametrize("held", ["sqlite"], indirect=True)
def test_owners_find_and_erase_from_the_admin_after_confirming(held: Flask, owner: FlaskClient) -> None:
    page = owner.get("/admin/people")
    assert page.status_code == 200 and 'action="/admin/people"' in page.get_data(as_text=True)
    fields = read_form(page.get_data(as_text=True), "find-person-form")
    shown = owner.post("/admin/people", data={**fields, "address": "MAYA@example.org"}).get_data(as_text=True)
    assert "2 requests,\n    1 suspected spam, 1 audit entry\n    and 4 email files." in shown
    assert "We keep fighting about money." in shown and "amaya@example.org" not in shown
    forget = read_form(shown, "forget-person-form")
    assert forget["address"] == "MAYA@example.org" and "confirm" not in forget

    unconfirmed = owner.post("/admin/people/forget", data=forget)
    assert unconfirmed.status_code == 400 and "Tick the box" in unconfirmed.get_data(as_text=True)
    no_csrf = owner.post("/admin/people/forget", data={"address": "maya@example.org", "confirm": "y"})
    assert no_csrf.status_code == 400
    assert len(find_person(held, "maya@example.org").leads) == 2

    done = owner.post("/admin/people/forget", data={**forget, "confirm": "y"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/people")
    assert find_person(held, "maya@example.org").empty
    flashed = owner.get("/admin/people").get_data(as_text=True)
    assert "Erased 2 request(s), 1 suspected spam" in flashed and "hmac-sha256:" in flashed
    with get_state(held).store.reading() as conn:
        actors = conn.execute(select(audit_log.c.actor).where(audit_log.c.action == "person.forgotten")).scalars()
        assert list(actors) == ["ann"]


@pytest.mark.parametrize("held", ["sqlite"], indirect=True)
def test_staff_may_neither_look_up_nor_erase(held: Flask) -> None:
    staff = signed_in(held.test_client(), "sam", role="staff")
    assert staff.get("/admin/people").status_code == 403
    assert staff.post("/admin/people/forget", data={"address": "maya@example.org", "confirm": "y"}).status_code == 403
    assert len(find_person(held, "maya@example.org").leads) == 2
    nav = staff.get("/admin/leads").get_data(as_text=True)
    assert "/admin/people" not in nav
