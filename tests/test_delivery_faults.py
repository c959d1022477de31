"""Fault tests with real parts (issue 3 item 12, webhook side); each prints its figures."""

from __future__ import annotations

import email
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from widget import signals
from widget.delivery.worker import Worker
from widget.state import get_state

from .support.delivery import add_leads, attempt_rows, rows, settle, webhook_widget, worker_process
from .support.receiver import REDIRECT_TARGET, Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running
    assert all(r.verified for r in running.requests), "standardwebhooks verifies every request the receiver got"


def alerts(app: Flask) -> list[email.message.Message]:
    folder = Path(app.instance_path) / "outbox"
    found = [email.message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]
    return [m for m in found if m["Auto-Submitted"] == "auto-generated"]


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_200_leads_while_the_receiver_is_down_for_5_s(make_app: Callable[..., Flask]) -> None:
    app = make_app(RTR_WEBHOOK_ALLOW_PRIVATE=True, RTR_RETRY_SCHEDULE=[0.5, 1, 2, 4, 4], RTR_WORKER_POLL_SECONDS=0.05)
    store = get_state(app).store
    receiver = Receiver().start()
    widget = webhook_widget(store, receiver.url())
    receiver.secrets = [widget.webhook_secret]
    receiver.stop()
    add_leads(store, widget, 200)
    worker = Worker(app, threads=4).start()
    try:
        down_at = time.monotonic()
        time.sleep(5)
        receiver.start()
        up_at = time.monotonic()
        drained = wait_until(lambda: all(r["status"] == "delivered" for r in rows(store)), timeout=30)
        drained_at = time.monotonic()
    finally:
        worker.stop(10)
        receiver.stop()
    got = receiver.received()
    ids = Counter(r.webhook_id for r in got)
    refused = sum(1 for a in attempt_rows(store) if a["outcome"] == "retry")
    print(f"\nreceiver down {up_at - down_at:.1f} s: leads 200, refused attempts {refused}, requests received "
          f"{len(got)}, unique webhook ids {len(ids)}, lost {200 - len(ids)}, "
          f"all delivered {drained_at - up_at:.2f} s after the receiver came back")
    assert drained
    assert len(ids) == 200 and set(ids) == {r["message_id"] for r in rows(store)}
    assert refused >= 200, "every lead was tried while the receiver was down"
    assert all(r.verified for r in got), "standardwebhooks verifies every request"


def test_worker_process_sigkilled_3_times_mid_delivery(make_app: Callable[..., Flask], tmp_path: Path,
                                                        receiver: Receiver) -> None:
    url = f"sqlite:///{tmp_path}/shared.sqlite3"
    store = get_state(make_app(RTR_DATABASE_URL=url)).store
    widget = webhook_widget(store, receiver.url())
    receiver.secrets = [widget.webhook_secret]
    add_leads(store, widget, 40)
    config = {"RTR_DELIVERY_LEASE": 1, "RTR_WORKER_THREADS": 1, "RTR_WORKER_POLL_SECONDS": 0.05,
              "RTR_RETRY_SCHEDULE": [0.1, 0.1, 0.1]}
    kills = 0
    for after in (5, 15, 25):
        process = worker_process(url, str(tmp_path), **config)
        assert wait_until(lambda n=after: len(receiver.received()) >= n, timeout=30)  # type: ignore[misc]
        receiver.hold_next()
        assert receiver.held.wait(10), "the worker sent the next delivery"
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        kills += 1
        receiver.release()
    process = worker_process(url, str(tmp_path), **config)
    try:
        assert wait_until(lambda: all(r["status"] == "delivered" for r in rows(store)), timeout=60)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(20)
    got = receiver.received()
    ids = Counter(r.webhook_id for r in got)
    duplicated = {webhook_id: n for webhook_id, n in ids.items() if n > 1}
    print(f"\nworker SIGKILLed {kills} times mid-delivery: leads 40, requests {len(got)}, unique webhook ids "
          f"{len(ids)}, lost {40 - len(ids)}, duplicates {len(got) - len(ids)}")
    assert set(ids) == {r["message_id"] for r in rows(store)}
    assert len(got) - len(ids) <= 3
    for webhook_id in duplicated:
        copies = [r for r in got if r.webhook_id == webhook_id]
        assert len({r.body for r in copies}) == 1, "a duplicate carries the same webhook id and body"


def test_a_hanging_receiver_ends_each_attempt_at_the_timeout(make_app: Callable[..., Flask],
                                                             receiver: Receiver) -> None:
    app = make_app(RTR_WEBHOOK_ALLOW_PRIVATE=True, RTR_WEBHOOK_TIMEOUT=0.3, RTR_RETRY_SCHEDULE=[0.05, 0.05])
    store = get_state(app).store
    receiver.mode = "hang"
    widget = webhook_widget(store, receiver.url())
    receiver.secrets = [widget.webhook_secret]
    add_leads(store, widget)
    settle(app, timeout=10)
    tries = attempt_rows(store)
    durations = [a["duration_ms"] for a in tries]
    print(f"\nhanging receiver, RTR_WEBHOOK_TIMEOUT=0.3 s: attempts {len(tries)}, each ended after (ms) {durations}")
    assert [a["detail"] for a in tries] == ["No answer within 0.3 s."] * 3
    assert all(d >= 290 for d in durations)
    assert rows(store)[0]["status"] == "dead"


def test_always_500_is_tried_len_schedule_plus_one_times_then_dead_with_one_alert(
        make_app: Callable[..., Flask], receiver: Receiver) -> None:
    schedule = [0.0, 0.2, 0.4]
    app = make_app(RTR_WEBHOOK_ALLOW_PRIVATE=True, RTR_RETRY_SCHEDULE=schedule, RTR_ALERT_EMAIL="owner@example.com")
    store = get_state(app).store
    receiver.mode = "error"
    failed: list[dict[str, Any]] = []
    handler = lambda sender, **kw: failed.append(kw)  # noqa: E731
    signals.delivery_failed.connect(handler, app)
    widget = webhook_widget(store, receiver.url())
    receiver.secrets = [widget.webhook_secret]
    add_leads(store, widget, message="a private sentence", name="Hovhannes")
    settle(app, timeout=10)
    got = receiver.received()
    gaps = [round(b.at - a.at, 2) for a, b in pairwise(got)]
    print(f"\nalways 500, schedule {schedule}: attempts {len(got)} (len(schedule)+1 = {len(schedule) + 1}), "
          f"gaps between attempts (s) {gaps}, status {rows(store)[0]['status']}, alerts {len(alerts(app))}")
    assert len(got) == len(attempt_rows(store)) == len(schedule) + 1
    assert len({r.webhook_id for r in got}) == 1
    assert rows(store)[0]["status"] == "dead" and rows(store)[0]["attempts"] == 4
    assert [f["dead"] for f in failed] == [False, False, False, True]
    [alert] = alerts(app)
    assert alert["To"] == "owner@example.com"
    text = alert.get_payload(decode=True).decode()
    assert "HTTP 500" in text and "webhook" in text and "Harbor Light" in text
    assert "private sentence" not in text and "Hovhannes" not in text and "person0@" not in text


def test_a_redirects_target_is_never_requested(make_app: Callable[..., Flask], receiver: Receiver) -> None:
    app = make_app(RTR_WEBHOOK_ALLOW_PRIVATE=True, RTR_RETRY_SCHEDULE=[0.0, 0.1])
    store = get_state(app).store
    receiver.mode = "redirect"
    widget = webhook_widget(store, receiver.url())
    receiver.secrets = [widget.webhook_secret]
    add_leads(store, widget)
    settle(app, timeout=10)
    print(f"\n308 redirect: attempts {len(receiver.received())}, requests to the redirect target "
          f"{len(receiver.received(REDIRECT_TARGET))}, status {rows(store)[0]['status']}")
    assert len(receiver.received()) == 3
    assert receiver.received(REDIRECT_TARGET) == []
    assert rows(store)[0]["status"] == "dead"
    assert all("not followed" in a["detail"] for a in attempt_rows(store))
