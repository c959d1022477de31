"""One admin sign-in attempt: the throttles first, then the password check within the hashing budget."""

from __future__ import annotations

from dataclasses import dataclass

from ..db import Store
from .hash_budget import HashingBusyError
from .passwords import check_password, get_password_hash, normalise_username, upgrade_hash
from .throttle import forget_failures, reserve_attempt

#: Retry-After while the hashing budget is full (a flood is on): one hash takes a fraction of a second.
BUSY_RETRY_SECONDS = 2


@dataclass(frozen=True)
class Verdict:
    """How an attempt ended: ``username`` when the password matched, ``retry_after`` when it was refused."""

    username: str | None = None
    retry_after: int = 0


def attempt_login(store: Store, username: str, password: str) -> Verdict:
    """Check a username and password behind the throttles; upgrade an old hash that matched."""
    wait = reserve_attempt(username)
    if wait:
        return Verdict(retry_after=wait)
    stored = get_password_hash(store, username)
    try:
        matched = check_password(stored, password)
    except HashingBusyError:
        return Verdict(retry_after=BUSY_RETRY_SECONDS)
    if not matched or stored is None:
        return Verdict()
    forget_failures(username)
    upgrade_hash(store, username, password, stored)
    return Verdict(username=normalise_username(username))


def wait_words(seconds: int) -> str:
    """Return a wait as a person would say it: "5 seconds", "2 minutes", "3 hours"."""
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = -(-seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"
