"""Widgets: create, read, save settings, rotate the webhook secret, import, delete."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from ..db import Store
from ..models import Widget, new_webhook_secret, new_widget_id
from ..schema import widgets
from ..settings import WidgetSettings
from .readdress import pending_of, readdress
from .widget_cache import forget


@dataclass(frozen=True)
class WidgetImport:
    """One widget from a configuration file: created when its id is new, else updated."""

    id: str
    name: str
    settings: WidgetSettings
    webhook_secret: str | None = None


def create_widget(store: Store, name: str, settings: WidgetSettings, widget_id: str | None = None,
                  webhook_secret: str | None = None) -> Widget:
    """Store a new widget (a fresh id and webhook secret unless given) and return it."""
    now = time.time()
    row = {
        "id": widget_id or new_widget_id(), "name": name, "settings": settings, "version": 1,
        "webhook_secret": webhook_secret or new_webhook_secret(), "created_at": now, "updated_at": now,
    }
    with store.engine.begin() as conn:
        conn.execute(insert(widgets).values({**row, "settings": settings.model_dump(mode="json")}))
    forget(store, row["id"])
    return Widget(**row)


def get_widget(store: Store, widget_id: str) -> Widget | None:
    with store.reading() as conn:
        row = conn.execute(select(widgets).where(widgets.c.id == widget_id)).first()
    return Widget.from_row(row) if row else None


def list_widgets(store: Store) -> list[Widget]:
    with store.reading() as conn:
        rows = conn.execute(select(widgets).order_by(widgets.c.created_at, widgets.c.id)).all()
    return [Widget.from_row(row) for row in rows]


def save_settings(store: Store, widget_id: str, settings: WidgetSettings, name: str | None = None) -> int:
    """Store new settings and return the new version number.

    A different webhook URL is a different endpoint: one switched off by a 410 comes back on.
    """
    with store.engine.begin() as conn:
        row = conn.execute(select(widgets.c.version, widgets.c.settings).where(widgets.c.id == widget_id)).one()
        current, old = row.version, WidgetSettings.from_stored(row.settings)
        values: dict[str, Any] = {"settings": settings.model_dump(mode="json"), "version": current + 1,
                                  "updated_at": time.time()}
        if name is not None:
            values["name"] = name
        if old.webhook_url != settings.webhook_url:
            values["webhook_disabled_at"] = None
        _retarget_pending(conn, widget_id, settings)
        conn.execute(update(widgets).where(widgets.c.id == widget_id).values(**values))
    forget(store, widget_id)
    return current + 1


def _retarget_pending(conn: Connection, widget_id: str, settings: WidgetSettings) -> None:
    """Point deliveries still waiting to be sent where the settings just saved route them (a fixed typo counts)."""
    readdress(conn, pending_of(conn, widget_id), lambda _row: settings)


def rotate_webhook_secret(store: Store, widget_id: str, now: float | None = None) -> str:
    """Give the widget a new webhook secret and return it; the old one is kept to sign for a while."""
    secret = new_webhook_secret()
    with store.engine.begin() as conn:
        current = conn.execute(select(widgets.c.webhook_secret).where(widgets.c.id == widget_id)).scalar_one()
        conn.execute(update(widgets).where(widgets.c.id == widget_id).values(
            webhook_secret=secret, previous_webhook_secret=current,
            secret_rotated_at=time.time() if now is None else now,
        ))
    return secret


def delete_widget(store: Store, widget_id: str) -> bool:
    """Delete the widget; its requests, deliveries, attempts and counts go with it (ON DELETE CASCADE)."""
    with store.engine.begin() as conn:
        deleted = bool(conn.execute(delete(widgets).where(widgets.c.id == widget_id)).rowcount)
    forget(store, widget_id)
    return deleted


def import_widgets(store: Store, items: Iterable[WidgetImport]) -> tuple[int, int, list[str]]:
    """Create or update every widget in one transaction; return (created, updated, moved webhooks).

    ``moved`` names the widgets whose webhook was off (a 410) and now has a new address.
    """
    now = time.time()
    created = updated = 0
    moved: list[str] = []
    with store.engine.begin() as conn:
        current = {row.id: row for row in conn.execute(
            select(widgets.c.id, widgets.c.version, widgets.c.settings, widgets.c.webhook_disabled_at))}
        for item in items:
            if item.id in current:
                row = current[item.id]
                values: dict[str, Any] = {"name": item.name, "settings": item.settings.model_dump(mode="json"),
                                          "version": row.version + 1, "updated_at": now}
                if item.webhook_secret:
                    values["webhook_secret"] = item.webhook_secret
                new_url = item.settings.webhook_url
                old_url = WidgetSettings.from_stored(row.settings).webhook_url
                if row.webhook_disabled_at and new_url and new_url != old_url:
                    moved.append(item.id)
                _retarget_pending(conn, item.id, item.settings)
                conn.execute(update(widgets).where(widgets.c.id == item.id).values(**values))
                updated += 1
            else:
                conn.execute(insert(widgets).values(
                    id=item.id, name=item.name, settings=item.settings.model_dump(mode="json"), version=1,
                    webhook_secret=item.webhook_secret or new_webhook_secret(), created_at=now, updated_at=now,
                ))
                created += 1
    forget(store)
    return created, updated, moved
