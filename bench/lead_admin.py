"""Time the lead admin on SQLite with many leads: inbox pages, CSV export, retention purge.

The inbox pages are asked for once to warm up (the first request compiles the templates), then
timed as the median of ``REPEATS`` requests; the export and the purge run once.

Run: ``.venv/bin/python bench/lead_admin.py [LEADS]`` (default 10000). Prints a table.
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, update

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.support.admin_session import signed_in
from widget import create_app
from widget.queries.widgets import create_widget
from widget.retention import purge_expired
from widget.schema import deliveries, leads
from widget.settings import demo_settings

DAY = 86400.0
REPEATS = 5


def seed(store: Any, count: int) -> None:
    """Insert count leads with one delivered email delivery each, spread over 120 days."""
    now = time.time()
    with store.engine.begin() as conn:
        for number in range(count):
            created = now - (number % 120) * DAY
            lead_id = conn.execute(insert(leads).values(
                public_id=f"{number:032x}", widget_id="demo", created_at=created, consented_at=created,
                name=f"Person {number}", email=f"p{number}@example.org", phone="+1 555 0100",
                message="=1+1 and some words about what happened", consent_text="ok", consent_version="v1",
                settings_version=1, status="new", utm={},
            )).inserted_primary_key[0]
            conn.execute(insert(deliveries).values(
                lead_id=lead_id, widget_id="demo", channel="email", target=["intake@example.com"],
                status="delivered", attempts=1, next_attempt_at=created, created_at=created,
                delivered_at=created, message_id=f"<{number}@bench>",
            ))
        conn.execute(update(leads).values(delivered_at=leads.c.created_at))


def timed(label: str, action: Callable[[], Any], rows: list[tuple[str, float, str]], note: str = "") -> Any:
    started = time.perf_counter()
    result = action()
    rows.append((label, (time.perf_counter() - started) * 1000, note))
    return result


def median_of_repeats(label: str, action: Callable[[], Any], rows: list[tuple[str, float, str]]) -> None:
    action()  # warm-up
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    rows.append((label, statistics.median(times), f"median of {REPEATS}, after a warm-up"))


def main(count: int) -> None:
    logging.getLogger("widget").setLevel(logging.ERROR)  # start-up notices are for people, not the table
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"TESTING": True, "RTR_SECRET_KEY": "bench", "RTR_WORKER": "off",
                          "RTR_RATELIMIT_STORAGE_URI": "memory://",
                          "RTR_DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3"}, instance_path=folder)
        store = app.extensions["rtr"].store
        settings = demo_settings()
        create_widget(store, settings.practice_name, settings, widget_id="demo")
        rows: list[tuple[str, float, str]] = []
        timed(f"seed {count} leads", lambda: seed(store, count), rows)
        client = signed_in(app.test_client(), "bench")
        for label, url in (("inbox, page 1", "/admin/leads"), ("inbox, last page", "/admin/leads?page=100000"),
                           ("inbox, status=delivered + dates", "/admin/leads?status=delivered&since=2020-01-01")):
            median_of_repeats(label, lambda url=url: _ok(client.get(url)), rows)
        body = timed("CSV export, every lead", lambda: client.get("/admin/leads.csv").get_data(), rows)
        rows[-1] = (*rows[-1][:2], f"{len(body) / 1e6:.1f} MB")
        removed = timed("retention purge (90 days)", lambda: purge_expired(store), rows)
        rows[-1] = (*rows[-1][:2], f"{sum(removed.values())} deleted")
        store.engine.dispose()
    print(f"{'operation':<36} {'ms':>10}  note")
    for label, ms, note in rows:
        print(f"{label:<36} {ms:>10.1f}  {note}")


def _ok(response: Any) -> None:
    if response.status_code != 200:
        raise SystemExit(f"{response.request.path} answered {response.status_code}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10000)
