"""The audit log: who did what and when. Never lead contents, never secrets."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import func, insert, select

from ..db import Store
from ..schema import audit_log


@dataclass(frozen=True)
class Entry:
    at: float
    actor: str
    widget_id: str | None
    action: str
    detail: str


def record(store: Store, actor: str, action: str, detail: str = "", widget_id: str | None = None) -> None:
    """Add one entry (action like ``widget.settings``; detail names settings, never their values)."""
    with store.engine.begin() as conn:
        conn.execute(insert(audit_log).values(
            at=time.time(), actor=actor, action=action, detail=detail[:2000], widget_id=widget_id,
        ))


def entries(store: Store, *, offset: int = 0, limit: int = 50) -> tuple[list[Entry], int]:
    """Return one page of entries, newest first, and the total count."""
    with store.reading() as conn:
        total = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
        rows = conn.execute(
            select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).offset(offset).limit(limit)
        ).all()
    return [Entry(r.at, r.actor, r.widget_id, r.action, r.detail) for r in rows], int(total)
