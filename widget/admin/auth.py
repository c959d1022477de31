"""Admin sign-in: who is logged in, and the decorator every admin view wears."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, redirect, request, session, url_for

F = TypeVar("F", bound=Callable[..., Any])
SESSION_KEY = "rtr_admin"


def current_admin() -> str | None:
    """Return the logged-in admin's username, ending the session after the idle timeout."""
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    now = time.time()
    if now - float(data.get("seen", 0)) > float(current_app.config["RTR_ADMIN_IDLE_SECONDS"]):
        session.pop(SESSION_KEY, None)
        return None
    data["seen"] = now
    session[SESSION_KEY] = data
    return str(data.get("user"))


def actor() -> str:
    """Return the signed-in admin's name for the audit log."""
    return current_admin() or "unknown"


def log_in(username: str) -> None:
    session.clear()
    session[SESSION_KEY] = {"user": username, "seen": time.time()}


def log_out() -> None:
    session.clear()


def login_required(view: F) -> F:
    """Send anonymous visitors to the login page (the safe default for every admin view)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_admin() is None:
            return redirect(url_for("rtr_admin.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
