"""Admin sign-in: who is signed in, sessions that end, and the decorator every admin view wears.

A session ends when it has been idle for RTR_ADMIN_IDLE_SECONDS, when it is RTR_ADMIN_SESSION_SECONDS
old however busy, at sign-out, when its admin changes their password elsewhere, or when the admin
is removed: each deletes its row, and a cookie naming a missing row signs nobody in.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, redirect, request, url_for

from ..queries.accounts import (
    AdminSession,
    end_session,
    find_session,
    get_admin,
    note_sign_in,
    start_session,
    touch_session,
)
from ..queries.audit import record
from ..state import get_state
from .session import cookie, forget_token, set_token

F = TypeVar("F", bound=Callable[..., Any])


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def current_session() -> AdminSession | None:
    """Return this browser's live session (ending it here once it is too idle or too old)."""
    if "rtr_admin_session" in g:
        return g.rtr_admin_session
    found: AdminSession | None = None
    token = cookie().token
    if token:
        store, config, now = get_state().store, current_app.config, time.time()
        found = find_session(store, _hash(token))
        idle, lifetime = float(config["RTR_ADMIN_IDLE_SECONDS"]), float(config["RTR_ADMIN_SESSION_SECONDS"])
        if found is not None and (now - found.seen_at > idle or now - found.created_at > lifetime):
            end_session(store, found.id)
            found = None
        if found is None:
            forget_token()
        elif now - found.seen_at > min(60.0, idle / 10):  # a write per minute at most, not per page
            touch_session(store, found.id, now)
    g.rtr_admin_session = found
    return found


def current_admin() -> str | None:
    """Return the signed-in admin's username, or None."""
    found = current_session()
    return found.username if found else None


def current_role() -> str | None:
    """Return the signed-in admin's role (``owner`` or ``staff``), or None."""
    found = current_session()
    return found.role if found else None


def actor() -> str:
    """Return the signed-in admin's name for the audit log."""
    return current_admin() or "unknown"


def log_in(username: str) -> None:
    """Start a new session for the admin (a stored username) in this browser; any earlier one in it ends."""
    log_out()
    store = get_state().store
    admin = get_admin(store, username)
    if admin is None:
        raise LookupError(f"there is no admin called {username!r}")
    token = secrets.token_urlsafe(32)
    start_session(store, admin.id, _hash(token))
    set_token(token)
    g.pop("rtr_admin_session", None)


def sign_in(username: str, action: str = "admin.login", detail: str = "") -> None:
    """Sign the admin in here after every step of signing in passed: a session, the time, the audit log."""
    log_in(username)
    store = get_state().store
    found = current_session()
    if found is not None:
        note_sign_in(store, found.admin_id)
    record(store, username, action, detail)


def log_out() -> None:
    """End this browser's session on the server and forget it in the cookie."""
    found = current_session()
    if found is not None:
        end_session(get_state().store, found.id)
    set_token("")
    g.rtr_admin_session = None


def login_required(view: F) -> F:
    """Send anonymous visitors to the login page (the safe default for every admin view)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_admin() is None:
            return redirect(url_for("rtr_admin.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
