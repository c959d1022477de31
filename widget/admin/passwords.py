"""Admin accounts: scrypt password hashes (N = 2^17) and the queries on the admins table."""

from __future__ import annotations

import time
from functools import lru_cache

from sqlalchemy import func, insert, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..store import Store, admins

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
    with store.reading() as conn:
        return bool(conn.execute(select(func.count()).select_from(admins)).scalar_one())


def get_password_hash(store: Store, username: str) -> str | None:
    with store.reading() as conn:
        return conn.execute(
            select(admins.c.password_hash).where(admins.c.username == normalise_username(username))
        ).scalar_one_or_none()


def create_admin(store: Store, username: str, password: str) -> str:
    """Create an admin and return the stored username; raise AccountError when it can't be."""
    name = normalise_username(username)
    if not name or len(name) > 120 or any(ch.isspace() for ch in name):
        raise AccountError("Choose a username of 1 to 120 characters without spaces.")
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    password_hash = hash_password(password)
    with store.engine.begin() as conn:
        taken = conn.execute(select(admins.c.id).where(admins.c.username == name)).first()
        if taken:
            raise AccountError(f"There is already an admin called {name}.")
        conn.execute(insert(admins).values(username=name, password_hash=password_hash, created_at=time.time()))
    return name


def set_password(store: Store, username: str, password: str) -> None:
    """Replace an admin's password; raise AccountError when the new one is refused."""
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    with store.engine.begin() as conn:
        conn.execute(update(admins).where(admins.c.username == normalise_username(username))
                     .values(password_hash=hash_password(password)))
