"""The card's heights as an admin's browser measured them, per width, one settings version at a time.

Derived data for the inline snippet's reserved space (``admin/card_height.py``): never exported,
measured again after the settings change, and deleted with the widget (ON DELETE CASCADE).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import delete, insert, select

from ..db import Store
from ..schema import card_heights


@dataclass(frozen=True)
class Measured:
    """The card's height at each measured width, for one settings version."""

    version: int
    heights: dict[int, int]


def stored(store: Store, widget_id: str) -> Measured | None:
    """Return the last measurement of a widget's card, current or not."""
    with store.reading() as conn:
        row = conn.execute(select(card_heights).where(card_heights.c.widget_id == widget_id)).first()
    if row is None:
        return None
    return Measured(row.settings_version, {int(width): int(height) for width, height in row.heights.items()})


def save(store: Store, widget_id: str, settings_version: int, heights: dict[int, int]) -> None:
    """Keep the heights measured for the widget's settings version, replacing any earlier measurement."""
    with store.engine.begin() as conn:
        conn.execute(delete(card_heights).where(card_heights.c.widget_id == widget_id))
        conn.execute(insert(card_heights).values(widget_id=widget_id, settings_version=settings_version,
                                                 heights={str(w): h for w, h in heights.items()},
                                                 measured_at=time.time()))
