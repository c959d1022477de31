"""In Chromium: sign in, replay a dead webhook delivery to a real receiver, download the CSV; axe and 375 px
(the inbox, a request, suspected spam)."""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from widget.admin.passwords import create_admin
from widget.db import Store
from widget.delivery.worker import stop_thread
from widget.queries.widgets import create_widget
from widget.schema import deliveries
from widget.settings import WidgetSettings

from .support.admin_pages import sign_in_page
from .support.axe import assert_accessible_page
from .support.leads import public_id_of, submit
from .support.receiver import Receiver
from .support.servers import ServerThread

pytestmark = pytest.mark.browser
USER, PASSWORD = "office", "a long and calm sentence"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver(mode="error") as running:
        yield running


@pytest.fixture
def app(make_app: Callable[..., Flask], receiver: Receiver) -> Iterator[Flask]:
    """The app with the worker thread on, a two-attempt retry schedule and loopback webhooks."""
    app = make_app(RTR_WORKER="thread", RTR_RETRY_SCHEDULE=[0.05], RTR_WEBHOOK_ALLOW_PRIVATE=True,
                   RTR_WORKER_POLL_SECONDS=0.1)
    store: Store = app.extensions["rtr"].store
    settings = WidgetSettings(practice_name="Harbor Light", webhook_url=receiver.url(), retention_days=60)
    create_widget(store, "Harbor Light", settings, widget_id="harbor")
    create_admin(store, USER, PASSWORD)
    yield app
    stop_thread(app)


def _wait_for(check: Callable[[], bool], what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def _status(store: Store) -> str:
    with store.reading() as conn:
        return conn.execute(deliveries.select()).one().status


def _sign_in(page: Any, base: str) -> None:
    sign_in_page(page, base, USER, PASSWORD, landing="/admin/leads")


def test_replaying_a_dead_delivery_reaches_the_receiver(browser: Any, live_server: ServerThread, app: Flask,
                                                        receiver: Receiver) -> None:
    store: Store = app.extensions["rtr"].store
    lead_id = public_id_of(store, submit(app.test_client(), "harbor", name="Renée Okafor"))
    _wait_for(lambda: _status(store) == "dead", "the delivery to fail twice and die")
    assert len(receiver.received()) == 2
    receiver.mode = "ok"

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    base = live_server.url()
    _sign_in(page, base)
    assert "Harbor Light after 60 days" in page.inner_text("main")
    page.get_by_role("link", name="Renée Okafor").click()
    page.wait_for_url(f"{base}/admin/leads/{lead_id}")
    assert page.locator("table tbody tr").count() == 2
    assert "500" in page.inner_text("#deliveries table")
    page.get_by_role("button", name="Send again").click()
    page.wait_for_url(f"{base}/admin/leads/{lead_id}#deliveries")
    assert "Sending again now" in page.inner_text(".flashes")

    assert len(receiver.wait_for(3, timeout=15)) == 3, "the replayed delivery never reached the receiver"
    assert receiver.received()[-1].json["type"] == "lead.created"
    _wait_for(lambda: _status(store) == "delivered", "the delivery to be marked delivered")
    page.reload()
    assert page.locator("#deliveries .badge", has_text="delivered").count() == 1
    assert page.locator("table tbody tr").count() == 3
    context.close()


def test_the_csv_download_holds_the_requests_neutralised(browser: Any, live_server: ServerThread, app: Flask,
                                                        tmp_path: Any) -> None:
    client = app.test_client()
    submit(client, "harbor", name="Renée Okafor", email="renee@example.org", phone="+1 (555) 010-0199")
    submit(client, "harbor", name="-Dash First", email="dash@example.org")
    context = browser.new_context(viewport={"width": 375, "height": 800}, accept_downloads=True)
    page = context.new_page()
    base = live_server.url()
    _sign_in(page, base)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    context.close()
    with open(saved, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    print(f"\nCSV download {saved.name}: {len(rows)} rows, columns {len(rows[0])}")
    assert saved.name.startswith("leads-") and saved.suffix == ".csv"
    assert [(r["name"], r["email"]) for r in rows] == [("'-Dash First", "dash@example.org"),
                                                       ("Renée Okafor", "renee@example.org")]
    assert rows[0]["name"] == "'-Dash First", "a cell a spreadsheet would run as a formula is neutralised"
    assert rows[1]["phone"] == "(+1) (555) 010-0199", "a phone is written so that no formula starts, and no apostrophe"
    assert rows[1]["widget"] == "Harbor Light" and rows[1]["received"].endswith("+00:00")


@pytest.mark.parametrize("width", [1280, 375])
def test_lead_pages_pass_axe_and_fit_the_width(browser: Any, live_server: ServerThread, app: Flask,
                                               width: int) -> None:
    client = app.test_client()
    row_id = submit(client, "harbor", name="Maximilian Alexander Featherstonehaugh-Worthington",
                    email="maximilian.alexander.featherstonehaugh@a-rather-long-domain-name.example.org",
                    page_url="https://www.example.com/blog/when-trust-is-broken-and-you-want-to-rebuild-it")
    lead_id = public_id_of(app.extensions["rtr"].store, row_id)
    submit(client, "harbor")
    submit(client, "harbor", name="Autofilled Ana-Sofía de la Cruz Villanueva", website="https://a-long-spam-address"
           ".example/with/a/path/that/goes/on/and/on")
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    base = live_server.url()
    _sign_in(page, base)
    for path in ("/admin/leads", "/admin/leads?since=not-a-date", f"/admin/leads/{lead_id}",
                 f"/admin/leads/{lead_id}/delete", "/admin/widgets/harbor/stats", "/admin/spam"):
        assert_accessible_page(page, base + path)
    context.close()
