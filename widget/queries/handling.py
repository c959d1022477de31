"""Deliveries the worker stopped on: mark one as handled, count the emails saved as files."""

from __future__ import annotations

import time

from sqlalchemy import func, select, update

from ..db import Store
from ..schema import deliveries

#: What "Mark as handled" applies to: failed, parked while the webhook is off, or saved as a file.
HANDLEABLE = ("dead", "disabled", "saved_to_file")


def mark_handled(store: Store, lead_id: int, delivery_id: int, who: str, now: float | None = None) -> bool:
    """Mark one of the lead's HANDLEABLE deliveries as handled by who; return False when it is not one.

    The delivery keeps its attempts and last error; retention may then delete the lead.
    """
    with store.engine.begin() as conn:
        changed = conn.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery_id, deliveries.c.lead_id == lead_id,
                   deliveries.c.status.in_(HANDLEABLE))
            .values(status="resolved", resolved_at=time.time() if now is None else now, resolved_by=who[:120])
        ).rowcount
    return bool(changed)


def count_saved_to_file(store: Store) -> int:
    """Return how many emails were saved as files (no email server) and still wait to be sent."""
    with store.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(deliveries)
                                .where(deliveries.c.status == "saved_to_file")).scalar_one())
