"""Queries over stored leads for the admin inbox, the CSV export and retention."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, exists, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from .store import Store, attempts, deliveries, leads

#: Inbox status filters: the lead's own state, or the state of its deliveries.
STATUSES = ("new", "contacted", "pending", "failed", "delivered")
DAY = 86400.0
CHUNK = 500
#: The largest row id a database stores (SQL BIGINT).
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class LeadFilter:
    """What the inbox and the CSV export narrow leads down to (empty: everything)."""

    widget_id: str = ""
    status: str = ""
    since: dt.date | None = None
    until: dt.date | None = None

    def where(self) -> list[ColumnElement[bool]]:
        """Return the SQL conditions for this filter."""
        conditions: list[ColumnElement[bool]] = []
        if self.widget_id:
            conditions.append(leads.c.widget_id == self.widget_id)
        if self.status:
            conditions.append(_status_condition(self.status))
        if self.since:
            conditions.append(leads.c.created_at >= _epoch(self.since))
        if self.until:
            conditions.append(leads.c.created_at < _epoch(self.until) + DAY)
        return conditions


def _epoch(day: dt.date) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()


def _has_delivery(status: str) -> ColumnElement[bool]:
    return exists().where(deliveries.c.lead_id == leads.c.id, deliveries.c.status == status)


def _status_condition(status: str) -> ColumnElement[bool]:
    if status in ("new", "contacted"):
        return leads.c.status == status
    if status == "pending":
        return _has_delivery("pending")
    if status == "failed":
        return _has_delivery("dead") | _has_delivery("disabled")
    # Delivered: every channel arrived (a lead whose CRM copy failed is not "delivered" here).
    undelivered = exists().where(deliveries.c.lead_id == leads.c.id, deliveries.c.status != "delivered")
    return _has_delivery("delivered") & ~undelivered


def delivered_at_expression() -> ColumnElement[Any]:
    """Return when a lead was delivered: its own mark, else its latest delivered delivery."""
    latest = (
        select(func.max(deliveries.c.delivered_at))
        .where(deliveries.c.lead_id == leads.c.id, deliveries.c.status == "delivered")
        .scalar_subquery()
    )
    return func.coalesce(leads.c.delivered_at, latest)


def count_leads(conn: Connection, lead_filter: LeadFilter) -> int:
    query = select(func.count()).select_from(leads).where(*lead_filter.where())
    return int(conn.execute(query).scalar_one())


def list_leads(conn: Connection, lead_filter: LeadFilter, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    """Return one page of leads, newest first, each with its delivery statuses."""
    query = (
        select(leads).where(*lead_filter.where())
        .order_by(leads.c.created_at.desc(), leads.c.id.desc()).limit(limit).offset(offset)
    )
    rows = [dict(row._mapping) for row in conn.execute(query)]
    states = delivery_states(conn, [row["id"] for row in rows])
    for row in rows:
        row["deliveries"] = states.get(row["id"], [])
    return rows


def iter_leads(conn: Connection, lead_filter: LeadFilter) -> Iterator[dict[str, Any]]:
    """Yield every matching lead, newest first, with its delivery statuses (in chunks)."""
    offset = 0
    while True:
        page = list_leads(conn, lead_filter, CHUNK, offset)
        yield from page
        if len(page) < CHUNK:
            return
        offset += CHUNK


def delivery_states(conn: Connection, lead_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Return each lead's deliveries (channel and status) by lead id."""
    found: dict[int, list[dict[str, Any]]] = {}
    if not lead_ids:
        return found
    query = (
        select(deliveries.c.lead_id, deliveries.c.channel, deliveries.c.status)
        .where(deliveries.c.lead_id.in_(lead_ids)).order_by(deliveries.c.id)
    )
    for row in conn.execute(query):
        found.setdefault(row.lead_id, []).append({"channel": row.channel, "status": row.status})
    return found


def get_lead(conn: Connection, lead_id: int) -> dict[str, Any] | None:
    """Return a lead with its deliveries, each with its attempts (oldest first), or None."""
    if not 0 < lead_id <= MAX_ID:  # a URL may carry any number; SQLite can't even compare past 64 bits
        return None
    row = conn.execute(select(leads).where(leads.c.id == lead_id)).first()
    if row is None:
        return None
    lead = dict(row._mapping)
    found = conn.execute(select(deliveries).where(deliveries.c.lead_id == lead_id).order_by(deliveries.c.id))
    lead["deliveries"] = [dict(d._mapping) for d in found]
    by_delivery = {d["id"]: d for d in lead["deliveries"]}
    for delivery in lead["deliveries"]:
        delivery["attempt_log"] = []
    if by_delivery:
        query = (
            select(attempts).where(attempts.c.delivery_id.in_(list(by_delivery)))
            .order_by(attempts.c.at, attempts.c.id)
        )
        for attempt in conn.execute(query):
            by_delivery[attempt.delivery_id]["attempt_log"].append(dict(attempt._mapping))
    return lead


def set_contacted(store: Store, lead_id: int, contacted: bool) -> bool:
    """Mark a lead as contacted (or back to new); return False when there is no such lead."""
    values = {"status": "contacted", "contacted_at": time.time()} if contacted else {
        "status": "new", "contacted_at": None}
    with store.engine.begin() as conn:
        return bool(conn.execute(update(leads).where(leads.c.id == lead_id).values(**values)).rowcount)


def delete_leads(conn: Connection, lead_ids: Iterable[int]) -> int:
    """Delete leads with their deliveries and attempts; return how many leads went."""
    ids = list(lead_ids)
    removed = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        delivery_ids = select(deliveries.c.id).where(deliveries.c.lead_id.in_(chunk))
        conn.execute(delete(attempts).where(attempts.c.delivery_id.in_(delivery_ids)))
        conn.execute(delete(deliveries).where(deliveries.c.lead_id.in_(chunk)))
        removed += conn.execute(delete(leads).where(leads.c.id.in_(chunk))).rowcount
    return removed


def expired_lead_ids(conn: Connection, widget_id: str, cutoff: float) -> list[int]:
    """Return the widget's leads delivered before cutoff with nothing still waiting to go out."""
    delivered = delivered_at_expression()
    query = select(leads.c.id).where(
        and_(leads.c.widget_id == widget_id, delivered.is_not(None), delivered < cutoff),
        ~_has_delivery("pending"),
    )
    return [row.id for row in conn.execute(query)]
