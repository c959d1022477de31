"""In Chromium: sign in, replay a dead webhook delivery to a real receiver; axe and 375 px checks."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask

from widget.admin.passwords import create_admin
from widget.delivery.worker import stop_thread
from widget.settings import default_settings
from widget.store import Store, deliveries

from .support.axe import assert_accessible_page
from .support.leads import submit
from .support.servers import ServerThread

pytestmark = pytest.mark.browser
USER, PASSWORD = "office", "a long and calm sentence"


class Receiver:
    """A loopback HTTP endpoint that answers ``status`` and records each POST body."""

    def __init__(self) -> None:
        self.status = 500
        self.bodies: list[dict[str, Any]] = []
        self.got_ok = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.bodies.append(json.loads(body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if receiver.status == 200:
                    receiver.got_ok.set()

            def log_message(self, *args: Any) -> None:
                """Stay quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hook"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def app(make_app: Callable[..., Flask], receiver: Receiver) -> Iterator[Flask]:
    """The app with the worker thread on, a two-attempt retry schedule and loopback webhooks."""
    app = make_app(RTR_WORKER="thread", RTR_RETRY_SCHEDULE=[0.05], RTR_WEBHOOK_ALLOW_PRIVATE=True,
                   RTR_WORKER_POLL_SECONDS=0.1)
    store: Store = app.extensions["rtr"].store
    settings = default_settings("Harbor Light")
    settings.update(webhook_url=receiver.url, retention_days=60)
    store.create_widget("Harbor Light", settings, widget_id="harbor")
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
    page.goto(f"{base}/admin/leads")
    page.get_by_label("Username").fill(USER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/admin/leads")


def test_replaying_a_dead_delivery_reaches_the_receiver(browser: Any, live_server: ServerThread, app: Flask,
                                                        receiver: Receiver) -> None:
    store: Store = app.extensions["rtr"].store
    lead_id = submit(app.test_client(), "harbor", name="Renée Okafor")
    _wait_for(lambda: _status(store) == "dead", "the delivery to fail twice and die")
    assert len(receiver.bodies) == 2
    receiver.status = 200

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

    assert receiver.got_ok.wait(15), "the replayed delivery never reached the receiver"
    assert receiver.bodies[-1]["type"] == "lead.created"
    _wait_for(lambda: _status(store) == "delivered", "the delivery to be marked delivered")
    page.reload()
    assert page.locator("#deliveries .badge", has_text="delivered").count() == 1
    assert page.locator("table tbody tr").count() == 3
    context.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_lead_pages_pass_axe_and_fit_the_width(browser: Any, live_server: ServerThread, app: Flask,
                                               width: int) -> None:
    client = app.test_client()
    lead_id = submit(client, "harbor", name="Maximilian Alexander Featherstonehaugh-Worthington",
                     email="maximilian.alexander.featherstonehaugh@a-rather-long-domain-name.example.org",
                     page_url="https://www.example.com/blog/when-trust-is-broken-and-you-want-to-rebuild-it")
    submit(client, "harbor")
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    base = live_server.url()
    _sign_in(page, base)
    for path in ("/admin/leads", "/admin/leads?since=not-a-date", f"/admin/leads/{lead_id}",
                 f"/admin/leads/{lead_id}/delete", "/admin/widgets/harbor/stats"):
        assert_accessible_page(page, base + path)
    context.close()
