"""The Flask extension object: ``ReadyToRebuild(app)`` or ``ReadyToRebuild().init_app(app)``.

This is the one module that imports every part, to mount them on an app. It leaves the host app's
own settings alone: no SECRET_KEY, session, cookie, ProxyFix or RATELIMIT_* changes (the
standalone app in ``widget.app`` sets what a whole app needs).
"""

from __future__ import annotations

import os

from flask import Flask
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, OperationalError

from . import admin, cli, config, frame, migrate, public, ratelimit, startup
from .db import Store, make_engine
from .delivery import mailer, worker
from .state import EXTENSION_KEY, RTRState


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
        current = _prepare_schema(store)
        state = RTRState(store=store, url_prefix=prefix, limiter=ratelimit.create_limiter(app))
        app.extensions[EXTENSION_KEY] = state
        frame.register(app)
        public.register(app, state)
        admin.register(app, state)
        worker.register(app)
        cli.register(app)
        config.warn_about_defaults(app)
        # The notices read tables an old schema may not have yet; a server prints them once.
        if current and startup.claim_notices(app):
            admin.announce_setup(app, state)
            mailer.announce_outbox(app)


def _prepare_schema(store: Store) -> bool:
    """Create an empty database, or check its schema (``migrate.prepare``); return whether it is current.

    Refuses to go on (SchemaError) with a database older or newer than this code; only
    ``flask rtr db …`` gets past with an old one. A database that can't be reached names the key.
    """
    try:
        return migrate.prepare(store)
    except OperationalError as error:
        raise config.ConfigError(
            f"RTR_DATABASE_URL: the database can't be reached ({str(error.orig).strip()}). Check the address "
            "and that the database server is running (for SQLite: that the folder exists and can be written)."
        ) from error


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
