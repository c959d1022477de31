"""The extension's own rate limiter: submissions per client and per widget, and the login throttle's storage.

One Flask-Limiter ``Limiter`` per app, configured by its constructor from ``RTR_*`` keys only: a
host app's ``RATELIMIT_*`` settings belong to the host's own limiter and neither reach ours nor are
changed by it. A visitor who hits a limit gets 429 with ``Retry-After`` (the public blueprint turns
it into a kind message with what they typed kept).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, has_request_context, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.errors import ConfigurationError

from . import signals
from .config import ConfigError
from .state import get_state

HOST_PREFIX = "RATELIMIT_"


def create_limiter(app: Flask) -> Limiter:
    """Create the app's Limiter; its requests count only where ``limit_submissions`` puts limits.

    An empty ``RTR_RATELIMIT_STORAGE_URI`` leaves the storage unset, so Flask-Limiter uses
    ``memory://`` and warns that limits are then per process.
    """
    try:
        with _host_settings_set_aside(app):
            limiter = Limiter(
                get_remote_address, app=app, storage_uri=app.config["RTR_RATELIMIT_STORAGE_URI"] or None,
                strategy="fixed-window", default_limits=[], application_limits=[], headers_enabled=True,
                # A storage outage must not turn real people away: answer unlimited and log it.
                swallow_errors=True,
            )
    except ConfigurationError as error:  # an unknown scheme, or its client library is not installed
        raise ConfigError(
            f"RTR_RATELIMIT_STORAGE_URI can't be used ({error}). Use memory:// or redis://host:6379 "
            "(pip install 'ready-to-rebuild[redis]')."
        ) from None
    signals.lead_received.connect(_mark_stored, sender=app)
    return limiter


def get_limiter() -> Limiter:
    """Return the current app's Limiter."""
    return get_state().limiter


@contextmanager
def _host_settings_set_aside(app: Flask) -> Iterator[None]:
    """Hide the host's RATELIMIT_* keys from Flask-Limiter's init_app, and undo what it sets there."""
    hidden = {key: app.config.pop(key) for key in [k for k in app.config if k.startswith(HOST_PREFIX)]}
    try:
        yield
    finally:
        for key in [k for k in app.config if k.startswith(HOST_PREFIX)]:
            del app.config[key]
        app.config.update(hidden)


def limit_submissions(limiter: Limiter, blueprint: Blueprint, submit_endpoint: str) -> None:
    """Limit lead submissions on the blueprint: per client per widget, and per widget in total.

    Every attempt counts against the client (atomic, so a burst cannot slip through), but only
    stored leads against the widget, so junk and caught bots cannot lock real people out.
    """
    def not_a_submission() -> bool:
        return request.endpoint != submit_endpoint

    # Every limit here is on POSTs: a GET (the card, embed.js, the host app's own pages) skips the
    # limiter's per-request work, a third of what drawing the card costs.
    limiter.request_filter(lambda: request.method in ("GET", "HEAD"))
    limiter.limit(_client_limit, key_func=_client_key, methods=["POST"], exempt_when=not_a_submission)(blueprint)
    limiter.limit(_widget_limit, key_func=_widget_key, methods=["POST"], exempt_when=not_a_submission,
                  deduct_when=_stored)(blueprint)


def _client_limit() -> str:
    return str(current_app.config["RTR_SUBMIT_LIMIT"])


def _widget_limit() -> str:
    return str(current_app.config["RTR_WIDGET_SUBMIT_LIMIT"])


def _widget_id() -> str:
    return str((request.view_args or {}).get("widget_id", ""))


def _client_key() -> str:
    return f"rtr-client/{get_remote_address()}/{_widget_id()}"


def _widget_key() -> str:
    return f"rtr-widget/{_widget_id()}"


def _mark_stored(app: Flask, **_event: Any) -> None:
    if has_request_context():  # the submission that stored it counts against the widget's budget
        g.rtr_lead_stored = True


def _stored(response: Response) -> bool:
    return bool(g.get("rtr_lead_stored"))
