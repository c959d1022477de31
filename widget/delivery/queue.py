"""The outbox queue: claim deliveries with a lease, record attempts, schedule retries, replay.

Claims are one ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING`` statement.
PostgreSQL skips rows another worker holds; SQLite ignores the locking clause and relies on its
single writer (``BEGIN IMMEDIATE``), so the same statement is atomic on both.
"""

from __future__ import annotations

import random
import time
from typing import Any

from sqlalchemy import and_, case, exists, func, insert, or_, select, update

from ..db import Store
from ..models import Widget
from ..queries.readdress import readdress, with_choices
from ..schema import attempts, deliveries, leads, widgets
from ..settings import WidgetSettings
from .base import Job, Outcome

#: Jitter spreads retries by up to this fraction of the delay either way.
JITTER = 0.1
#: A Retry-After longer than this is capped (a receiver can't park a lead for days).
MAX_RETRY_AFTER = 24 * 3600.0
#: Statuses the worker leaves alone that a person may send again: failed, webhook off, saved as a file
#: while no email server was set up, or marked as handled.
REPLAYABLE = ("dead", "disabled", "saved_to_file", "resolved")
#: What ``flask rtr retry`` sends again unless told otherwise.
FAILED = ("dead", "disabled")


def claim(store: Store, worker_id: str, lease_seconds: float, limit: int = 1,
          now: float | None = None) -> list[dict[str, Any]]:
    """Lease up to ``limit`` due pending deliveries to ``worker_id`` and return them."""
    now = time.time() if now is None else now
    due = (
        select(deliveries.c.id)
        .where(
            deliveries.c.status == "pending",
            deliveries.c.next_attempt_at <= now,
            or_(deliveries.c.lease_until.is_(None), deliveries.c.lease_until < now),
        )
        .order_by(deliveries.c.next_attempt_at, deliveries.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(deliveries)
        .where(deliveries.c.id.in_(due.scalar_subquery()))
        .values(lease_until=now + lease_seconds, leased_by=worker_id)
        .returning(*deliveries.c)
    )
    with store.engine.begin() as conn:
        rows = conn.execute(statement).all()
    return sorted((dict(row._mapping) for row in rows), key=lambda d: (d["next_attempt_at"], d["id"]))


def load_job(store: Store, delivery: dict[str, Any]) -> Job | None:
    """Return the delivery with its lead and widget, or None when either is gone."""
    with store.reading() as conn:
        lead = conn.execute(select(leads).where(leads.c.id == delivery["lead_id"])).first()
        widget = conn.execute(select(widgets).where(widgets.c.id == delivery["widget_id"])).first()
    if lead is None or widget is None:
        return None
    return Job(delivery=delivery, lead=dict(lead._mapping), widget=Widget.from_row(widget))


def retry_delay(attempts_made: int, schedule: list[float], retry_after: float | None = None) -> float | None:
    """Return seconds until the next try after ``attempts_made`` failures, or None when it is dead.

    The first attempt runs when the lead commits; attempt n+1 follows ``schedule[n-1]`` seconds
    (with jitter) after attempt n, so a delivery gets ``len(schedule) + 1`` attempts in all.
    """
    if attempts_made > len(schedule):
        return None
    delay = float(schedule[attempts_made - 1]) * (1 + random.uniform(-JITTER, JITTER))
    if retry_after is not None:
        delay = max(delay, min(float(retry_after), MAX_RETRY_AFTER))
    return max(delay, 0.0)


def record(store: Store, delivery: dict[str, Any], outcome: Outcome, schedule: list[float],
           worker_id: str, duration_ms: int = 0, now: float | None = None) -> str:
    """Store one attempt's outcome and return the delivery's new status.

    Returns ``"parked"`` for a 410 when the endpoint was disabled already, and ``"stale"`` when
    another worker took the delivery over after this one's lease ended (the attempt is still
    logged; the other worker's result decides the status).
    """
    now = time.time() if now is None else now
    made = int(delivery["attempts"]) + 1
    status, values = _next_state(outcome, made, schedule, now)
    with store.engine.begin() as conn:
        conn.execute(insert(attempts).values(
            delivery_id=delivery["id"], at=now, outcome=outcome.status, detail=outcome.detail[:1000],
            duration_ms=duration_ms,
        ))
        changed = conn.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery["id"], deliveries.c.leased_by == worker_id,
                   deliveries.c.status == "pending")
            .values(attempts=made, lease_until=None, leased_by=None, last_error=values.pop("last_error"),
                    **values)
        ).rowcount
        if not changed:
            return "stale"
        if status == "delivered":
            _mark_lead_delivered(conn, delivery["lead_id"], now)
        elif status == "disabled" and not _disable_webhook(conn, delivery["widget_id"], now):
            return "parked"
    return status


def _next_state(outcome: Outcome, made: int, schedule: list[float], now: float) -> tuple[str, dict[str, Any]]:
    if outcome.status == "delivered":
        return "delivered", {"status": "delivered", "delivered_at": now, "last_error": None}
    if outcome.status in ("dead", "disabled", "saved_to_file"):  # saved_to_file: not sent, so not delivered
        return outcome.status, {"status": outcome.status, "last_error": outcome.detail}
    delay = retry_delay(made, schedule, outcome.retry_after)
    if delay is None:
        return "dead", {"status": "dead", "last_error": outcome.detail}
    return "pending", {"next_attempt_at": now + delay, "last_error": outcome.detail}


def _mark_lead_delivered(conn: Any, lead_id: int, now: float) -> None:
    undelivered = exists().where(deliveries.c.lead_id == lead_id, deliveries.c.status != "delivered")
    conn.execute(
        update(leads).where(leads.c.id == lead_id, leads.c.delivered_at.is_(None), ~undelivered)
        .values(delivered_at=now)
    )


def _disable_webhook(conn: Any, widget_id: str, now: float) -> bool:
    """Stop the widget's endpoint and park its other pending webhook deliveries.

    Returns False when the endpoint was disabled already (by a 410 to a concurrent send).
    """
    newly = conn.execute(
        update(widgets).where(widgets.c.id == widget_id, widgets.c.webhook_disabled_at.is_(None))
        .values(webhook_disabled_at=now)
    ).rowcount
    conn.execute(
        update(deliveries)
        .where(deliveries.c.widget_id == widget_id, deliveries.c.channel == "webhook",
               deliveries.c.status == "pending", deliveries.c.lease_until.is_(None))
        .values(status="disabled", last_error="The endpoint answered 410 Gone; the webhook is disabled.")
    )
    return bool(newly)


def replay(store: Store, delivery_ids: list[int], now: float | None = None) -> int:
    """Send deliveries in a REPLAYABLE status again from the first attempt; return how many were queued.

    Each goes to the widget's current address (an admin who fixed a mistyped email or moved the
    webhook replays to the new one), and replaying a webhook delivery re-enables the endpoint.
    """
    if not delivery_ids:
        return 0
    now = time.time() if now is None else now
    chosen = and_(deliveries.c.id.in_([int(i) for i in delivery_ids]),
                  deliveries.c.status.in_(REPLAYABLE))
    with store.engine.begin() as conn:
        found = conn.execute(
            with_choices(widgets.c.id.label("widget_id"), widgets.c.settings)
            .join(widgets, widgets.c.id == deliveries.c.widget_id).where(chosen)
        ).all()
        settings = {row.widget_id: WidgetSettings.from_stored(row.settings) for row in found}
        readdress(conn, found, lambda row: settings[row.widget_id])
        count = conn.execute(
            update(deliveries).where(chosen).values(
                status="pending", attempts=0, next_attempt_at=now, lease_until=None, leased_by=None,
                resolved_at=None, resolved_by=None,
            )
        ).rowcount
        webhook_widgets = {row.widget_id for row in found if row.channel == "webhook"}
        if webhook_widgets:
            conn.execute(update(widgets).where(widgets.c.id.in_(webhook_widgets)).values(webhook_disabled_at=None))
    return count


def resume_webhook(store: Store, widget_id: str, now: float | None = None) -> int:
    """Switch the widget's webhook back on and send what waited while it was off; return how many."""
    with store.engine.begin() as conn:
        conn.execute(update(widgets).where(widgets.c.id == widget_id).values(webhook_disabled_at=None))
        parked = conn.execute(
            select(deliveries.c.id).where(deliveries.c.widget_id == widget_id, deliveries.c.channel == "webhook",
                                          deliveries.c.status == "disabled")
        ).scalars().all()
    return replay(store, list(parked), now)


def failed_ids(store: Store, widget_id: str | None = None, statuses: tuple[str, ...] = FAILED) -> list[int]:
    """Return the ids of deliveries in these statuses (dead and disabled unless told), of one widget or all."""
    query = select(deliveries.c.id).where(deliveries.c.status.in_(statuses))
    if widget_id:
        query = query.where(deliveries.c.widget_id == widget_id)
    with store.reading() as conn:
        return list(conn.execute(query.order_by(deliveries.c.id)).scalars())


def next_due(store: Store) -> float | None:
    """Return when the earliest pending delivery can next be claimed (due, and its lease ended)."""
    free_at = case((deliveries.c.lease_until > deliveries.c.next_attempt_at, deliveries.c.lease_until),
                   else_=deliveries.c.next_attempt_at)
    with store.reading() as conn:
        return conn.execute(select(func.min(free_at)).where(deliveries.c.status == "pending")).scalar()
