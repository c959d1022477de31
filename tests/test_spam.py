"""Suspected spam: honeypot hits are stored out of the inbox, CSV and figures; released (then delivered) or
deleted by an admin; purged after RTR_SPAM_RETENTION_DAYS."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from widget.config import DEFAULTS
from widget.delivery.worker import Worker
from widget.models import NewLead, SpamMark
from widget.queries.inbox import LeadFilter, count_leads
from widget.queries.leads import add_lead
from widget.queries.stats import daily_series
from widget.queries.widgets import create_widget, get_widget
from widget.retention import purge_spam
from widget.schema import audit_log, deliveries, leads
from widget.settings import WidgetSettings

from .conftest import form_token, valid_lead
from .support.admin_session import signed_in
from .support.delivery import settle
from .support.leads import DAY, count, csrf_token
from .support.receiver import Receiver
from .support.smtp import SmtpServer

JSON = {"Accept": "application/json"}


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def spam_app(make_app: Callable[..., Flask], smtp: SmtpServer, receiver: Receiver) -> Flask:
    """A practice with email (to a real SMTP sink) and a webhook (to a real receiver)."""
    app = make_app(RTR_SMTP_HOST="127.0.0.1", RTR_SMTP_PORT=smtp.port, RTR_SMTP_SECURITY="none",
                   RTR_WEBHOOK_ALLOW_PRIVATE=True)
    settings = WidgetSettings(practice_name="Harbor Light", notify_emails=["intake@harbor.example"],
                              webhook_url=receiver.url())
    create_widget(app.extensions["rtr"].store, "Harbor Light", settings, widget_id="harbor")
    return app


def _send(client: FlaskClient, widget_id: str = "harbor", **fields: str) -> None:
    response = client.post(f"/w/{widget_id}/leads", data=valid_lead(token=form_token(client, widget_id), **fields),
                           headers=JSON)
    assert response.status_code == 201, response.get_data(as_text=True)


def _lead(app: Flask, name: str) -> dict:
    with app.extensions["rtr"].store.reading() as conn:
        return dict(conn.execute(select(leads).where(leads.c.name == name)).one()._mapping)


def test_spam_waits_on_its_own_page_out_of_the_inbox_csv_and_figures(spam_app: Flask, smtp: SmtpServer,
                                                                      receiver: Receiver) -> None:
    client = spam_app.test_client()
    _send(client, name="Real Person")
    _send(client, name="Cheap Pills", email="pills@example.net", website="https://pills.example")
    settle(spam_app)
    admin = signed_in(client)

    page = admin.get("/admin/spam").get_data(as_text=True)
    assert "Cheap Pills" in page and "pills@example.net" in page and "https://pills.example" in page
    assert "Real Person" not in page and "1 request under suspected spam" in page
    assert "deleted automatically 14 days after" in page
    assert 'href="/admin/spam"' in admin.get("/admin/").get_data(as_text=True), "in the admin's navigation"

    inbox = admin.get("/admin/leads").get_data(as_text=True)
    assert "Real Person" in inbox and "Cheap Pills" not in inbox
    exported = list(csv.DictReader(io.StringIO(admin.get("/admin/leads.csv").get_data().decode()[1:])))
    assert [row["name"] for row in exported] == ["Real Person"]
    assert sum(day.submissions for day in daily_series(spam_app.extensions["rtr"].store, "harbor")) == 1
    assert "1 time" in admin.get("/admin/widgets/harbor/stats").get_data(as_text=True), "sent once, not twice"
    assert len(smtp.received) == 1 and len(receiver.received()) == 1, "spam is delivered to no one"
    cheap = _lead(spam_app, "Cheap Pills")
    assert admin.get(f"/admin/leads/{cheap['public_id']}").headers["Location"].endswith(
        f"/admin/spam#request-{cheap['public_id']}")


def test_released_spam_becomes_a_lead_and_is_delivered_by_email_and_webhook(
        spam_app: Flask, smtp: SmtpServer, receiver: Receiver) -> None:
    client = spam_app.test_client()
    _send(client, name="Autofilled Ana", email="ana@example.org", website="Ana")
    admin = signed_in(client)
    caught = _lead(spam_app, "Autofilled Ana")
    page = admin.get("/admin/spam").get_data(as_text=True)

    released = admin.post(f"/admin/spam/{caught['public_id']}/release", data={"csrf_token": csrf_token(page)})
    assert released.status_code == 302
    assert released.headers["Location"].endswith(f"/admin/leads/{caught['public_id']}")
    settle(spam_app)

    lead = _lead(spam_app, "Autofilled Ana")
    assert (lead["spam_reason"], lead["spam_detail"]) == (None, None)
    assert lead["delivered_at"] is not None, "both deliveries arrived"
    [mail] = smtp.received
    assert mail.rcpt_tos == ["intake@harbor.example"] and "ana@example.org" in mail.message.get_body().get_content()
    [hook] = receiver.wait_for(1)
    assert hook.json["data"]["email"] == "ana@example.org"
    store = spam_app.extensions["rtr"].store
    with store.reading() as conn:
        assert count_leads(conn, LeadFilter()) == 1
    assert sum(day.submissions for day in daily_series(store, "harbor")) == 1, "counted once released"
    assert count(store, audit_log, audit_log.c.action == "spam.released") == 1
    again = admin.post(f"/admin/spam/{caught['public_id']}/release", data={"csrf_token": csrf_token(page)},
                       follow_redirects=True)
    assert "no longer under suspected spam" in again.get_data(as_text=True)
    settle(spam_app)
    assert len(smtp.received) == 1, "released once, delivered once"


def test_deleting_spam_removes_it_and_is_audited(spam_app: Flask) -> None:
    client = spam_app.test_client()
    _send(client, name="Bot", website="x")
    admin = signed_in(client)
    caught = _lead(spam_app, "Bot")
    page = admin.get("/admin/spam").get_data(as_text=True)
    assert admin.post(f"/admin/spam/{caught['public_id']}/delete", data={}).status_code == 302
    assert count(spam_app.extensions["rtr"].store, leads) == 1, "without its CSRF token nothing happens"
    response = admin.post(f"/admin/spam/{caught['public_id']}/delete", data={"csrf_token": csrf_token(page)},
                          follow_redirects=True)
    assert "Deleted." in response.get_data(as_text=True)
    store = spam_app.extensions["rtr"].store
    assert count(store, leads) == 0 and count(store, audit_log, audit_log.c.action == "spam.deleted") == 1


def test_an_ordinary_lead_cannot_be_released_or_deleted_from_the_spam_page(spam_app: Flask) -> None:
    client = spam_app.test_client()
    _send(client, name="Real Person")
    admin = signed_in(client)
    real = _lead(spam_app, "Real Person")
    token = csrf_token(admin.get("/admin/spam").get_data(as_text=True) + admin.get("/admin/").get_data(as_text=True))
    for action in ("release", "delete"):
        admin.post(f"/admin/spam/{real['public_id']}/{action}", data={"csrf_token": token})
    store = spam_app.extensions["rtr"].store
    assert count(store, leads) == 1 and count(store, deliveries) == 2, "no second set of deliveries"


def test_spam_pages_need_a_login(spam_app: Flask) -> None:
    client = spam_app.test_client()
    for method, url in (("get", "/admin/spam"), ("post", "/admin/spam/x/release"), ("post", "/admin/spam/x/delete")):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_spam_is_kept_a_configurable_short_time_then_purged_by_housekeeping(make_app: Callable[..., Flask]) -> None:
    assert DEFAULTS["RTR_SPAM_RETENTION_DAYS"] == 14
    app = make_app(RTR_SPAM_RETENTION_DAYS=3)
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    client = app.test_client()
    for name in ("Old Bot", "New Bot", "Old Person"):
        response = client.post("/w/demo/leads", headers=JSON,
                               data=valid_lead(token=form_token(client), name=name,
                                               website="" if name == "Old Person" else "spam"))
        assert response.status_code == 201
    store = app.extensions["rtr"].store
    with store.engine.begin() as conn:
        conn.execute(update(leads).where(leads.c.name.like("Old%")).values(created_at=time.time() - 4 * DAY))
    Worker(app).maintain(force=True)
    with store.reading() as conn:
        assert sorted(conn.execute(select(leads.c.name)).scalars()) == ["New Bot", "Old Person"]
    assert purge_spam(store, 0.5, now=time.time() + DAY) == 1


def test_flask_rtr_purge_says_how_much_spam_went(app: Flask) -> None:
    client = app.test_client()
    client.post("/w/demo/leads", data=valid_lead(token=form_token(client), website="spam"), headers=JSON)
    with app.extensions["rtr"].store.engine.begin() as conn:
        conn.execute(update(leads).values(created_at=time.time() - 15 * DAY))
    result = app.test_cli_runner().invoke(args=["rtr", "purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 suspected spam request(s) older than 14 days." in result.output
    assert count(app.extensions["rtr"].store, leads) == 0


@pytest.mark.parametrize("value", [-1, "soon", True])
def test_a_wrong_spam_retention_stops_start_up_naming_the_key(make_app: Callable[..., Flask], value: object) -> None:
    with pytest.raises(RuntimeError, match=re.escape("RTR_SPAM_RETENTION_DAYS")):
        make_app(RTR_SPAM_RETENTION_DAYS=value)


@pytest.mark.parametrize("hidden", ["\x00\x01bot", "\u2028line\x85break", "x" * 5000, " \t ", "<script>x</script>"])
def test_whatever_the_hidden_field_holds_is_stored_clean_or_not_at_all(app: Flask, client: FlaskClient,
                                                                       hidden: str) -> None:
    response = client.post("/w/demo/leads", data=valid_lead(token=form_token(client), website=hidden), headers=JSON)
    assert response.status_code == 201
    with app.extensions["rtr"].store.reading() as conn:
        [row] = conn.execute(select(leads.c.spam_reason, leads.c.spam_detail)).all()
    if hidden.strip():
        assert row.spam_reason == "honeypot" and 0 < len(row.spam_detail) <= 200
        assert not any(c in row.spam_detail for c in "\x00\x01\u2028\x85")
    else:
        assert tuple(row) == (None, None), "blank is not filled"
    page = signed_in(client).get("/admin/spam").get_data(as_text=True)
    assert "<script>x</script>" not in page


def test_the_spam_page_is_paged_newest_first(app: Flask, client: FlaskClient) -> None:
    store = app.extensions["rtr"].store
    widget = get_widget(store, "demo")
    for number in range(27):
        add_lead(store, widget, NewLead(name=f"Bot {number:02}", email="b@example.org", consent_text="ok",
                                        consent_version="v1"), spam=SpamMark("honeypot", "x"))
    admin = signed_in(client)
    first = admin.get("/admin/spam").get_data(as_text=True)
    second = admin.get("/admin/spam?page=2").get_data(as_text=True)
    assert "27 requests under suspected spam" in first and "Page 1 of 2" in first and 'rel="next"' in first
    assert "Bot 26" in first and "Bot 00" in second and "Bot 00" not in first
