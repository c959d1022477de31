"""Claim due deliveries with a lease, keep or give back the lease, and load what the sends need.

A claim is one transaction: read the due, unleased deliveries in order (``FOR UPDATE SKIP LOCKED``:
on PostgreSQL concurrent workers skip each other's rows; SQLite ignores the clause and relies on its
single writer, ``BEGIN IMMEDIATE``), let the worker choose among them (``pick``: room per endpoint,
fairness), lease the chosen to a token, and read their leads and widgets. Each claim gets its own
token, so a result recorded after its lease passed to anyone else, a sibling thread included, is
known for stale. On PostgreSQL lease changes commit without waiting for the WAL flush
(``synchronous_commit = off``): a lease is a soft lock, and one lost in a database crash only lets
the delivery be claimed again (sent at least once, with the same webhook-id, as always).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Collection, Iterable
from typing import Any

from sqlalchemy import and_, bindparam, case, func, not_, or_, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql.elements import ColumnElement

from ..db import Store
from ..models import Widget
from ..schema import deliveries, leads, widgets
from ..settings import WidgetSettings
from .base import Job

#: (widget id, channel): what a claim can leave out, standing for the endpoint it goes to.
Pair = tuple[str, str]
#: Given the claimable deliveries in order (id, widget_id, channel, target), return the ids to lease.
Pick = Callable[[list[dict[str, Any]]], list[int]]


def claim(store: Store, token: str, lease_seconds: float, limit: int = 1,
          now: float | None = None) -> list[dict[str, Any]]:
    """Lease up to ``limit`` due pending deliveries to ``token`` and return them, oldest due first."""
    with store.engine.begin() as conn:
        return _claim(conn, token, lease_seconds, lambda found: [d["id"] for d in found[:limit]], limit, (), now)


def claim_jobs(store: Store, token: str, lease_seconds: float, pick: Pick, window: int, skip: Collection[Pair] = (),
               settings: SettingsCache | None = None,
               now: float | None = None) -> list[tuple[dict[str, Any], Job | None]]:
    """Lease what ``pick`` chooses among the first ``window`` claimable deliveries; return each with its Job.

    ``skip`` leaves out the deliveries of those (widget, channel) pairs. Leads and widgets are read
    in the claim's transaction, where deleting one waits for the lease (cascades lock the delivery):
    the Job is None only if the row vanished anyway. On SQLite a claim first looks in a read: a
    write takes the database's one write lock, and the worker looks at every new lead, mostly to
    find its endpoint already full; a submit should not wait for that.
    """
    if store.engine.dialect.name == "sqlite" and not _claimable(store, skip, now):
        return []
    with store.engine.begin() as conn:
        claimed = _claim(conn, token, lease_seconds, pick, window, skip, now)
        return _jobs(conn, claimed, settings or SettingsCache())


def load_job(store: Store, delivery: dict[str, Any]) -> Job | None:
    """Return the delivery with its lead and widget, or None when either is gone."""
    with store.reading() as conn:
        return _jobs(conn, [delivery], SettingsCache())[0][1]


def extend(store: Store, delivery: dict[str, Any], lease_seconds: float, now: float | None = None) -> bool:
    """Renew the lease on a claimed delivery from now; return False when it is no longer this claim's."""
    until = (time.time() if now is None else now) + lease_seconds
    with store.engine.begin() as conn:
        _lease_changes_need_no_flush(conn)
        renewed = conn.execute(update(deliveries).where(*_held(delivery)).values(lease_until=until)).rowcount
    if renewed:
        delivery["lease_until"] = until
    return bool(renewed)


def release(store: Store, claimed: Iterable[dict[str, Any]]) -> None:
    """Give back leases of deliveries claimed but never sent (a stopping worker): others take them at once."""
    with store.engine.begin() as conn:
        _lease_changes_need_no_flush(conn)
        for delivery in claimed:
            conn.execute(update(deliveries).where(*_held(delivery)).values(lease_until=None, leased_by=None))


def next_due(store: Store, skip: Collection[Pair] = ()) -> float | None:
    """Return when the earliest pending delivery can next be claimed (due, and its lease ended)."""
    free_at = case((deliveries.c.lease_until > deliveries.c.next_attempt_at, deliveries.c.lease_until),
                   else_=deliveries.c.next_attempt_at)
    with store.reading() as conn:
        return conn.execute(select(func.min(free_at)).where(deliveries.c.status == "pending", *_not(skip))).scalar()


class SettingsCache:
    """Parsed widget settings by widget version: parsing them for every send costs more than the send."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._parsed: dict[tuple[Any, ...], WidgetSettings] = {}
        self._lock = threading.Lock()

    def widget(self, row: Row[Any]) -> Widget:
        """Return the widget of a row, its settings parsed once per (id, version, updated_at)."""
        data = dict(row._mapping)
        key = (data["id"], data["version"], data["updated_at"])
        with self._lock:
            parsed = self._parsed.get(key)
        if parsed is None:
            parsed = WidgetSettings.from_stored(data["settings"])
            with self._lock:
                if len(self._parsed) >= self.size:
                    self._parsed.clear()
                self._parsed[key] = parsed
        data["settings"] = parsed
        return Widget(**data)


def _claim(conn: Connection, token: str, lease_seconds: float, pick: Pick, window: int, skip: Collection[Pair],
           now: float | None) -> list[dict[str, Any]]:
    now = time.time() if now is None else now
    _lease_changes_need_no_flush(conn)
    due = _due_leaving_out(tuple(sorted(skip))) if skip else DUE
    found = [dict(row._mapping) for row in conn.execute(due, {"due_now": now, "window": window})]
    chosen = pick(found) if found else []
    if not chosen:
        return []
    rows = conn.execute(LEASE, {"chosen": chosen, "until": now + lease_seconds, "token": token}).all()
    return sorted((dict(row._mapping) for row in rows), key=lambda d: (d["next_attempt_at"], d["id"]))


def _claimable(store: Store, skip: Collection[Pair], now: float | None) -> bool:
    due = _due_leaving_out(tuple(sorted(skip))) if skip else DUE
    with store.reading() as conn:
        return conn.execute(due, {"due_now": time.time() if now is None else now, "window": 1}).first() is not None


def _jobs(conn: Connection, claimed: list[dict[str, Any]],
          settings: SettingsCache) -> list[tuple[dict[str, Any], Job | None]]:
    if not claimed:
        return []
    lead_rows = conn.execute(LEADS, {"lead_ids": list({d["lead_id"] for d in claimed})})
    by_lead = {row.id: dict(row._mapping) for row in lead_rows}
    widget_rows = conn.execute(WIDGETS, {"widget_ids": list({d["widget_id"] for d in claimed})})
    by_widget = {row.id: settings.widget(row) for row in widget_rows}
    jobs: list[tuple[dict[str, Any], Job | None]] = []
    for delivery in claimed:
        lead, widget = by_lead.get(delivery["lead_id"]), by_widget.get(delivery["widget_id"])
        jobs.append((delivery, Job(delivery, lead, widget) if lead and widget else None))
    return jobs


#: The statements of a claim, built once: building one costs more than running it.
DUE = (
    select(deliveries.c.id, deliveries.c.widget_id, deliveries.c.channel, deliveries.c.target)
    .where(deliveries.c.status == "pending", deliveries.c.next_attempt_at <= bindparam("due_now"),
           or_(deliveries.c.lease_until.is_(None), deliveries.c.lease_until < bindparam("due_now")))
    .order_by(deliveries.c.next_attempt_at, deliveries.c.id)
    .limit(bindparam("window"))
    .with_for_update(skip_locked=True)
)
LEASE = (
    update(deliveries).where(deliveries.c.id.in_(bindparam("chosen", expanding=True)))
    .values(lease_until=bindparam("until"), leased_by=bindparam("token"))
    .returning(*deliveries.c)
)


@functools.lru_cache(maxsize=64)
def _due_leaving_out(skip: tuple[Pair, ...]) -> Any:
    return DUE.where(*_leaving_out(skip))


LEADS = select(leads).where(leads.c.id.in_(bindparam("lead_ids", expanding=True)))
WIDGETS = select(widgets).where(widgets.c.id.in_(bindparam("widget_ids", expanding=True)))


def _held(delivery: dict[str, Any]) -> tuple[ColumnElement[bool], ...]:
    return (deliveries.c.id == delivery["id"], deliveries.c.leased_by == delivery["leased_by"],
            deliveries.c.status == "pending")


def _not(skip: Collection[Pair]) -> tuple[ColumnElement[bool], ...]:
    return _leaving_out(tuple(sorted(skip))) if skip else ()


@functools.lru_cache(maxsize=64)
def _leaving_out(skip: tuple[Pair, ...]) -> tuple[ColumnElement[bool], ...]:
    return (not_(or_(*(and_(deliveries.c.widget_id == widget_id, deliveries.c.channel == channel)
                       for widget_id, channel in skip))),)


def _lease_changes_need_no_flush(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
