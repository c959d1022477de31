"""Admin accounts and their signed-in sessions (one row per browser, revoked by deleting it).

Usernames arrive here already normalised (``admin.passwords.normalise_username``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update

from ..db import Store
from ..schema import admin_sessions, admins


class LastAdminError(Exception):
    """Removing this admin would leave nobody able to sign in."""


@dataclass(frozen=True)
class Admin:
    id: int
    username: str
    password_hash: str
    created_at: float


@dataclass(frozen=True)
class AdminSession:
    """A signed-in browser: whose it is, when it began and when it was last used."""

    id: int
    admin_id: int
    username: str
    created_at: float
    seen_at: float


def has_admins(store: Store) -> bool:
    with store.reading() as conn:
        return bool(conn.execute(select(func.count()).select_from(admins)).scalar_one())


def get_admin(store: Store, username: str) -> Admin | None:
    with store.reading() as conn:
        row = conn.execute(select(admins).where(admins.c.username == username)).first()
    return Admin(row.id, row.username, row.password_hash, row.created_at) if row else None


def list_admins(store: Store) -> list[Admin]:
    with store.reading() as conn:
        rows = conn.execute(select(admins).order_by(admins.c.username)).all()
    return [Admin(row.id, row.username, row.password_hash, row.created_at) for row in rows]


def add_admin(store: Store, username: str, password_hash: str) -> bool:
    """Create the account; return False when the username is taken."""
    with store.engine.begin() as conn:
        if conn.execute(select(admins.c.id).where(admins.c.username == username)).first():
            return False
        conn.execute(insert(admins).values(username=username, password_hash=password_hash, created_at=time.time()))
    return True


def set_password_hash(store: Store, username: str, password_hash: str) -> bool:
    """Replace the admin's password hash and end every session they have, in one transaction.

    Every one: a copy of the cookie of the browser that made the change must stop working too
    (that browser gets a fresh session).
    """
    with store.engine.begin() as conn:
        admin_id = conn.execute(select(admins.c.id).where(admins.c.username == username)).scalar_one_or_none()
        if admin_id is None:
            return False
        conn.execute(update(admins).where(admins.c.id == admin_id).values(password_hash=password_hash))
        conn.execute(delete(admin_sessions).where(admin_sessions.c.admin_id == admin_id))
    return True


def rehash_password(store: Store, username: str, old_hash: str, new_hash: str) -> bool:
    """Store new_hash (the same password, hashed more strongly) unless the hash changed meanwhile.

    Sessions stay: the password is the one the admin just typed. Returns whether the row changed.
    """
    query = update(admins).where(admins.c.username == username, admins.c.password_hash == old_hash)
    with store.engine.begin() as conn:
        return bool(conn.execute(query.values(password_hash=new_hash)).rowcount)


def remove_admin(store: Store, username: str) -> bool:
    """Delete the account and with it every session it has; return False when there is no such admin.

    Raises LastAdminError rather than remove the only admin. The rows are locked first, so two
    admins removing each other at once can't both succeed.
    """
    with store.engine.begin() as conn:
        ids = {row.username: row.id for row in conn.execute(select(admins.c.username, admins.c.id).with_for_update())}
        if username not in ids:
            return False
        if len(ids) == 1:
            raise LastAdminError(username)
        conn.execute(delete(admins).where(admins.c.id == ids[username]))
    return True


def start_session(store: Store, admin_id: int, token_hash: str, now: float | None = None) -> int:
    """Record a new signed-in browser and return its session id."""
    now = time.time() if now is None else now
    with store.engine.begin() as conn:
        return int(conn.execute(insert(admin_sessions).values(
            admin_id=admin_id, token_hash=token_hash, created_at=now, seen_at=now,
        )).inserted_primary_key[0])


def find_session(store: Store, token_hash: str) -> AdminSession | None:
    """Return the session whose cookie token hashes to token_hash, with its admin's name."""
    query = (
        select(admin_sessions.c.id, admin_sessions.c.admin_id, admins.c.username, admin_sessions.c.created_at,
               admin_sessions.c.seen_at)
        .join(admins, admins.c.id == admin_sessions.c.admin_id)
        .where(admin_sessions.c.token_hash == token_hash)
    )
    with store.reading() as conn:
        row = conn.execute(query).first()
    return AdminSession(*row) if row else None


def sessions_of(store: Store, admin_id: int) -> list[AdminSession]:
    """Return the admin's signed-in browsers, most recently used first."""
    query = (
        select(admin_sessions.c.id, admin_sessions.c.admin_id, admins.c.username, admin_sessions.c.created_at,
               admin_sessions.c.seen_at)
        .join(admins, admins.c.id == admin_sessions.c.admin_id)
        .where(admin_sessions.c.admin_id == admin_id).order_by(admin_sessions.c.seen_at.desc())
    )
    with store.reading() as conn:
        return [AdminSession(*row) for row in conn.execute(query)]


def touch_session(store: Store, session_id: int, now: float) -> None:
    with store.engine.begin() as conn:
        conn.execute(update(admin_sessions).where(admin_sessions.c.id == session_id).values(seen_at=now))


def end_session(store: Store, session_id: int) -> None:
    with store.engine.begin() as conn:
        conn.execute(delete(admin_sessions).where(admin_sessions.c.id == session_id))


def end_sessions(store: Store, admin_id: int) -> int:
    """End every session of the admin (signing them out everywhere); return how many ended."""
    with store.engine.begin() as conn:
        return conn.execute(delete(admin_sessions).where(admin_sessions.c.admin_id == admin_id)).rowcount


def purge_sessions(store: Store, idle_since: float, started_before: float) -> int:
    """Delete sessions unused since idle_since or begun before started_before; return how many."""
    query = delete(admin_sessions).where(
        (admin_sessions.c.seen_at < idle_since) | (admin_sessions.c.created_at < started_before))
    with store.engine.begin() as conn:
        return conn.execute(query).rowcount
