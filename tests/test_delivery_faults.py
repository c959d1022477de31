"""Fault tests with real parts (issue 3 item 12, webhook side); each prints its figures."""

from __future__ import annotations

import email
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from widget import signals
from widget.delivery.worker import Worker
from widget.state import get_state

from .support.delivery import (
    add_leads,
    attempt_rows,
    fresh_postgres_database,
    rows,
    settle,
    webhook_widget,
    worker_process,
)
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
    config = {"RTR_DELIVERY_LEASE": 1, "RTR_WEBHOOK_TIMEOUT": 0.5, "RTR_WORKER_THREADS": 1,
              "RTR_WORKER_POLL_SECONDS": 0.05, "RTR_RETRY_SCHEDULE": [0.1, 0.1, 0.1]}
    kills = 0
    for after in (5, 15, 25):
        receiver.hold_past(after)  # set before the worker starts: a fast batch can't slip past it
        process = worker_process(url, str(tmp_path), **config)
        try:
            assert receiver.held.wait(60), f"the worker sent delivery {after + 1}"
        finally:
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


# A CRM that trickles its answer (issue 8 item 7) ------------------------------------------------

def apps_on(engine: str, stack: ExitStack, request: pytest.FixtureRequest, make_app: Callable[..., Flask],
            count: int = 1, **config: Any) -> list[Flask]:
    """Apps sharing one fresh database of the engine (SQLite: a file of the test's own)."""
    config = {"RTR_WEBHOOK_ALLOW_PRIVATE": True, "RTR_WORKER_POLL_SECONDS": 0.05, **config}
    if engine == "postgresql":
        config["RTR_DATABASE_URL"] = stack.enter_context(
            fresh_postgres_database(request.getfixturevalue("postgres_url")))
    apps = [make_app(**config)]
    apps += [make_app(**{**config, "RTR_DATABASE_URL": apps[0].config["RTR_DATABASE_URL"]}) for _ in range(count - 1)]
    for app in apps:
        stack.callback(get_state(app).store.engine.dispose)  # before the database is dropped
    return apps


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_trickling_crm_never_delays_another_practice(engine: str, make_app: Callable[..., Flask],
                                                      request: pytest.FixtureRequest) -> None:
    """Practice A's CRM sends a byte every 0.2 s; B's answers at once. One worker, 4 threads."""
    with ExitStack() as stack:
        [app] = apps_on(engine, stack, request, make_app, RTR_WEBHOOK_TIMEOUT=1, RTR_DELIVERY_LEASE=4,
                        RTR_RETRY_SCHEDULE=[30], RTR_WORKER_THREADS=4, RTR_ENDPOINT_CONCURRENCY=2)
        slow = stack.enter_context(Receiver(mode="trickle", trickle_seconds=0.2))
        fast = stack.enter_context(Receiver())
        store = get_state(app).store
        practice_a, practice_b = webhook_widget(store, slow.url()), webhook_widget(store, fast.url())
        add_leads(store, practice_a, 6)
        worker = Worker(app).start()
        stack.callback(worker.stop, 10)
        assert wait_until(lambda: len(slow.received()) >= 2, 10), "A's sends are under way"
        waits = []
        for number in range(4):
            add_leads(store, practice_b, 1, email=f"b{number}@example.org")
            began = time.time()
            arrived = wait_until(lambda n=number: len(fast.received()) > n, 10)  # type: ignore[misc]
            waits.append(fast.received()[number].at - began if arrived else float("inf"))
            time.sleep(0.3)
        assert wait_until(lambda: len(slow.exchanges) == 6, 10), "each of A's sends ended at its deadline"
    print(f"\n[{engine}] A trickles (6 leads), B's 4 leads waited (s) {[round(w, 3) for w in waits]}; A's sends at "
          f"once at most {slow.most_at_once()}, each ended after (s) "
          f"{[round(e.ended - e.began, 2) for e in slow.exchanges]}")
    assert max(waits) < 0.5
    assert slow.most_at_once() <= 2, "RTR_ENDPOINT_CONCURRENCY caps the sends to one endpoint"
    assert all(not e.whole and e.ended - e.began < 1.5 for e in slow.exchanges)


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_no_lease_runs_out_while_a_trickled_send_is_in_flight(engine: str, make_app: Callable[..., Flask],
                                                             request: pytest.FixtureRequest) -> None:
    """Two workers (as two processes would) share the queue; every send to the trickling CRM is cut
    at RTR_WEBHOOK_TIMEOUT, so no lease (twice as long) ends under one and nothing is sent twice."""
    with ExitStack() as stack:
        first, second = apps_on(engine, stack, request, make_app, 2, RTR_WEBHOOK_TIMEOUT=0.5, RTR_DELIVERY_LEASE=1,
                                RTR_RETRY_SCHEDULE=[0.1, 0.1])
        slow = stack.enter_context(Receiver(mode="trickle", trickle_seconds=0.2))
        store = get_state(first).store
        add_leads(store, webhook_widget(store, slow.url()), 4)
        for app in (first, second):
            stack.callback(Worker(app, threads=2).start().stop, 10)
        settled = wait_until(lambda: all(r["status"] == "dead" for r in rows(store)), 20)
        stored = len(attempt_rows(store))
    got = slow.received()
    print(f"\n[{engine}] trickling CRM, lease 1 s, deadline 0.5 s, 2 workers: 4 leads, requests {len(got)}, "
          f"double sends {len(slow.double_sends())}, attempts stored {stored}")
    assert settled
    assert len(got) == stored == 4 * 3, "every request is an attempt of its own"
    assert slow.double_sends() == []
    assert all(not e.whole for e in slow.exchanges)


def test_a_result_recorded_after_a_sibling_thread_took_the_lease_over_is_stale(make_app: Callable[..., Flask],
                                                                               receiver: Receiver) -> None:
    """A stall longer than the lease (start-up checks can't rule one out) lets another thread of the
    same worker claim and send the delivery again. Each claim has its own lease token, so the first
    thread's late 500 is stale and the second thread's 200 decides: the lead is delivered."""
    app = make_app(RTR_WEBHOOK_ALLOW_PRIVATE=True, RTR_WEBHOOK_TIMEOUT=5, RTR_DELIVERY_LEASE=10,
                   RTR_RETRY_SCHEDULE=[60], RTR_WORKER_POLL_SECONDS=0.05)
    app.config["RTR_DELIVERY_LEASE"] = 1.0  # the stall: the first send outlives its lease
    store = get_state(app).store
    widget = webhook_widget(store, receiver.url())
    receiver.secrets = [widget.webhook_secret]
    add_leads(store, widget)
    receiver.hold_next(2)
    receiver.answers = ["error", "ok"]
    worker = Worker(app, threads=2).start()
    try:
        assert wait_until(lambda: receiver.holding() == 2, 10), "the lease ended and a sibling sent it again"
        receiver.release()
        assert wait_until(lambda: len(attempt_rows(store)) == 1, 5)
        receiver.release()
        assert wait_until(lambda: rows(store)[0]["status"] == "delivered", 5)
    finally:
        worker.stop(10)
    assert [a["outcome"] for a in attempt_rows(store)] == ["retry", "delivered"]
    assert len({r.webhook_id for r in receiver.received()}) == 1
