"""What the extension keeps for one app, and how every part finds it (a leaf: imports no part)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, current_app
from flask_limiter import Limiter

from .db import Store

EXTENSION_KEY = "rtr"
PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> str:
    """Return ``templates`` or ``static``: inside the package when installed, else the checkout's."""
    installed = PACKAGE_DIR / name
    return str(installed if installed.is_dir() else PACKAGE_DIR.parent / name)


class DeliveryThreads(Protocol):
    """What the state needs of the delivery worker (``widget.delivery.worker.Worker``)."""

    pid: int
    stopping: threading.Event

    @property
    def alive(self) -> bool: ...

    def wake(self) -> None: ...

    def stop(self, timeout: float | None = None) -> None: ...


class ViewBuffer(Protocol):
    """What the state needs of the views the frame's beacons report (``widget.seen.ViewCounter``)."""

    def record(self, widget_id: str, nonce: str, page: str, campaign: str) -> bool: ...

    def flush(self) -> int: ...


@dataclass
class RTRState:
    """Everything the extension keeps for one app (``app.extensions["rtr"]``)."""

    #: The database behind this app.
    store: Store
    #: Where the public routes are mounted ("" at the root); the admin is under ``<prefix>/admin``.
    url_prefix: str
    #: The extension's own Flask-Limiter (submission limits and the login throttle).
    limiter: Limiter
    #: This process's delivery threads (``RTR_WORKER=thread``), started on the first request.
    worker: DeliveryThreads | None = None
    #: Static files read once per app: name -> (bytes, ETag).
    assets: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    #: The card's first views, rendered once per widget version, language, mode… (``widget.card_cache``).
    cards: OrderedDict[Hashable, Any] = field(default_factory=OrderedDict)
    #: What each first view's query asked for, read once per widget version and query (``widget.card_cache``).
    asked: OrderedDict[Hashable, Any] = field(default_factory=OrderedDict)
    #: Views the frame's beacons reported, not yet written (``widget.seen``).
    views: ViewBuffer | None = None
    #: Refused sites just noted, by (widget id, origin): when (``widget.site_check``).
    refusals: dict[tuple[str, str], float] = field(default_factory=dict)


def get_state(app: Flask | None = None) -> RTRState:
    """Return the extension state of app (default: the current app)."""
    target = app or current_app
    try:
        return target.extensions[EXTENSION_KEY]
    except KeyError:
        raise RuntimeError(
            "ReadyToRebuild is not registered on this app; did you forget to call init_app?"
        ) from None
