"""Rate limits through Flask-Limiter, one Limiter per app (kept in the extension state)."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from .extension import RTRState, get_state


def register(app: Flask, state: RTRState) -> None:
    """Create the app's Limiter with the configured storage (memory:// or redis://)."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["RTR_RATELIMIT_STORAGE_URI"])
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    state.extras["limiter"] = Limiter(get_remote_address, app=app, default_limits=[])


def get_limiter() -> Limiter:
    """Return the current app's Limiter."""
    return get_state().extras["limiter"]
