"""The outbox queue: record attempts, schedule retries, replay. Claims and leases are in ``leases``."""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, bindparam, exists, insert, select, tuple_, update

from ..db import Store
from ..queries.readdress import readdress, with_choices
from ..schema import attempts, deliveries, leads, widgets
from ..settings import WidgetSettings
from .base import Outcome

#: Jitter spreads retries by up to this fraction of the delay either way.
JITTER = 0.1
#: A Retry-After longer than this is capped (a receiver can't park a lead for days).
MAX_RETRY_AFTER = 24 * 3600.0
#: Statuses the worker leaves alone that a person may send again: failed, webhook off, saved as a file
#: while no email server was set up, or marked as handled.
REPLAYABLE = ("dead", "disabled", "saved_to_file", "resolved")
#: What ``flask rtr retry`` sends again unless told otherwise.
FAILED = ("dead", "disabled")


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

    ``worker_id`` is the lease token the delivery was claimed with. Returns ``"parked"`` for a 410
    when the endpoint was disabled already, and ``"stale"`` when the lease passed to another claim
    after it ended (the attempt is still logged; the other claim's result decides the status).
    """
    with store.engine.begin() as conn:
        return _record(conn, delivery, outcome, schedule, worker_id, duration_ms, now)


def record_many(store: Store, results: list[tuple[dict[str, Any], Outcome, int]], schedule: list[float],
                now: float | None = None) -> list[str]:
    """Store several attempts' outcomes (delivery, outcome, duration in ms) in one transaction.

    Each delivery's lease token is its own ``leased_by``; returns each one's status as ``record``
    does. Successes are stored together, in three statements however many; the rest one by one.
    """
    now = time.time() if now is None else now
    with store.engine.begin() as conn:
        stored = _record_delivered(conn, [result for result in results if result[1].status == "delivered"], now)
        return [("delivered" if delivery["id"] in stored else "stale") if outcome.status == "delivered"
                else _record(conn, delivery, outcome, schedule, delivery["leased_by"], duration_ms, now)
                for delivery, outcome, duration_ms in results]


def _record_delivered(conn: Any, results: list[tuple[dict[str, Any], Outcome, int]], now: float) -> set[int]:
    """Store successful attempts; return the ids their claims still held (the others are stale)."""
    if not results:
        return set()
    conn.execute(ADD_ATTEMPT, [_attempt_row(delivery, outcome, ms, now) for delivery, outcome, ms in results])
    _status, values = _next_state(Outcome("delivered", ""), 1, [], now)
    held = [(delivery["id"], delivery["leased_by"]) for delivery, _outcome, _ms in results]
    stored = conn.execute(_delivered(tuple(values)), {"held": held, **{f"new_{k}": v for k, v in values.items()}}).all()
    _mark_leads_delivered(conn, {row.lead_id for row in stored}, now)
    return {row.id for row in stored}


#: The hot statements are built once: building one costs more than running it.
ADD_ATTEMPT = insert(attempts)
MARK_LEADS_DELIVERED = (
    update(leads)
    .where(leads.c.id.in_(bindparam("lead_ids", expanding=True)), leads.c.delivered_at.is_(None),
           ~exists().where(deliveries.c.lead_id == leads.c.id, deliveries.c.status != "delivered"))
    .values(delivered_at=bindparam("delivered_now"))
)


@functools.lru_cache(maxsize=4)
def _delivered(columns: tuple[str, ...]) -> Any:
    """Return the update storing attempts that succeeded (``columns`` as ``_next_state`` sets them)."""
    return (
        update(deliveries)
        .where(tuple_(deliveries.c.id, deliveries.c.leased_by).in_(bindparam("held", expanding=True)),
               deliveries.c.status == "pending")
        .values(attempts=deliveries.c.attempts + 1, lease_until=None, leased_by=None,
                **{column: bindparam(f"new_{column}") for column in columns})
        .returning(deliveries.c.id, deliveries.c.lead_id)
    )


def _record(conn: Any, delivery: dict[str, Any], outcome: Outcome, schedule: list[float], worker_id: str,
            duration_ms: int, now: float | None) -> str:
    now = time.time() if now is None else now
    made = int(delivery["attempts"]) + 1
    status, values = _next_state(outcome, made, schedule, now)
    conn.execute(ADD_ATTEMPT, _attempt_row(delivery, outcome, duration_ms, now))
    changed = conn.execute(
        update(deliveries)
        .where(deliveries.c.id == delivery["id"], deliveries.c.leased_by == worker_id,
               deliveries.c.status == "pending")
        .values(attempts=made, lease_until=None, leased_by=None, last_error=values.pop("last_error"), **values)
    ).rowcount
    if not changed:
        return "stale"
    if status == "delivered":
        _mark_leads_delivered(conn, [delivery["lead_id"]], now)
    elif status == "disabled" and not _disable_webhook(conn, delivery["widget_id"], now):
        return "parked"
    return status


def _attempt_row(delivery: dict[str, Any], outcome: Outcome, duration_ms: int, now: float) -> dict[str, Any]:
    return {"delivery_id": delivery["id"], "at": now, "outcome": outcome.status, "detail": outcome.detail[:1000],
            "duration_ms": duration_ms}


def _next_state(outcome: Outcome, made: int, schedule: list[float], now: float) -> tuple[str, dict[str, Any]]:
    if outcome.status == "delivered":
        return "delivered", {"status": "delivered", "delivered_at": now, "last_error": None}
    if outcome.status in ("dead", "disabled", "saved_to_file"):  # saved_to_file: not sent, so not delivered
        return outcome.status, {"status": outcome.status, "last_error": outcome.detail}
    delay = retry_delay(made, schedule, outcome.retry_after)
    if delay is None:
        return "dead", {"status": "dead", "last_error": outcome.detail}
    return "pending", {"next_attempt_at": now + delay, "last_error": outcome.detail}


def _mark_leads_delivered(conn: Any, lead_ids: Iterable[int], now: float) -> None:
    """Mark each lead delivered once every one of its deliveries is."""
    conn.execute(MARK_LEADS_DELIVERED, {"lead_ids": list(lead_ids), "delivered_now": now})


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
