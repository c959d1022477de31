"""Housekeeping the delivery worker runs every RTR_MAINTENANCE_SECONDS (each task takes the app)."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask

from .queries.account_links import purge_expired
from .queries.accounts import purge_sessions
from .queries.leads import purge_used_tokens
from .retention import purge_task
from .state import get_state


def forget_used_tokens(app: Flask) -> None:
    """Forget used form tokens once they are too old to be submitted again."""
    purge_used_tokens(get_state(app).store, time.time() - float(app.config["RTR_FORM_MAX_AGE"]))


def forget_ended_sessions(app: Flask) -> None:
    """Delete admin sessions past their idle or absolute lifetime (they no longer sign anyone in)."""
    now = time.time()
    purge_sessions(get_state(app).store, idle_since=now - float(app.config["RTR_ADMIN_IDLE_SECONDS"]),
                   started_before=now - float(app.config["RTR_ADMIN_SESSION_SECONDS"]))


def forget_expired_links(app: Flask) -> None:
    """Delete invitations and password reset links past their expiry (they open nothing any more)."""
    purge_expired(get_state(app).store)


TASKS: tuple[Callable[[Flask], None], ...] = (forget_used_tokens, forget_ended_sessions, forget_expired_links,
                                              purge_task)
