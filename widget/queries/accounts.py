"""Admin accounts, their roles and addresses, and their signed-in sessions (one row per browser,
revoked by deleting it).

Usernames and email addresses arrive here already normalised (``admin.passwords``). There is always
an owner: the last one can be neither removed nor made staff.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from ..db import Store
from ..schema import admin_links, admin_sessions, admins

OWNER, STAFF = "owner", "staff"
ROLES = (OWNER, STAFF)


class LastAdminError(Exception):
    """Removing this admin, or making them staff, would leave no owner to run the accounts."""


class EmailTakenError(Exception):
    """Another admin already uses this email address."""


@dataclass(frozen=True)
class Admin:
    id: int
    username: str
    password_hash: str
    created_at: float
    role: str = OWNER
    email: str | None = None
    totp_secret: str | None = None
    last_login_at: float | None = None

    @property
    def two_factor(self) -> bool:
        return bool(self.totp_secret)


@dataclass(frozen=True)
class AdminSession:
    """A signed-in browser: whose it is (and their role), when it began and when it was last used."""

    id: int
    admin_id: int
    username: str
    created_at: float
    seen_at: float
    role: str = OWNER
    two_factor: bool = False


def has_admins(store: Store) -> bool:
    with store.reading() as conn:
        return bool(conn.execute(select(func.count()).select_from(admins)).scalar_one())


def _admin(row: Any) -> Admin:
    return Admin(row.id, row.username, row.password_hash, row.created_at, row.role, row.email, row.totp_secret,
                 row.last_login_at)


def get_admin(store: Store, username: str) -> Admin | None:
    with store.reading() as conn:
        row = conn.execute(select(admins).where(admins.c.username == username)).first()
    return _admin(row) if row else None


def get_admin_by_id(store: Store, admin_id: int) -> Admin | None:
    with store.reading() as conn:
        row = conn.execute(select(admins).where(admins.c.id == admin_id)).first()
    return _admin(row) if row else None


def get_admin_by_email(store: Store, email: str) -> Admin | None:
    with store.reading() as conn:
        row = conn.execute(select(admins).where(admins.c.email == email)).first()
    return _admin(row) if row else None


def list_admins(store: Store) -> list[Admin]:
    with store.reading() as conn:
        rows = conn.execute(select(admins).order_by(admins.c.username)).all()
    return [_admin(row) for row in rows]


def add_admin(store: Store, username: str, password_hash: str, role: str = OWNER, email: str | None = None) -> bool:
    """Create the account; return False when the username is taken, raise EmailTakenError for the address."""
    with store.engine.begin() as conn:
        if conn.execute(select(admins.c.id).where(admins.c.username == username)).first():
            return False
        if email and conn.execute(select(admins.c.id).where(admins.c.email == email)).first():
            raise EmailTakenError(email)
        conn.execute(insert(admins).values(username=username, password_hash=password_hash, created_at=time.time(),
                                           role=role, email=email or None))
    return True


def set_email(store: Store, admin_id: int, email: str | None) -> None:
    """Change the admin's address (None: none); raise EmailTakenError when another admin has it."""
    with store.engine.begin() as conn:
        other = conn.execute(select(admins.c.id).where(admins.c.email == email, admins.c.id != admin_id)).first()
        if email and other:
            raise EmailTakenError(email)
        conn.execute(update(admins).where(admins.c.id == admin_id).values(email=email or None))


def note_sign_in(store: Store, admin_id: int, now: float | None = None) -> None:
    """Remember when the admin last signed in (shown on the accounts page)."""
    with store.engine.begin() as conn:
        conn.execute(update(admins).where(admins.c.id == admin_id).values(
            last_login_at=time.time() if now is None else now))


def set_password_hash(store: Store, username: str, password_hash: str) -> bool:
    """Replace the admin's password hash, end every session they have and void their reset links, at once.

    Every one: a copy of the cookie of the browser that made the change must stop working too
    (that browser gets a fresh session).
    """
    with store.engine.begin() as conn:
        admin_id = conn.execute(select(admins.c.id).where(admins.c.username == username)).scalar_one_or_none()
        if admin_id is None:
            return False
        conn.execute(update(admins).where(admins.c.id == admin_id).values(password_hash=password_hash))
        conn.execute(delete(admin_sessions).where(admin_sessions.c.admin_id == admin_id))
        conn.execute(delete(admin_links).where(admin_links.c.admin_id == admin_id))  # open reset links
    return True


def rehash_password(store: Store, username: str, old_hash: str, new_hash: str) -> bool:
    """Store new_hash (the same password, hashed more strongly) unless the hash changed meanwhile.

    Sessions stay: the password is the one the admin just typed. Returns whether the row changed.
    """
    query = update(admins).where(admins.c.username == username, admins.c.password_hash == old_hash)
    with store.engine.begin() as conn:
        return bool(conn.execute(query.values(password_hash=new_hash)).rowcount)


def remove_admin(store: Store, username: str) -> bool:
    """Delete the account and with it every session and link it has; return False when there is no such admin.

    Raises LastAdminError rather than remove the last owner. The rows are locked first, so two
    owners removing each other at once can't both succeed.
    """
    with store.engine.begin() as conn:
        roles = _roles_locked(conn)
        if username not in roles:
            return False
        if _last_owner(roles, username):
            raise LastAdminError(username)
        conn.execute(delete(admins).where(admins.c.username == username))
    return True


def set_role(store: Store, username: str, role: str) -> bool:
    """Give the admin another role; return False when there is no such admin.

    Raises LastAdminError rather than make the last owner staff (rows locked, as in remove_admin).
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    with store.engine.begin() as conn:
        roles = _roles_locked(conn)
        if username not in roles:
            return False
        if role != OWNER and _last_owner(roles, username):
            raise LastAdminError(username)
        conn.execute(update(admins).where(admins.c.username == username).values(role=role))
    return True


def _roles_locked(conn: Connection) -> dict[str, str]:
    return {row.username: row.role for row in conn.execute(select(admins.c.username, admins.c.role).with_for_update())}


def _last_owner(roles: dict[str, str], username: str) -> bool:
    return roles[username] == OWNER and sum(role == OWNER for role in roles.values()) == 1


def start_session(store: Store, admin_id: int, token_hash: str, now: float | None = None) -> int:
    """Record a new signed-in browser and return its session id."""
    now = time.time() if now is None else now
    with store.engine.begin() as conn:
        return int(conn.execute(insert(admin_sessions).values(
            admin_id=admin_id, token_hash=token_hash, created_at=now, seen_at=now,
        )).inserted_primary_key[0])


def _sessions() -> Select[Any]:
    return (
        select(admin_sessions.c.id, admin_sessions.c.admin_id, admins.c.username, admin_sessions.c.created_at,
               admin_sessions.c.seen_at, admins.c.role, admins.c.totp_secret.is_not(None))
        .join(admins, admins.c.id == admin_sessions.c.admin_id)
    )


def find_session(store: Store, token_hash: str) -> AdminSession | None:
    """Return the session whose cookie token hashes to token_hash, with its admin's name and role."""
    with store.reading() as conn:
        row = conn.execute(_sessions().where(admin_sessions.c.token_hash == token_hash)).first()
    return AdminSession(*row) if row else None


def sessions_of(store: Store, admin_id: int) -> list[AdminSession]:
    """Return the admin's signed-in browsers, most recently used first."""
    query = _sessions().where(admin_sessions.c.admin_id == admin_id).order_by(admin_sessions.c.seen_at.desc())
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
