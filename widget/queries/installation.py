"""Installation-wide values saved from the admin pages (the email server), one JSON document per key."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import delete, insert, select, update

from ..db import Store
from ..schema import installation_settings


def read_document(store: Store, key: str) -> dict[str, Any]:
    """Return the document saved under key, or an empty one."""
    with store.reading() as conn:
        raw = conn.execute(
            select(installation_settings.c.value).where(installation_settings.c.key == key)
        ).scalar_one_or_none()
    return json.loads(raw) if raw else {}


def write_document(store: Store, key: str, value: dict[str, Any]) -> None:
    """Save (or replace) the document under key."""
    row = {"value": json.dumps(value), "updated_at": time.time()}
    with store.engine.begin() as conn:
        done = conn.execute(
            update(installation_settings).where(installation_settings.c.key == key).values(**row)
        ).rowcount
        if not done:
            conn.execute(insert(installation_settings).values(key=key, **row))


def delete_document(store: Store, key: str) -> None:
    """Forget the document under key."""
    with store.engine.begin() as conn:
        conn.execute(delete(installation_settings).where(installation_settings.c.key == key))
