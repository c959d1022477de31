"""Claims on SQLite and PostgreSQL: one transaction with the jobs, a token per claim, renewals, give-backs,
and results stored together."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from widget import migrate
from widget.db import Store, make_engine
from widget.delivery import leases, queue
from widget.delivery.base import Outcome
from widget.queries.widgets import save_settings

from .support.delivery import add_leads, attempt_rows, lead_rows, rows, webhook_widget
from .support.settings import changed

SCHEDULE = [0.0, 0.2, 0.4]


def first(limit: int) -> leases.Pick:
    return lambda found: [d["id"] for d in found[:limit]]


def test_a_claim_comes_with_its_leads_and_widgets(any_store: Store) -> None:
    widget = webhook_widget(any_store, "https://hooks.example.com/a", notify_emails=["desk@example.com"])
    add_leads(any_store, widget, 2)
    claimed = leases.claim_jobs(any_store, "w/1", 30, first(10), window=10)
    assert [d["id"] for d, _job in claimed] == [r["id"] for r in rows(any_store)]
    for delivery, job in claimed:
        assert job is not None and job.delivery is delivery and delivery["leased_by"] == "w/1"
        assert job.lead["id"] == delivery["lead_id"] and job.widget.id == widget.id
        assert job.widget.settings.notify_emails == ["desk@example.com"]


def test_skipped_pairs_are_neither_claimed_nor_due(any_store: Store) -> None:
    slow = webhook_widget(any_store, "https://slow.example.com/a", notify_emails=["desk@example.com"])
    fast = webhook_widget(any_store, "https://fast.example.com/a")
    add_leads(any_store, slow, 3)
    add_leads(any_store, fast, 1)
    skip = [(slow.id, "webhook")]
    assert leases.next_due(any_store, skip) == pytest.approx(rows(any_store)[0]["next_attempt_at"])
    now = time.time()
    claimed = leases.claim_jobs(any_store, "w/1", 30, first(10), window=10, skip=skip, now=now)
    assert Counter((d["widget_id"], d["channel"]) for d, _job in claimed) == {
        (fast.id, "webhook"): 1, (slow.id, "email"): 3}
    assert leases.next_due(any_store, skip) == pytest.approx(now + 30), "only leased deliveries are left"


def test_what_pick_leaves_stays_claimable(any_store: Store) -> None:
    add_leads(any_store, webhook_widget(any_store, "https://hooks.example.com/a"), 3)
    [(kept, _job)] = leases.claim_jobs(any_store, "w/1", 30, lambda found: [found[1]["id"]], window=3)
    assert kept["id"] == rows(any_store)[1]["id"]
    assert [d["id"] for d in leases.claim(any_store, "w/2", 30, limit=5)] == [rows(any_store)[0]["id"],
                                                                             rows(any_store)[2]["id"]]


def test_a_renewal_or_a_give_back_counts_only_for_the_claim_that_holds_the_lease(any_store: Store) -> None:
    add_leads(any_store, webhook_widget(any_store, "https://hooks.example.com/a"), 2)
    now = time.time()
    one, two = leases.claim(any_store, "w/1", 5, limit=2, now=now)
    assert leases.extend(any_store, one, 30, now=now + 1)
    assert one["lease_until"] == pytest.approx(now + 31) == rows(any_store)[0]["lease_until"]
    [taken] = leases.claim(any_store, "w/2", 5, now=now + 6)
    assert taken["id"] == two["id"]
    assert not leases.extend(any_store, two, 30), "the lease passed to another claim"
    leases.release(any_store, [one, two])
    assert [(r["lease_until"], r["leased_by"]) for r in rows(any_store)] == [(None, None), (now + 11, "w/2")]


def test_settings_are_read_again_after_a_save(any_store: Store) -> None:
    widget = webhook_widget(any_store, "https://hooks.example.com/a")
    add_leads(any_store, widget, 2)
    cache = leases.SettingsCache()
    [(_d, job)] = leases.claim_jobs(any_store, "w/1", 30, first(1), window=1, settings=cache)
    assert job is not None and job.widget.settings.practice_name == "Harbor Light"
    save_settings(any_store, widget.id, changed(widget.settings, practice_name="Harbor Light Counseling"))
    [(_d, job)] = leases.claim_jobs(any_store, "w/2", 30, first(1), window=1, settings=cache)
    assert job is not None and job.widget.settings.practice_name == "Harbor Light Counseling"


def test_results_stored_together_match_results_stored_one_by_one(any_store: Store) -> None:
    widget = webhook_widget(any_store, "https://hooks.example.com/a", notify_emails=["desk@example.com"])
    add_leads(any_store, widget, 3)
    now = time.time() + 1
    a_mail, a_hook, b_mail, b_hook = leases.claim(any_store, "w/1", 30, limit=4, now=now)
    _c_mail, c_hook = leases.claim(any_store, "w/2", 5, limit=2, now=now)
    [c_hook_again] = [d for d in leases.claim(any_store, "w/3", 5, limit=6, now=now + 6) if d["id"] == c_hook["id"]]
    ok = Outcome("delivered", "HTTP 200")
    results = [(a_mail, ok, 3), (a_hook, ok, 4), (b_mail, ok, 5), (b_hook, Outcome("retry", "HTTP 500"), 6),
               (c_hook, ok, 7)]
    statuses = queue.record_many(any_store, results, SCHEDULE, now=now + 7)
    assert statuses == ["delivered", "delivered", "delivered", "pending", "stale"]
    assert queue.record_many(any_store, [(c_hook_again, ok, 8)], SCHEDULE, now=now + 8) == ["delivered"]
    by_id = {r["id"]: r for r in rows(any_store)}
    assert by_id[a_hook["id"]]["attempts"] == 1 and by_id[a_hook["id"]]["leased_by"] is None
    assert by_id[b_hook["id"]]["status"] == "pending" and by_id[b_hook["id"]]["last_error"] == "HTTP 500"
    assert [lead["delivered_at"] for lead in lead_rows(any_store)] == [pytest.approx(now + 7), None, None]
    assert sorted(a["duration_ms"] for a in attempt_rows(any_store)) == [3, 4, 5, 6, 7, 8]


def test_a_claim_that_finds_nothing_takes_no_write_lock_on_sqlite(tmp_path: Path) -> None:
    """The worker looks at every new lead; while a submit holds SQLite's one writer, a look must not queue."""
    store = Store(make_engine(f"sqlite:///{tmp_path}/store.sqlite3"))
    migrate.prepare(store)
    add_leads(store, webhook_widget(store, "https://hooks.example.com/a"), 2)
    assert len(leases.claim_jobs(store, "w/1", 30, first(10), window=10)) == 2, "everything leased"
    looked: list[list[object]] = []
    with store.engine.begin() as submit:  # BEGIN IMMEDIATE: a lead being stored
        submit.exec_driver_sql("SELECT 1")
        look = threading.Thread(target=lambda: looked.append(leases.claim_jobs(store, "w/2", 30, first(10), 10)))
        look.start()
        look.join(5)
        finished_while_held = not look.is_alive()
    look.join(35)
    store.engine.dispose()
    assert finished_while_held and looked == [[]], "a claim with nothing to claim waited for the writer"
