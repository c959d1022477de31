"""Admin accounts: scrypt password hashes (N = 2^17), and the rules for usernames and passwords."""

from __future__ import annotations

from functools import lru_cache

from werkzeug.security import check_password_hash, generate_password_hash

from ..db import Store
from ..queries import accounts

#: Werkzeug method string: scrypt with N = 2^17, r = 8, p = 1 (about 128 MiB and 0.3 s per hash).
HASH_METHOD = "scrypt:131072:8:1"
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200


class AccountError(ValueError):
    """A username or password that can't be used; the message says why."""


def hash_password(password: str) -> str:
    """Return the salted scrypt hash of password."""
    return generate_password_hash(password, method=HASH_METHOD)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("no such admin, but take as long as a real check")


def check_password(password_hash: str | None, password: str) -> bool:
    """Return whether password matches; unknown users cost the same time as known ones."""
    if not password_hash:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)


def password_problem(password: str) -> str | None:
    """Return why a new password is refused, or None when it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters; a short sentence works well."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters."
    return None


def normalise_username(username: str) -> str:
    """Return the username as stored: trimmed and in lower case."""
    return username.strip().lower()


def has_admins(store: Store) -> bool:
    return accounts.has_admins(store)


def get_password_hash(store: Store, username: str) -> str | None:
    admin = accounts.get_admin(store, normalise_username(username))
    return admin.password_hash if admin else None


def create_admin(store: Store, username: str, password: str) -> str:
    """Create an admin and return the stored username; raise AccountError when it can't be."""
    name = normalise_username(username)
    if not name or len(name) > 120 or any(ch.isspace() for ch in name):
        raise AccountError("Choose a username of 1 to 120 characters without spaces.")
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    if not accounts.add_admin(store, name, hash_password(password)):
        raise AccountError(f"There is already an admin called {name}.")
    return name


def set_password(store: Store, username: str, password: str) -> None:
    """Replace an admin's password, signing out every session they have; raise AccountError when refused."""
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    accounts.set_password_hash(store, normalise_username(username), hash_password(password))
