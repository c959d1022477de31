"""Point deliveries at where the widget's settings route them now (after a save, an import or a replay)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.engine import Connection

from ..routing import current_target
from ..schema import deliveries, leads
from ..settings import WidgetSettings

CHUNK = 500


def with_choices(*columns: Any) -> Select[Any]:
    """Return a select of deliveries with what readdressing reads: id, channel and the lead's choices."""
    return (select(deliveries.c.id, deliveries.c.channel, leads.c.service, leads.c.location, *columns)
            .join(leads, leads.c.id == deliveries.c.lead_id))


def pending_of(conn: Connection, widget_id: str) -> list[Any]:
    """Return the widget's deliveries still waiting to be sent, as ``with_choices`` reads them."""
    return list(conn.execute(with_choices().where(
        deliveries.c.widget_id == widget_id, deliveries.c.status == "pending",
        deliveries.c.channel.in_(("email", "webhook")),
    )))


def readdress(conn: Connection, rows: Iterable[Any], settings_of: Callable[[Any], WidgetSettings]) -> None:
    """Give each delivery row the target its widget's settings route it to now; keep it where they route none."""
    by_target: dict[str, list[int]] = {}
    for row in rows:
        target = current_target(row.channel, settings_of(row), row._mapping)
        if target:
            by_target.setdefault(json.dumps(target), []).append(row.id)
    for key, ids in by_target.items():
        for start in range(0, len(ids), CHUNK):
            conn.execute(update(deliveries).where(deliveries.c.id.in_(ids[start:start + CHUNK]))
                         .values(target=json.loads(key)))
