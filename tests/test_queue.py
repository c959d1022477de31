"""The outbox queue on SQLite and PostgreSQL: leased claims, retries, dead letters, replay."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import update

from widget.config import DEFAULTS
from widget.db import Store
from widget.delivery import leases, queue
from widget.delivery.base import Outcome
from widget.queries.widgets import get_widget, save_settings
from widget.schema import deliveries
from widget.state import get_state

from .support.delivery import add_leads, attempt_rows, fresh_postgres_database, lead_rows, rows, webhook_widget
from .support.settings import changed

SCHEDULE = [0.0, 0.2, 0.4]


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, make_app: Callable[..., Flask]) -> Iterator[Store]:
    """An empty store on each engine (a fresh database on the session's PostgreSQL cluster)."""
    if request.param == "sqlite":
        yield get_state(make_app()).store
        return
    with fresh_postgres_database(request.getfixturevalue("postgres_url")) as url:
        app = make_app(RTR_DATABASE_URL=url)
        yield get_state(app).store
        get_state(app).store.engine.dispose()


def test_claim_leases_due_deliveries_in_order(store: Store) -> None:
    widget = webhook_widget(store, "https://hooks.example.com/a")
    add_leads(store, widget, 3)
    now = time.time() + 1
    first = leases.claim(store, "w1", 30, limit=2, now=now)
    assert [d["id"] for d in first] == [r["id"] for r in rows(store)][:2]
    assert all(d["leased_by"] == "w1" and d["lease_until"] == pytest.approx(now + 30) for d in first)
    second = leases.claim(store, "w2", 30, limit=5, now=now)
    assert [d["id"] for d in second] == [rows(store)[2]["id"]]
    assert leases.claim(store, "w3", 30, limit=5, now=now) == []


def test_not_yet_due_deliveries_are_not_claimed(store: Store) -> None:
    widget = webhook_widget(store, "https://hooks.example.com/a")
    add_leads(store, widget)
    with store.engine.begin() as conn:
        conn.execute(update(deliveries).values(next_attempt_at=time.time() + 60))
    assert leases.claim(store, "w1", 30, now=time.time()) == []
    assert len(leases.claim(store, "w1", 30, now=time.time() + 61)) == 1


def test_an_expired_lease_comes_back(store: Store) -> None:
    widget = webhook_widget(store, "https://hooks.example.com/a")
    add_leads(store, widget)
    now = time.time() + 1
    [held] = leases.claim(store, "crashed", 5, now=now)
    assert leases.claim(store, "other", 5, now=now + 4.9) == []
    [back] = leases.claim(store, "other", 5, now=now + 5.1)
    assert back["id"] == held["id"] and back["leased_by"] == "other"
    assert queue.record(store, held, Outcome("delivered", "HTTP 200"), SCHEDULE, "crashed") == "stale"
    assert queue.record(store, back, Outcome("delivered", "HTTP 200"), SCHEDULE, "other") == "delivered"
    assert len(attempt_rows(store)) == 2


def test_two_workers_never_claim_the_same_delivery(store: Store) -> None:
    widget = webhook_widget(store, "https://hooks.example.com/a")
    add_leads(store, widget, 120)
    claimed: dict[str, list[int]] = {}
    errors: list[BaseException] = []
    together, guard = threading.Barrier(6), threading.Lock()
    second_claim = threading.Event()  # on a loaded machine one thread could otherwise drain the queue alone

    def work(worker_id: str) -> None:
        mine = claimed.setdefault(worker_id, [])
        together.wait(10)
        try:
            while batch := leases.claim(store, worker_id, 60, limit=3):
                first = not mine
                mine.extend(d["id"] for d in batch)
                if first:
                    with guard:
                        if sum(1 for ids in claimed.values() if ids) >= 2:
                            second_claim.set()
                    second_claim.wait(10)
                time.sleep(0.002)  # a worker sends what it claimed before claiming again
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(f"worker{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    every = [i for ids in claimed.values() for i in ids]
    print(f"\n[{store.engine.dialect.name}] claims per worker: {sorted(len(v) for v in claimed.values())}, "
          f"total {len(every)}, distinct {len(set(every))}")
    assert not errors
    assert len(every) == len(set(every)) == 120
    assert sum(1 for ids in claimed.values() if ids) >= 2


def test_retries_follow_the_schedule_then_the_delivery_is_dead(store: Store) -> None:
    widget = webhook_widget(store, "https://hooks.example.com/a")
    add_leads(store, widget)
    now = time.time() + 1
    statuses = []
    for number in range(len(SCHEDULE) + 1):
        [delivery] = leases.claim(store, "w", 30, now=now)
        statuses.append(queue.record(store, delivery, Outcome("retry", "HTTP 500"), SCHEDULE, "w", now=now))
        row = rows(store)[0]
        if number < len(SCHEDULE):
            expected = SCHEDULE[number]
            assert expected * 0.9 - 1e-6 <= row["next_attempt_at"] - now <= expected * 1.1 + 1e-6
            now = row["next_attempt_at"]
    assert statuses == ["pending"] * len(SCHEDULE) + ["dead"]
    row = rows(store)[0]
    assert (row["status"], row["attempts"], row["last_error"]) == ("dead", 4, "HTTP 500")
    assert leases.claim(store, "w", 30, now=now + 3600) == []


def test_retry_after_wins_over_a_shorter_schedule_step(store: Store) -> None:
    widget = webhook_widget(store, "https://hooks.example.com/a")
    add_leads(store, widget)
    now = time.time() + 1
    [delivery] = leases.claim(store, "w", 30, now=now)
    queue.record(store, delivery, Outcome("retry", "HTTP 503", retry_after=120), SCHEDULE, "w", now=now)
    assert rows(store)[0]["next_attempt_at"] == pytest.approx(now + 120)


def test_delivered_marks_the_lead_when_every_channel_is_done(store: Store) -> None:
    widget = webhook_widget(store, "https://hooks.example.com/a", notify_emails=["desk@example.com"])
    add_leads(store, widget)
    assert len(rows(store)) == 2
    now = time.time() + 1
    first, second = leases.claim(store, "w", 30, limit=2, now=now)
    queue.record(store, first, Outcome("delivered", "ok"), SCHEDULE, "w", now=now)
    assert lead_rows(store)[0]["delivered_at"] is None
    queue.record(store, second, Outcome("delivered", "ok"), SCHEDULE, "w", now=now + 1)
    assert lead_rows(store)[0]["delivered_at"] == pytest.approx(now + 1)


def test_disabled_parks_the_widgets_other_webhook_deliveries(store: Store) -> None:
    widget = webhook_widget(store, "https://hooks.example.com/a")
    add_leads(store, widget, 3)
    [delivery] = leases.claim(store, "w", 30, now=time.time() + 1)
    assert queue.record(store, delivery, Outcome("disabled", "HTTP 410"), SCHEDULE, "w") == "disabled"
    assert [r["status"] for r in rows(store)] == ["disabled"] * 3
    assert get_widget(store, widget.id).webhook_disabled_at is not None
    assert leases.claim(store, "w", 30, now=time.time() + 60) == []


def test_replay_requeues_dead_and_disabled_and_reenables_the_webhook(store: Store) -> None:
    widget = webhook_widget(store, "https://hooks.example.com/a")
    add_leads(store, widget, 3)
    now = time.time() + 1
    one, two, three = leases.claim(store, "w", 30, limit=3, now=now)
    queue.record(store, one, Outcome("dead", "refused"), SCHEDULE, "w", now=now)
    queue.record(store, two, Outcome("delivered", "ok"), SCHEDULE, "w", now=now)
    queue.record(store, three, Outcome("disabled", "HTTP 410"), SCHEDULE, "w", now=now)
    assert queue.failed_ids(store) == [one["id"], three["id"]]
    assert queue.replay(store, [one["id"], two["id"], three["id"]], now=now) == 2
    by_id = {r["id"]: r for r in rows(store)}
    assert [by_id[i]["status"] for i in (one["id"], two["id"], three["id"])] == ["pending", "delivered", "pending"]
    assert by_id[one["id"]]["attempts"] == 0 and by_id[one["id"]]["next_attempt_at"] == pytest.approx(now)
    assert get_widget(store, widget.id).webhook_disabled_at is None
    assert queue.replay(store, []) == 0


@pytest.mark.parametrize(("made", "retry_after", "low", "high"), [
    (1, None, 0.0, 0.0), (2, None, 0.18, 0.22), (3, None, 0.36, 0.44), (4, None, None, None),
    (1, 5.0, 5.0, 5.0), (2, 10 ** 9, 86400.0, 86400.0),
])
def test_retry_delay(made: int, retry_after: float | None, low: float | None, high: float | None) -> None:
    delay = queue.retry_delay(made, SCHEDULE, retry_after)
    if low is None:
        assert delay is None
    else:
        assert delay is not None and low <= delay <= high


def test_next_due_waits_for_leases_to_end(store: Store) -> None:
    widget = webhook_widget(store, "https://hooks.example.com/a")
    assert leases.next_due(store) is None
    add_leads(store, widget)
    created = rows(store)[0]["next_attempt_at"]
    assert leases.next_due(store) == pytest.approx(created)
    now = time.time() + 1
    leases.claim(store, "w", 30, now=now)
    assert leases.next_due(store) == pytest.approx(now + 30), "an in-flight delivery is not due for idle threads"


def test_replay_goes_to_the_widgets_current_addresses(store: Store) -> None:
    widget = webhook_widget(store, "https://old.example.com/hook", notify_emails=["typo@exmaple.com"])
    add_leads(store, widget)
    now = time.time() + 1
    for delivery in leases.claim(store, "w", 30, limit=2, now=now):
        queue.record(store, delivery, Outcome("dead", "refused"), SCHEDULE, "w", now=now)
    settings = changed(widget.settings, webhook_url="https://new.example.com/hook", notify_emails=["desk@example.com"])
    save_settings(store, widget.id, settings)
    assert queue.replay(store, queue.failed_ids(store), now=now) == 2
    assert {r["channel"]: r["target"] for r in rows(store)} == {
        "email": ["desk@example.com"], "webhook": "https://new.example.com/hook"}


def test_resume_webhook_sends_what_waited_while_it_was_off(store: Store) -> None:
    widget = webhook_widget(store, "https://hooks.example.com/a")
    other = webhook_widget(store, "https://hooks.example.com/b")
    add_leads(store, widget, 2)
    add_leads(store, other)
    now = time.time() + 1
    [first] = leases.claim(store, "w", 30, limit=1, now=now)
    queue.record(store, first, Outcome("disabled", "HTTP 410"), SCHEDULE, "w", now=now)
    assert [r["status"] for r in rows(store) if r["widget_id"] == widget.id] == ["disabled", "disabled"]
    assert queue.resume_webhook(store, widget.id, now=now) == 2
    assert [r["status"] for r in rows(store) if r["widget_id"] == widget.id] == ["pending", "pending"]
    assert get_widget(store, widget.id).webhook_disabled_at is None
    assert queue.resume_webhook(store, other.id) == 0, "another widget's deliveries are not touched"


def test_the_default_schedule_is_svixs_and_jitter_spreads_it() -> None:
    schedule = DEFAULTS["RTR_RETRY_SCHEDULE"]
    # Svix: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; "an attempt that fails three times
    # before eventually succeeding will be delivered roughly 35 minutes and 5 seconds following the first".
    assert len(schedule) + 1 == 8
    waited = sum(queue.retry_delay(made, schedule) or 0 for made in (1, 2, 3))
    assert 0.9 * (35 * 60 + 5) <= waited <= 1.1 * (35 * 60 + 5)
    assert queue.retry_delay(8, schedule) is None
    delays = [queue.retry_delay(3, schedule) or 0 for _ in range(50)]
    assert len(set(delays)) > 1 and all(1620 <= d <= 1980 for d in delays), "jitter spreads retries by up to 10 %"
