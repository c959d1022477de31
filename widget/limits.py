"""Limits on the public surface: submissions per client and per widget, and the size of a request.

One Flask-Limiter ``Limiter`` per app (kept in the extension state). A visitor who hits a limit
gets 429 with ``Retry-After`` and a kind message in the frame, with what they typed kept.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits.errors import ConfigurationError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from . import proxy
from .config import ConfigError
from .extension import RTRState, get_state
from .public import blueprint, refuse
from .store import Widget

SUBMIT_ENDPOINT = "rtr.submit_lead"


def register(app: Flask, state: RTRState) -> None:
    """Trust the configured proxies, create the app's Limiter and cap public request bodies.

    An empty ``RTR_RATELIMIT_STORAGE_URI`` leaves the storage unset, so Flask-Limiter uses
    ``memory://`` and warns that limits are then per process.
    """
    proxy.register(app, state)
    if app.config["RTR_RATELIMIT_STORAGE_URI"]:
        app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["RTR_RATELIMIT_STORAGE_URI"])
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # A storage outage must not turn real people away: answer unlimited and log it.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    try:
        limiter = Limiter(get_remote_address, app=app, default_limits=[])
    except ConfigurationError as error:  # an unknown scheme, or its client library is not installed
        raise ConfigError(
            f"RTR_RATELIMIT_STORAGE_URI can't be used ({error}). Use memory:// or redis://host:6379 "
            "(pip install 'ready-to-rebuild[redis]')."
        ) from None
    state.extras["limiter"] = limiter
    # Every attempt counts against the client (atomic, so a burst cannot slip through), but only
    # stored leads against the widget, so junk and caught bots cannot lock real people out.
    limiter.limit(_client_limit, key_func=_client_key, methods=["POST"], exempt_when=_not_a_submission)(blueprint)
    limiter.limit(_widget_limit, key_func=_widget_key, methods=["POST"], exempt_when=_not_a_submission,
                  deduct_when=_stored)(blueprint)
    state.extras.setdefault("lead_listeners", []).append(_mark_stored)
    app.before_request(_cap_body)


def get_limiter() -> Limiter:
    """Return the current app's Limiter."""
    return get_state().extras["limiter"]


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


def _not_a_submission() -> bool:
    return request.endpoint != SUBMIT_ENDPOINT


def _mark_stored(app: Flask, lead_id: str) -> None:
    g.rtr_lead_stored = True


def _stored(response: Response) -> bool:
    return bool(g.get("rtr_lead_stored"))


def _cap_body() -> None:
    """Read at most RTR_MAX_BODY_BYTES of a public request (the host app's routes are untouched)."""
    if request.blueprint != blueprint.name:
        return
    cap = int(current_app.config["RTR_MAX_BODY_BYTES"])
    request.max_content_length = cap
    # Without a Content-Length (a chunked body) Werkzeug stops quietly at the cap and parses what it
    # read; read it here instead, so a longer body is refused rather than cut short.
    if request.content_length is None and request.method == "POST" and len(request.get_data(cache=True)) >= cap:
        raise RequestEntityTooLarge()


def _widget_or_none() -> Widget | None:
    widget_id = _widget_id()
    return get_state().store.get_widget(widget_id) if widget_id else None


def answer_rate_limited(error: RateLimitExceeded) -> Response | HTTPException:
    """Answer 429 in the visitor's words, keeping the form as typed (Retry-After is added after)."""
    widget = _widget_or_none()
    if widget is None:
        return error
    return refuse(widget, 429, "rate_limited")


def answer_too_large(error: RequestEntityTooLarge) -> Response | HTTPException:
    """Answer 413 with a message instead of a bare error page; the body is never read."""
    widget = _widget_or_none()
    if widget is None:
        return error
    # The refused body stays unread: give the page helpers an empty form instead of parsing again.
    request.__dict__.update(form=ImmutableMultiDict(), files=ImmutableMultiDict())
    return refuse(widget, 413, "too_large")


blueprint.register_error_handler(RateLimitExceeded, answer_rate_limited)
blueprint.register_error_handler(RequestEntityTooLarge, answer_too_large)
