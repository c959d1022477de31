"""Fixtures: the app through the factory with a temp instance folder, and real parts on loopback."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget import create_app, migrate
from widget.cli import DEMO_WIDGET_ID
from widget.db import Store, make_engine
from widget.delivery.worker import stop_thread
from widget.schema import metadata

from .support.receiver import Receiver
from .support.servers import ServerThread

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def missing(what: str) -> None:
    """Skip with a printed reason, or fail under CI=true where everything must be present."""
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true")
    pytest.skip(f"{what} is not available here")


class Clock:
    """``time.time`` standing still until the test moves it on."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Stop the wall clock (``time.time``) for locks and limits that count seconds: a slow machine
    can't let a lock run out between two requests, and waiting is ``clock.advance``, not a sleep."""
    stopped = Clock()
    monkeypatch.setattr(time, "time", stopped)
    return stopped


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build apps through the factory with a temp instance folder and test-friendly defaults."""
    built: list[Flask] = []

    def build(**config: Any) -> Flask:
        folder = tmp_path / f"instance{len(built)}"
        defaults = {
            "TESTING": True,
            "RTR_SECRET_KEY": "test-secret-key",
            "RTR_DATABASE_URL": f"sqlite:///{folder}/rtr.sqlite3",
            "RTR_MIN_FORM_SECONDS": 0,
            "RTR_WORKER": "off",
        }
        folder.mkdir()
        app = create_app({**defaults, **config}, instance_path=str(folder))
        built.append(app)
        return app

    yield build
    for app in built:
        app.extensions["rtr"].store.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    app = make_app()
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def demo_id() -> str:
    return DEMO_WIDGET_ID


TOKEN_RE = re.compile(r'name="token" type="hidden" value="([^"]+)"')


def form_token(client: FlaskClient, widget_id: str = DEMO_WIDGET_ID) -> str:
    """Load the frame and return the form token it carries."""
    html = client.get(f"/w/{widget_id}/frame").get_data(as_text=True)
    match = TOKEN_RE.search(html)
    assert match, "the frame has no form token"
    return match.group(1)


def valid_lead(**overrides: str) -> dict[str, str]:
    """Return a complete, valid submission for the demo widget."""
    data = {"name": "Maya", "email": "maya@example.org", "consent": "y"}
    data.update(overrides)
    return data


@pytest.fixture
def live_server(app: Flask) -> Iterator[ServerThread]:
    """The widget app on a real loopback port (reach it as localhost to be cross-site)."""
    with ServerThread(app) as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP receiver on loopback (it can answer 200, 500, 410, redirect or hang)."""
    with Receiver() as running:
        yield running


@pytest.fixture
def thread_app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """An app delivering from worker threads, which poll only every 30 s: wake-ups must do the work."""
    app = make_app(RTR_WORKER="thread", RTR_WEBHOOK_ALLOW_PRIVATE=True, RTR_WORKER_POLL_SECONDS=30,
                   RTR_RETRY_SCHEDULE=[0.05, 0.1])
    yield app
    stop_thread(app)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright."""
    if not os.path.exists(CHROMIUM):
        missing("Debian's chromium (/usr/bin/chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store on SQLite, then on the throwaway PostgreSQL cluster."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/store.sqlite3"
    else:
        url = request.getfixturevalue("postgres_url")
    store = Store(make_engine(url))
    empty_database(store)
    migrate.prepare(store)
    yield store
    store.engine.dispose()


def empty_database(store: Store) -> None:
    """Drop every table of ours (and the schema revision), leaving the database as if new."""
    with store.engine.begin() as conn:
        metadata.drop_all(conn)
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {migrate.VERSION_TABLE}")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL cluster for the session."""
    from .support.postgres import PostgresCluster

    try:
        cluster = PostgresCluster().start()
    except (FileNotFoundError, OSError) as error:
        missing(f"PostgreSQL ({error})")
    try:
        yield cluster.url
    finally:
        cluster.stop()
