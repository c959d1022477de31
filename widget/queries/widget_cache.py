"""Widgets as the public pages read them: kept in this process, checked against the database each second.

Loading a widget parses and validates its settings; the card is asked for far more often than
settings change. So each process keeps the widgets it served (at most ``SIZE``, least recently used
go first) and, once an entry is ``fresh_seconds`` old, asks the database for the widget's version
and ``updated_at`` only (one primary-key read), loading it again when they changed. A save made
through ``widget.queries.widgets`` in this process is seen at once (it calls ``forget``); one made
by another process, within ``fresh_seconds``. Unknown ids are never kept.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from sqlalchemy import select

from ..db import Store
from ..models import Widget
from ..schema import widgets

SIZE = 500


@dataclass
class _Entry:
    widget: Widget
    checked_at: float


class WidgetCache:
    """The widgets one store's public pages served lately, least recently used first."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, store: Store, widget_id: str, fresh_seconds: float) -> Widget | None:
        """Return the widget, from memory while fresh or unchanged, else from the database."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(widget_id)
            if entry is not None:
                self._entries.move_to_end(widget_id)
                if now - entry.checked_at < fresh_seconds:
                    return entry.widget
        if entry is not None and _stamp(store, widget_id) == (entry.widget.version, entry.widget.updated_at):
            entry.checked_at = now
            return entry.widget
        with store.reading() as conn:
            row = conn.execute(select(widgets).where(widgets.c.id == widget_id)).first()
        widget = Widget.from_row(row) if row else None
        with self._lock:
            if widget is None:
                self._entries.pop(widget_id, None)
            else:
                self._entries[widget_id] = _Entry(widget, now)
                self._entries.move_to_end(widget_id)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
        return widget

    def forget(self, widget_id: str | None = None) -> None:
        """Drop one widget (or all) so the next read loads it again."""
        with self._lock:
            if widget_id is None:
                self._entries.clear()
            else:
                self._entries.pop(widget_id, None)


def _stamp(store: Store, widget_id: str) -> tuple[int, float] | None:
    with store.reading() as conn:
        row = conn.execute(select(widgets.c.version, widgets.c.updated_at).where(widgets.c.id == widget_id)).first()
    return (row.version, row.updated_at) if row else None


_caches: WeakKeyDictionary[Store, WidgetCache] = WeakKeyDictionary()
_caches_lock = threading.Lock()


def cache_of(store: Store) -> WidgetCache:
    """Return the store's widget cache (one per store, so every app on that store shares it)."""
    with _caches_lock:
        cache = _caches.get(store)
        if cache is None:
            cache = _caches[store] = WidgetCache()
        return cache


def widget_for_card(store: Store, widget_id: str, fresh_seconds: float) -> Widget | None:
    """Return the widget for drawing its card: at most ``fresh_seconds`` behind the database."""
    return cache_of(store).get(store, widget_id, fresh_seconds)


def forget(store: Store, widget_id: str | None = None) -> None:
    """Tell this process's cache that the widget (or every widget) was just written."""
    cache = _caches.get(store)
    if cache is not None:
        cache.forget(widget_id)
