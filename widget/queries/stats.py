"""Daily counts per widget: frame views, stored requests and caught bots (whole days, no visitors)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from ..db import Store
from ..schema import daily_stats
from ..timezones import local_day

COUNTED = ("views", "submissions", "blocked")


@dataclass(frozen=True)
class DayCount:
    day: dt.date
    views: int
    submissions: int


def count(store: Store, widget_id: str, what: str, zone_name: str = "") -> None:
    """Add one to today's ``views``, ``submissions`` or ``blocked`` for the widget."""
    with store.engine.begin() as conn:
        bump(conn, widget_id, what, time.time(), zone_name)


def bump(conn: Any, widget_id: str, what: str, now: float, zone_name: str = "") -> None:
    """Add one to the day's count (the day in the practice's zone) inside the caller's transaction."""
    day = day_of(now, zone_name)
    upsert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    counts = {name: 0 for name in COUNTED} | {what: 1}
    conn.execute(
        upsert(daily_stats)
        .values(widget_id=widget_id, day=day, **counts)
        .on_conflict_do_update(index_elements=["widget_id", "day"], set_={what: daily_stats.c[what] + 1})
    )


def day_of(now: float, zone_name: str = "") -> str:
    """Return the day of a time in the zone (the installation's if empty) as ``YYYY-MM-DD``, the key of every
    daily count."""
    return local_day(now, zone_name).isoformat()


def daily_series(store: Store, widget_id: str, days: int = 30, today: dt.date | None = None,
                 zone_name: str = "") -> list[DayCount]:
    """Return one entry per day, oldest first, ending today in the zone; days without counts are zero."""
    today = today or local_day(time.time(), zone_name)
    first = today - dt.timedelta(days=days - 1)
    query = select(daily_stats.c.day, daily_stats.c.views, daily_stats.c.submissions).where(
        daily_stats.c.widget_id == widget_id, daily_stats.c.day >= first.isoformat(),
        daily_stats.c.day <= today.isoformat(),
    )
    with store.reading() as conn:
        found = {row.day: (int(row.views), int(row.submissions)) for row in conn.execute(query)}
    series = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        views, submissions = found.get(day.isoformat(), (0, 0))
        series.append(DayCount(day, views, submissions))
    return series
