"""The Flask extension object: ``ReadyToRebuild(app)`` or ``ReadyToRebuild().init_app(app)``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError

from . import config
from .store import Store, make_engine

EXTENSION_KEY = "rtr"
PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> str:
    """Return ``templates`` or ``static``: inside the package when installed, else the checkout's."""
    installed = PACKAGE_DIR / name
    return str(installed if installed.is_dir() else PACKAGE_DIR.parent / name)


@dataclass
class RTRState:
    """Everything the extension keeps for one app (``app.extensions["rtr"]``)."""

    store: Store
    url_prefix: str
    instance_path: str
    extras: dict[str, Any] = field(default_factory=dict)


class ReadyToRebuild:
    """Mount the widget's public routes, admin pages, CLI and delivery worker on a Flask app.

    Arguments beat ``app.config`` which beats the defaults in ``widget.config``.
    """

    def __init__(self, app: Flask | None = None, *, url_prefix: str | None = None,
                 database_url: str | None = None, worker: str | None = None) -> None:
        self._overrides = {
            key: value for key, value in (
                ("RTR_URL_PREFIX", url_prefix), ("RTR_DATABASE_URL", database_url), ("RTR_WORKER", worker),
            ) if value is not None
        }
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError(
                "ReadyToRebuild is already registered on this app. Create one ReadyToRebuild() "
                "and call init_app(app) once per app."
            )
        app.config.update(self._overrides)
        config.apply_defaults(app)
        config.validate(app)
        prefix = "/" + str(app.config["RTR_URL_PREFIX"]).strip("/") if app.config["RTR_URL_PREFIX"] else ""
        app.config["RTR_URL_PREFIX"] = prefix
        store = Store(_engine(app))
        store.create_all()
        state = RTRState(store=store, url_prefix=prefix, instance_path=app.instance_path)
        app.extensions[EXTENSION_KEY] = state
        _register_parts(app, state)


def _engine(app: Flask) -> Engine:
    """Open RTR_DATABASE_URL, or SQLite in the instance folder; a bad URL names the key."""
    url = str(app.config["RTR_DATABASE_URL"])
    if not url:
        os.makedirs(app.instance_path, exist_ok=True)
        url = "sqlite:///" + os.path.join(app.instance_path, "rtr.sqlite3")
    try:
        return make_engine(url)
    except (ArgumentError, ImportError) as error:  # unparsable, unknown dialect, driver not installed
        raise config.ConfigError(
            f"RTR_DATABASE_URL can't be opened ({error}). Use sqlite:////path/to/rtr.sqlite3 or "
            "postgresql://user:password@host/dbname (pip install 'ready-to-rebuild[postgres]')."
        ) from None


def _register_parts(app: Flask, state: RTRState) -> None:
    # Imported here because each part imports get_state/RTRState from this module.
    from . import admin, cli, limits, public, retention
    from .delivery import mailer, worker

    limits.register(app, state)  # first: proxy handling and body caps wrap every request
    public.register(app, state)
    admin.register(app, state)
    mailer.register(app, state)
    worker.register(app, state)
    retention.register(app, state)
    cli.register(app)


def get_state(app: Flask | None = None) -> RTRState:
    """Return the extension state of app (default: the current app)."""
    target = app or current_app
    try:
        return target.extensions[EXTENSION_KEY]
    except KeyError:
        raise RuntimeError(
            "ReadyToRebuild is not registered on this app; did you forget to call init_app?"
        ) from None
