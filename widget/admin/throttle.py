"""Login throttling on the app's Flask-Limiter storage: failed attempts per IP and per account."""

from __future__ import annotations

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many

from ..ratelimit import get_limiter

NAMESPACE = "rtr-admin-login"


def _limits() -> list[tuple[RateLimitItem, str]]:
    config = current_app.config
    return (
        [(item, "ip") for item in parse_many(str(config["RTR_ADMIN_LOGIN_LIMIT"]))]
        + [(item, "account") for item in parse_many(str(config["RTR_ADMIN_ACCOUNT_LIMIT"]))]
    )


def _key(kind: str, username: str) -> str:
    return get_remote_address() if kind == "ip" else username.strip().lower()


def login_blocked(username: str) -> bool:
    """Return whether this IP or this account has used up its failed attempts."""
    strategy = get_limiter().limiter
    return any(not strategy.test(item, NAMESPACE, kind, _key(kind, username)) for item, kind in _limits())


def count_failure(username: str) -> None:
    """Record one failed login against the IP and the account."""
    strategy = get_limiter().limiter
    for item, kind in _limits():
        strategy.hit(item, NAMESPACE, kind, _key(kind, username))
