"""The worker: thread mode woken by each lead, the ``flask rtr worker`` process, retry, housekeeping."""

from __future__ import annotations

import email
import os
import signal
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert, select

from widget import signals
from widget.delivery import leases, queue, worker
from widget.delivery.base import Outcome
from widget.queries.widgets import get_widget
from widget.schema import used_tokens
from widget.state import get_state

from .conftest import form_token, valid_lead
from .support.delivery import (
    add_leads,
    attempt_rows,
    fresh_postgres_database,
    lead_rows,
    rows,
    settle,
    verify,
    webhook_widget,
    worker_process,
)
from .support.receiver import Receiver


def alerts(app: Flask) -> list[email.message.Message]:
    """The alert emails written to the outbox (no SMTP server is configured in tests)."""
    folder = Path(app.instance_path) / "outbox"
    found = [email.message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))] if folder.exists() else []
    return [m for m in found if m["Auto-Submitted"] == "auto-generated"]


def test_a_submitted_lead_wakes_the_thread_and_is_delivered(thread_app: Flask, receiver: Receiver) -> None:
    store = get_state(thread_app).store
    widget = webhook_widget(store, receiver.url())
    heard: list[tuple[str, dict[str, Any]]] = []

    def listen(name: str) -> Callable[..., None]:
        return lambda sender, **kw: heard.append((name, kw))

    on_received, on_delivered = listen("received"), listen("delivered")
    signals.lead_received.connect(on_received, thread_app)
    signals.lead_delivered.connect(on_delivered, thread_app)
    client = thread_app.test_client()
    token = form_token(client, widget.id)
    assert client.post(f"/w/{widget.id}/leads", data={"token": token, **valid_lead()}).status_code == 201
    [got] = receiver.wait_for(1, timeout=10)
    assert verify(got, widget.webhook_secret)["data"]["email"] == "maya@example.org"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and lead_rows(store)[0]["delivered_at"] is None:
        time.sleep(0.02)
    assert lead_rows(store)[0]["delivered_at"] is not None
    lead_id = lead_rows(store)[0]["public_id"]
    assert ("received", {"lead_id": lead_id, "widget_id": widget.id}) in heard
    assert ("delivered", {"lead_id": lead_id, "widget_id": widget.id, "channel": "webhook"}) in heard


def test_no_thread_starts_before_the_first_request(thread_app: Flask) -> None:
    """`flask run`'s reloader parent and one-off CLI commands build the app but serve nothing."""
    assert get_state(thread_app).worker is None
    thread_app.test_client().get("/healthz")
    running = get_state(thread_app).worker
    assert running is not None and running.alive and running.pid == os.getpid()
    thread_app.test_client().get("/healthz")
    assert get_state(thread_app).worker is running


def test_worker_off_never_starts_a_thread(app: Flask) -> None:
    client = app.test_client()
    assert client.post("/w/demo/leads", data={"token": form_token(client), **valid_lead()}).status_code == 201
    assert get_state(app).worker is None
    assert [r["status"] for r in rows(get_state(app).store)] == ["pending"]


def test_failed_attempts_signal_and_a_410_alerts_once(thread_app: Flask, receiver: Receiver) -> None:
    store = get_state(thread_app).store
    widget = webhook_widget(store, receiver.url())
    failures: list[dict[str, Any]] = []
    handler = lambda sender, **kw: failures.append(kw)  # noqa: E731
    signals.delivery_failed.connect(handler, thread_app)
    receiver.mode = "gone"
    add_leads(store, widget, 3, message="private words")
    worker.ensure_thread(thread_app).wake()
    receiver.wait_for(1)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not alerts(thread_app):
        time.sleep(0.02)
    time.sleep(0.2)
    assert [r["status"] for r in rows(store)] == ["disabled"] * 3
    in_flight = len(receiver.received())
    assert 1 <= in_flight <= 3, "only sends already in flight may follow the first 410"
    assert in_flight <= len(failures) <= 3 and all(f["dead"] for f in failures)
    add_leads(store, get_widget(store, widget.id))  # as the endpoint does: the widget as stored now
    worker.ensure_thread(thread_app).wake()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and rows(store)[-1]["status"] == "pending":
        time.sleep(0.02)
    assert rows(store)[-1]["status"] == "disabled", "a new lead's webhook delivery waits, parked"
    assert len(receiver.received()) == in_flight, "a disabled endpoint gets no more requests"
    assert "switched off" in attempt_rows(store)[-1]["detail"]
    [alert] = alerts(thread_app)
    text = alert.get_payload(decode=True).decode()
    assert "Webhook disabled" in alert["Subject"] and "410" in text
    assert "private words" not in text and "Person" not in text and "example.org" not in text


@pytest.mark.parametrize(("alert_email", "expected"), [
    ("office@harbor.example", "office@harbor.example"), ("", "ops@widgets.example.com"),
])
def test_a_dead_delivery_alerts_the_widgets_own_address_before_the_installations(
        make_app: Callable[..., Flask], receiver: Receiver, alert_email: str, expected: str) -> None:
    app = make_app(RTR_WEBHOOK_ALLOW_PRIVATE=True, RTR_RETRY_SCHEDULE=[0.0], RTR_ALERT_EMAIL="ops@widgets.example.com")
    store = get_state(app).store
    receiver.mode = "error"
    add_leads(store, webhook_widget(store, receiver.url(), alert_email=alert_email))
    settle(app)
    [alert] = alerts(app)
    assert alert["To"] == expected


def test_a_channel_that_raises_costs_a_retry_not_the_worker(make_app: Callable[..., Flask],
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(RTR_RETRY_SCHEDULE=[0.01])
    store = get_state(app).store
    add_leads(store, webhook_widget(store, "https://hooks.example.com/x"))
    from widget.delivery import webhook

    def broken(job: Any) -> Outcome:
        raise KeyError(job.lead["email"])

    monkeypatch.setattr(webhook, "send", broken)
    settle(app, timeout=5)
    assert [(a["outcome"], a["detail"]) for a in attempt_rows(store)] == [
        ("retry", "Internal error in the webhook channel (KeyError).")] * 2
    assert rows(store)[0]["status"] == "dead"
    assert "KeyError" in caplog.text and "person0@example.org" not in caplog.text, "no lead contents in logs"


def test_email_deliveries_go_through_the_email_channel(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    store = get_state(app).store
    widget = webhook_widget(store, "", notify_emails=["desk@example.com"])
    add_leads(store, widget)
    settle(app)
    assert [(r["channel"], r["status"]) for r in rows(store)] == [("email", "saved_to_file")]
    written = [email.message_from_bytes(p.read_bytes()) for p in (Path(app.instance_path) / "outbox").glob("*.eml")]
    assert [m["To"] for m in written] == ["desk@example.com"]


def test_periodic_tasks_run_at_most_every_maintenance_interval(make_app: Callable[..., Flask],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(RTR_MAINTENANCE_SECONDS=3600, RTR_FORM_MAX_AGE=600)
    store = get_state(app).store
    with store.engine.begin() as conn:
        conn.execute(insert(used_tokens), [{"nonce": "old", "used_at": time.time() - 601},
                                           {"nonce": "fresh", "used_at": time.time()}])
    calls: list[str] = []

    def failing(app: Flask) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(worker, "TASKS", (failing, *worker.TASKS, lambda a: calls.append("ran")))
    running = worker.Worker(app, threads=1)
    running.maintain()
    running.maintain()
    assert calls == ["ran"]
    with store.reading() as conn:
        assert conn.execute(select(used_tokens.c.nonce)).scalars().all() == ["fresh"]
    running.maintain(force=True)
    assert calls == ["ran", "ran"]


def test_flask_rtr_worker_delivers_and_stops_on_sigterm(make_app: Callable[..., Flask], tmp_path: Path,
                                                        receiver: Receiver) -> None:
    url = f"sqlite:///{tmp_path}/shared.sqlite3"
    store = get_state(make_app(RTR_DATABASE_URL=url)).store
    widget = webhook_widget(store, receiver.url())
    add_leads(store, widget, 5)
    process = worker_process(url, str(tmp_path), RTR_WORKER_POLL_SECONDS=0.05)
    try:
        assert len(receiver.wait_for(5, timeout=20)) == 5
        receiver.mode = "hang"
        receiver.hang_seconds = 1.0
        add_leads(store, widget, 1)
        receiver.wait_for(6, timeout=20)
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0
    finally:
        if process.poll() is None:
            process.kill()
    log = (tmp_path / "worker.log").read_text()
    assert "Delivery worker stopped." in log
    assert [r["status"] for r in rows(store)] == ["delivered"] * 6, "the send in hand finished before exit"


def test_flask_rtr_retry_replays_failed_deliveries(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    store = get_state(app).store
    widget = webhook_widget(store, "https://hooks.example.com/x")
    add_leads(store, widget, 2)
    first, second = leases.claim(store, "w", 30, limit=2)
    queue.record(store, first, Outcome("dead", "refused"), [0], "w")
    queue.record(store, second, Outcome("delivered", "ok"), [0], "w")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["rtr", "retry", "--widget", "nope"])
    assert result.exit_code == 2 and "no widget" in result.output
    result = runner.invoke(args=["rtr", "retry"])
    assert result.exit_code == 0 and "Queued 1 failed delivery again." in result.output
    assert [r["status"] for r in rows(store)] == ["pending", "delivered"]
    assert "No failed deliveries" in runner.invoke(args=["rtr", "retry", "--widget", widget.id]).output


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_two_worker_pools_deliver_each_lead_once(engine: str, make_app: Callable[..., Flask],
                                                 request: pytest.FixtureRequest, receiver: Receiver) -> None:
    """Two workers (3 threads each) on one database: every lead sent once, none twice."""
    with ExitStack() as stack:
        config: dict[str, Any] = {"RTR_WEBHOOK_ALLOW_PRIVATE": True, "RTR_WORKER_POLL_SECONDS": 0.05}
        if engine == "postgresql":
            url = stack.enter_context(fresh_postgres_database(request.getfixturevalue("postgres_url")))
            config["RTR_DATABASE_URL"] = url
        first = make_app(**config)
        second = make_app(**{**config, "RTR_DATABASE_URL": first.config["RTR_DATABASE_URL"]})
        store = get_state(first).store
        add_leads(store, webhook_widget(store, receiver.url()), 60)
        pools = [worker.Worker(first, threads=3).start(), worker.Worker(second, threads=3).start()]
        try:
            receiver.wait_for(60, timeout=30)
            delivered = wait_for_status(store, "delivered", 60)
        finally:
            for pool in pools:
                pool.stop(10)
        ids = [r.webhook_id for r in receiver.received()]
        by_worker = Counter(a["delivery_id"] for a in attempt_rows(store))
        print(f"\n[{engine}] two worker pools: leads 60, requests {len(ids)}, unique {len(set(ids))}")
        assert delivered and len(ids) == len(set(ids)) == 60
        assert set(by_worker.values()) == {1}
        get_state(second).store.engine.dispose()


def wait_for_status(store: Any, status: str, count: int, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(1 for r in rows(store) if r["status"] == status) >= count:
            return True
        time.sleep(0.02)
    return False
