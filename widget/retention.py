"""Retention: delete each widget's leads a set number of days after they were delivered.

Leads that were never delivered are kept, so nothing a visitor sent disappears unseen. The worker
runs the purge periodically and ``flask rtr purge`` runs it on demand.
"""

from __future__ import annotations

import time

from flask import Flask

from .extension import RTRState, get_state
from .lead_queries import DAY, delete_leads, expired_lead_ids
from .store import Store


def register(app: Flask, state: RTRState) -> None:
    """Let the worker purge expired leads periodically."""
    from .delivery.worker import PERIODIC_TASKS

    if purge_task not in PERIODIC_TASKS:
        PERIODIC_TASKS.append(purge_task)


def purge_expired(store: Store, now: float | None = None) -> dict[str, int]:
    """Delete expired delivered leads; return how many went, by widget id (only non-zero)."""
    now = time.time() if now is None else now
    removed: dict[str, int] = {}
    for widget in store.list_widgets():
        cutoff = now - widget.settings.retention_days * DAY
        with store.engine.begin() as conn:
            count = delete_leads(conn, expired_lead_ids(conn, widget.id, cutoff))
        if count:
            removed[widget.id] = count
    return removed


def purge_task(app: Flask) -> None:
    """Run the purge for one app (a worker periodic task)."""
    purge_expired(get_state(app).store)
