"""The admin inbox and the CSV export: leads filtered by widget, status and date, page by page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from ..schema import deliveries, leads
from ..timezones import day_start

#: Inbox status filters: the lead's own state, or the state of its deliveries.
STATUSES = ("new", "contacted", "pending", "failed", "saved_to_file", "handled", "delivered")
#: A delivery in one of these needs nothing more: retention may delete its lead.
SETTLED = ("delivered", "resolved")
DAY = 86400.0
CHUNK = 500


@dataclass(frozen=True)
class LeadFilter:
    """What the inbox and the CSV export narrow leads down to (empty: everything)."""

    widget_id: str = ""
    status: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    #: The time zone whose days since and until name (empty: the installation's).
    zone_name: str = ""

    def where(self) -> list[ColumnElement[bool]]:
        """Return the SQL conditions for this filter (suspected spam is never in the inbox)."""
        conditions: list[ColumnElement[bool]] = [leads.c.spam_reason.is_(None)]
        if self.widget_id:
            conditions.append(leads.c.widget_id == self.widget_id)
        if self.status:
            conditions.append(_status_condition(self.status))
        if self.since:
            conditions.append(leads.c.created_at >= day_start(self.since, self.zone_name))
        if self.until:
            conditions.append(leads.c.created_at < day_start(self.until + dt.timedelta(days=1), self.zone_name))
        return conditions


def has_delivery(status: str) -> ColumnElement[bool]:
    """Return a condition: the lead has a delivery in this status."""
    return exists().where(deliveries.c.lead_id == leads.c.id, deliveries.c.status == status)


def _status_condition(status: str) -> ColumnElement[bool]:
    if status in ("new", "contacted"):
        return leads.c.status == status
    if status == "pending":
        return has_delivery("pending")
    if status == "failed":
        return has_delivery("dead") | has_delivery("disabled")
    if status == "saved_to_file":
        return has_delivery("saved_to_file")
    if status == "handled":
        return has_delivery("resolved")
    # Delivered: every channel arrived (a lead whose CRM copy failed is not "delivered" here).
    undelivered = exists().where(deliveries.c.lead_id == leads.c.id, deliveries.c.status != "delivered")
    return has_delivery("delivered") & ~undelivered


def settled_at_expression() -> ColumnElement[Any]:
    """Return when a lead last needed anything: its own delivered mark, else the latest delivery that
    arrived or was marked as handled. Meaningful only for a lead whose deliveries are all SETTLED."""
    latest = (
        select(func.max(func.coalesce(deliveries.c.delivered_at, deliveries.c.resolved_at)))
        .where(deliveries.c.lead_id == leads.c.id, deliveries.c.status.in_(SETTLED))
        .scalar_subquery()
    )
    return func.coalesce(leads.c.delivered_at, latest)


def has_unsettled_delivery() -> ColumnElement[bool]:
    """Return a condition: a delivery of the lead is still sending, failed, parked or saved as a file."""
    return exists().where(deliveries.c.lead_id == leads.c.id, deliveries.c.status.not_in(SETTLED))


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
