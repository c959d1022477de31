"""Suspected spam: requests the honeypot caught, kept out of the inbox until released, deleted or expired."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from ..db import Store
from ..models import NewLead, Widget
from ..schema import leads
from .leads import insert_deliveries
from .stats import bump

IS_SPAM = leads.c.spam_reason.is_not(None)


def count_spam(conn: Connection) -> int:
    """Return how many requests wait under "Suspected spam"."""
    return int(conn.execute(select(func.count()).select_from(leads).where(IS_SPAM)).scalar_one())


def list_spam(conn: Connection, limit: int, offset: int = 0) -> list[dict[str, Any]]:
    """Return one page of suspected spam, newest first."""
    query = select(leads).where(IS_SPAM).order_by(leads.c.created_at.desc(), leads.c.id.desc())
    return [dict(row._mapping) for row in conn.execute(query.limit(limit).offset(offset))]


def get_spam(conn: Connection, public_id: str) -> dict[str, Any] | None:
    """Return one suspected spam request by its public id, or None (released, deleted or never spam)."""
    row = conn.execute(select(leads).where(leads.c.public_id == public_id[:40], IS_SPAM)).first()
    return dict(row._mapping) if row else None


def release(store: Store, widget: Widget, public_id: str, now: float | None = None) -> bool:
    """Make a suspected spam request an ordinary lead: into the inbox, its deliveries queued at once.

    The deliveries follow the widget's settings now; the request counts as a submission on the day
    it arrived. Returns False when it is not suspected spam (any more: another admin was quicker).
    """
    now = time.time() if now is None else now
    with store.engine.begin() as conn:
        row = get_spam(conn, public_id)
        if row is None or row["widget_id"] != widget.id:
            return False
        released = conn.execute(update(leads).where(leads.c.id == row["id"], IS_SPAM)
                                .values(spam_reason=None, spam_detail=None)).rowcount
        if not released:
            return False
        insert_deliveries(conn, widget, NewLead.from_row(row), row["id"], row["public_id"], now)
        bump(conn, widget.id, "submissions", row["created_at"], widget.settings.time_zone)
    return True


def expired_spam_ids(conn: Connection, cutoff: float) -> list[int]:
    """Return the suspected spam that arrived before cutoff."""
    return list(conn.execute(select(leads.c.id).where(IS_SPAM, leads.c.created_at < cutoff)).scalars())
