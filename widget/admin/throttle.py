"""Login throttling on the app's Flask-Limiter storage: attempts per IP, a short progressive lock per account.

Both are reserved before a password is hashed, with the storage's atomic increments, so a burst of
concurrent attempts can't all slip through before the first one is counted.

- Per IP address, every attempt counts against ``RTR_ADMIN_LOGIN_LIMIT``: this does the heavy lifting.
- Per account, ``RTR_ADMIN_LOCK_AFTER`` failures in a row are free; each further one locks the
  account for 1 s, then 2, 4, 8 … up to ``RTR_ADMIN_LOCK_MAX_SECONDS``. Knowing a username is
  then worth a few minutes' lock at most, never an hour. A correct password clears the count.
- The second step of a two-factor sign-in (a code) is counted the same way, on its own count per
  account: a right password must not clear the failures of wrong codes.

If the storage is down, attempts go ahead (limits fail open, as on the public form); the hashing
budget still bounds what a flood costs.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import parse_many

from ..ratelimit import get_limiter

NAMESPACE = "rtr-admin-login"
#: A run of failures is forgotten this long after it began, even without a correct password.
FAILURE_MEMORY_SECONDS = 3600
log = logging.getLogger("widget.admin.throttle")


def reserve_attempt(username: str, second_factor: bool = False) -> int:
    """Count one attempt against the client's IP address and the account; return 0, or seconds to wait.

    ``second_factor``: a code typed at the second step of a sign-in, counted apart from passwords.
    """
    return _fail_open(lambda: _reserve_ip() or _reserve_account(_account(username, second_factor)))


def reserve_address() -> int:
    """Count one request (a password reset) against the client's IP address; return 0, or seconds to wait."""
    return _fail_open(_reserve_ip)


def forget_failures(username: str, second_factor: bool = False) -> None:
    """Clear the account's failure count and lock after a correct password (or code)."""
    storage = get_limiter().limiter.storage
    account = _account(username, second_factor)

    def clear() -> int:
        storage.clear(_failures_key(account))
        storage.clear(_lock_key(account))
        return 0

    _fail_open(clear)


def lock_seconds(failures_beyond_free: int, cap: float) -> int:
    """Return how long the account stays locked after this many failures beyond the free ones."""
    if failures_beyond_free <= 0:
        return 0
    return int(min(cap, 2 ** min(failures_beyond_free - 1, 30)))


def _reserve_ip() -> int:
    strategy = get_limiter().limiter
    address = get_remote_address()
    for item in parse_many(str(current_app.config["RTR_ADMIN_LOGIN_LIMIT"])):
        if not strategy.hit(item, NAMESPACE, "ip", address):
            reset_at = strategy.get_window_stats(item, NAMESPACE, "ip", address).reset_time
            return max(1, math.ceil(reset_at - time.time()))
    return 0


def _reserve_account(account: str) -> int:
    storage = get_limiter().limiter.storage
    lock = _lock_key(account)
    if storage.get(lock) > 0:  # locked: refused without counting, so waiting it out always helps
        return _seconds_left(storage, lock)
    # Counted as a failure now and cleared on success, so concurrent attempts see each other.
    failures = storage.incr(_failures_key(account), FAILURE_MEMORY_SECONDS)
    seconds = lock_seconds(failures - int(current_app.config["RTR_ADMIN_LOCK_AFTER"]),
                           float(current_app.config["RTR_ADMIN_LOCK_MAX_SECONDS"]))
    if seconds and storage.incr(lock, seconds) > 1:  # another attempt took this lock window first
        return _seconds_left(storage, lock)
    return 0


def _seconds_left(storage: Any, key: str) -> int:
    return max(1, math.ceil(storage.get_expiry(key) - time.time()))


def _account(username: str, second_factor: bool = False) -> str:
    account = username.strip().lower()[:120]  # no stored username is longer; a huge one is no bigger key
    return f"{account} code" if second_factor else account  # a username has no spaces: no clash


def _failures_key(account: str) -> str:
    return f"{NAMESPACE}/account-failures/{account}"


def _lock_key(account: str) -> str:
    return f"{NAMESPACE}/account-lock/{account}"


def _fail_open(action: Callable[[], int]) -> int:
    storage = get_limiter().limiter.storage
    try:
        return action()
    except storage.base_exceptions:
        log.warning("The rate limit storage failed; letting this admin login attempt through", exc_info=True)
        return 0
