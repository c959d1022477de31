"""Views and requests per page and UTM campaign: written in batches, read for the admin's views page.

A page is kept as its origin and path only (``https://practice.example/blog/post``): a query string
or fragment may carry what a visitor typed elsewhere, so it never reaches this table. Each widget
keeps at most ``PAGES_PER_DAY`` page and campaign pairs a day; views of further pairs are added to
one ``*`` row, so junk beacons can't grow the table without bound.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ..db import Store
from ..origins import origin_of, split_url
from ..schema import daily_stats, page_stats, widgets
from .stats import COUNTED

PAGE_LIMIT, CAMPAIGN_LIMIT = 300, 100
PAGES_PER_DAY = 200
#: The page and campaign of the row that gathers views over the day's cap.
OVER_CAP = "*"
UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class ViewKey(NamedTuple):
    """One row of ``rtr_page_stats``: whose views, which day (UTC), on which page, from which campaign."""

    widget_id: str
    day: str
    page: str
    campaign: str


@dataclass(frozen=True)
class PageCount:
    """Views and stored requests of one page (or campaign) over a period."""

    name: str
    views: int
    submissions: int


def page_of(url: str | None) -> str:
    """Return ``scheme://host/path`` of a web address (no query, fragment or login), "" for anything else."""
    text = UNPRINTABLE.sub("", url or "")
    origin, parts = origin_of(text), split_url(text)
    if origin is None or parts is None:
        return ""
    page = origin + (parts.path or "/")
    return page if len(page) <= PAGE_LIMIT else page[:PAGE_LIMIT - 1] + "…"


def campaign_of(value: str | None) -> str:
    """Return a UTM campaign as it is shown: printable, trimmed, at most CAMPAIGN_LIMIT characters."""
    return UNPRINTABLE.sub("", value or "").strip()[:CAMPAIGN_LIMIT]


def _upsert(conn: Connection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def bump_submission(conn: Connection, widget_id: str, day: str, page_url: str, campaign: str) -> None:
    """Add one stored request to its page and campaign, inside the caller's transaction."""
    key = ViewKey(widget_id, day, page_of(page_url), campaign_of(campaign))
    _add(conn, key, views=0, submissions=1)


def _add(conn: Connection, key: ViewKey, *, views: int, submissions: int) -> None:
    conn.execute(
        _upsert(conn)(page_stats)
        .values(**key._asdict(), views=views, submissions=submissions)
        .on_conflict_do_update(
            index_elements=["widget_id", "day", "page", "campaign"],
            set_={"views": page_stats.c.views + views, "submissions": page_stats.c.submissions + submissions},
        )
    )


def add_views(store: Store, counts: Mapping[ViewKey, int]) -> None:
    """Add a batch of views in one transaction: to each page's row and to the day's total.

    Views of a widget deleted since are dropped; pairs over the day's cap go to the ``*`` row.
    """
    with store.engine.begin() as conn:
        alive = set(conn.execute(select(widgets.c.id).where(
            widgets.c.id.in_({key.widget_id for key in counts}))).scalars())
        days: dict[tuple[str, str], int] = defaultdict(int)
        for key, views in _within_cap(conn, {k: n for k, n in counts.items() if k.widget_id in alive}).items():
            _add(conn, key, views=views, submissions=0)
            days[key.widget_id, key.day] += views
        for (widget_id, day), views in days.items():
            zero = {name: 0 for name in COUNTED}
            conn.execute(
                _upsert(conn)(daily_stats)
                .values(widget_id=widget_id, day=day, **(zero | {"views": views}))
                .on_conflict_do_update(index_elements=["widget_id", "day"],
                                       set_={"views": daily_stats.c.views + views})
            )


def _within_cap(conn: Connection, counts: Mapping[ViewKey, int]) -> dict[ViewKey, int]:
    """Move the views of pairs a widget's day has no room for onto that day's ``*`` row."""
    kept: dict[ViewKey, int] = defaultdict(int)
    known: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for key, views in sorted(counts.items(), key=lambda item: -item[1]):
        pairs = known.get((key.widget_id, key.day))
        if pairs is None:
            pairs = known[key.widget_id, key.day] = {tuple(row) for row in conn.execute(
                select(page_stats.c.page, page_stats.c.campaign).where(
                    page_stats.c.widget_id == key.widget_id, page_stats.c.day == key.day))}
        if (key.page, key.campaign) not in pairs:
            if len(pairs) >= PAGES_PER_DAY:
                key = key._replace(page=OVER_CAP, campaign=OVER_CAP)
            pairs.add((key.page, key.campaign))
        kept[key] += views
    return kept


def _period(days: int, today: dt.date | None) -> tuple[str, str]:
    last = today or dt.datetime.now(dt.UTC).date()
    return (last - dt.timedelta(days=days - 1)).isoformat(), last.isoformat()


def totals_by(store: Store, widget_id: str, column: str, days: int = 30,
              today: dt.date | None = None) -> list[PageCount]:
    """Return views and requests per ``page`` or ``campaign`` over the last days, most viewed first."""
    first, last = _period(days, today)
    name = page_stats.c[column]
    views, submissions = func.sum(page_stats.c.views), func.sum(page_stats.c.submissions)
    query = (select(name, views, submissions)
             .where(page_stats.c.widget_id == widget_id, page_stats.c.day >= first, page_stats.c.day <= last)
             .group_by(name).order_by(views.desc(), submissions.desc(), name))
    with store.reading() as conn:
        return [PageCount(row[0], int(row[1] or 0), int(row[2] or 0)) for row in conn.execute(query)]
