"""Sites refused by a widget's allowed sites: noted when they try, listed for the admin, forgotten when allowed.

At most ``PER_WIDGET`` sites are kept per widget: the origin a frame request names can be made up,
so a flood of invented names fills only that many rows (and the oldest rows give way to newer names
only after ``FORGET_AFTER``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..db import Store
from ..schema import refused_sites

PER_WIDGET = 50
#: Sites not seen for this long are forgotten (and make room for others).
FORGET_AFTER = 90 * 24 * 3600


@dataclass(frozen=True)
class RefusedSite:
    """A site that tried to show a widget (``frame``) or send it a request (``request``) while not allowed."""

    origin: str
    page: str
    kind: str
    attempts: int
    first_seen: float
    last_seen: float


def note_refusal(store: Store, widget_id: str, origin: str, page: str, kind: str, now: float | None = None) -> None:
    """Count one refused attempt by origin, adding the site unless the widget's list is full."""
    now = time.time() if now is None else now
    with store.engine.begin() as conn:
        if _bump(conn, widget_id, origin, page, kind, now):
            return
        conn.execute(delete(refused_sites).where(refused_sites.c.widget_id == widget_id,
                                                 refused_sites.c.last_seen < now - FORGET_AFTER))
        held = conn.execute(select(func.count()).select_from(refused_sites)
                            .where(refused_sites.c.widget_id == widget_id)).scalar_one()
        if held >= PER_WIDGET:
            return
    try:
        with store.engine.begin() as conn:
            conn.execute(insert(refused_sites).values(widget_id=widget_id, origin=origin, page=page, kind=kind,
                                                      attempts=1, first_seen=now, last_seen=now))
    except IntegrityError:  # another process added it first
        with store.engine.begin() as conn:
            _bump(conn, widget_id, origin, page, kind, now)


def _bump(conn: Connection, widget_id: str, origin: str, page: str, kind: str, now: float) -> bool:
    values = {"attempts": refused_sites.c.attempts + 1, "kind": kind, "last_seen": now}
    if page:
        values["page"] = page
    result = conn.execute(update(refused_sites).where(refused_sites.c.widget_id == widget_id,
                                                      refused_sites.c.origin == origin).values(**values))
    return bool(result.rowcount)


def refused_for(store: Store, widget_id: str) -> list[RefusedSite]:
    """Return the sites a widget refused, the most recent first."""
    with store.reading() as conn:
        rows = conn.execute(select(refused_sites).where(refused_sites.c.widget_id == widget_id)
                            .order_by(refused_sites.c.last_seen.desc(), refused_sites.c.origin)).all()
    return [RefusedSite(r.origin, r.page, r.kind, r.attempts, r.first_seen, r.last_seen) for r in rows]


def refused_origins(store: Store) -> dict[str, list[str]]:
    """Return each widget's refused origins (for the widgets list)."""
    with store.reading() as conn:
        rows = conn.execute(select(refused_sites.c.widget_id, refused_sites.c.origin)
                            .order_by(refused_sites.c.last_seen.desc())).all()
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row.widget_id, []).append(row.origin)
    return found


def forget_refused(store: Store, widget_id: str, origins: list[str]) -> int:
    """Forget these refused sites of a widget (allowed now, or dismissed); return how many there were."""
    if not origins:
        return 0
    with store.engine.begin() as conn:
        result = conn.execute(delete(refused_sites).where(refused_sites.c.widget_id == widget_id,
                                                          refused_sites.c.origin.in_(origins)))
    return int(result.rowcount)
