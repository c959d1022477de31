"""One-time links sent by email: invitations to become an admin, and password resets.

A link's token is stored only as its SHA-256 (a copy of this table opens nothing). Using a link
deletes its row in the same transaction that reads it, so two tabs can't both use it; an expired
link is treated as missing and deleted by housekeeping.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, delete, insert, select

from ..db import Store
from ..schema import admin_links, admins

INVITE, RESET = "invite", "reset"


@dataclass(frozen=True)
class Link:
    id: int
    purpose: str
    admin_id: int | None
    email: str
    role: str | None
    created_by: str
    created_at: float
    expires_at: float


def _link(row: Row[Any]) -> Link:
    return Link(row.id, row.purpose, row.admin_id, row.email, row.role, row.created_by, row.created_at, row.expires_at)


def add_invite(store: Store, token_hash: str, email: str, role: str, created_by: str, lifetime: float) -> Link:
    """Store an invitation for email (replacing any earlier one still open for that address)."""
    now = time.time()
    with store.engine.begin() as conn:
        conn.execute(delete(admin_links).where(admin_links.c.purpose == INVITE, admin_links.c.email == email))
        link_id = conn.execute(insert(admin_links).values(
            purpose=INVITE, token_hash=token_hash, email=email, role=role, created_by=created_by,
            created_at=now, expires_at=now + lifetime,
        )).inserted_primary_key[0]
    return Link(int(link_id), INVITE, None, email, role, created_by, now, now + lifetime)


def add_reset(store: Store, token_hash: str, admin_id: int, email: str, lifetime: float) -> None:
    """Store a password reset for the admin; earlier ones still open stop working."""
    now = time.time()
    with store.engine.begin() as conn:
        conn.execute(delete(admin_links).where(admin_links.c.purpose == RESET, admin_links.c.admin_id == admin_id))
        conn.execute(insert(admin_links).values(
            purpose=RESET, token_hash=token_hash, admin_id=admin_id, email=email, created_by="password reset",
            created_at=now, expires_at=now + lifetime,
        ))


def last_reset_at(store: Store, admin_id: int) -> float | None:
    """Return when the admin's newest open reset link was made, or None."""
    query = select(admin_links.c.created_at).where(admin_links.c.purpose == RESET, admin_links.c.admin_id == admin_id)
    with store.reading() as conn:
        return conn.execute(query.order_by(admin_links.c.created_at.desc())).scalars().first()


def find(store: Store, purpose: str, token_hash: str, now: float | None = None) -> Link | None:
    """Return the unexpired link whose token hashes to token_hash, without using it."""
    query = select(admin_links).where(admin_links.c.purpose == purpose, admin_links.c.token_hash == token_hash,
                                      admin_links.c.expires_at > (time.time() if now is None else now))
    with store.reading() as conn:
        row = conn.execute(query).first()
    return _link(row) if row else None


def use(store: Store, link: Link) -> bool:
    """Spend the link; False when another request spent (or revoked) it first."""
    with store.engine.begin() as conn:
        return bool(conn.execute(delete(admin_links).where(admin_links.c.id == link.id)).rowcount)


def accept_invite(store: Store, link: Link, username: str, password_hash: str) -> str:
    """Spend the invitation and create its admin, at once; return ``joined``, ``used``, ``taken`` (the name)
    or ``email`` (another admin has the address since).

    A taken name leaves the invitation usable; a spent one creates nobody.
    """
    with store.engine.begin() as conn:
        if not conn.execute(select(admin_links.c.id).where(admin_links.c.id == link.id)).first():
            return "used"
        if conn.execute(select(admins.c.id).where(admins.c.username == username)).first():
            return "taken"
        if conn.execute(select(admins.c.id).where(admins.c.email == link.email)).first():
            return "email"
        if not conn.execute(delete(admin_links).where(admin_links.c.id == link.id)).rowcount:
            return "used"  # spent by another request between the check above and now
        conn.execute(insert(admins).values(username=username, password_hash=password_hash, created_at=time.time(),
                                           role=link.role or "staff", email=link.email))
    return "joined"


def open_invites(store: Store, now: float | None = None) -> list[Link]:
    """Return the invitations not yet used or expired, newest first."""
    query = select(admin_links).where(admin_links.c.purpose == INVITE,
                                      admin_links.c.expires_at > (time.time() if now is None else now))
    with store.reading() as conn:
        return [_link(row) for row in conn.execute(query.order_by(admin_links.c.created_at.desc()))]


def revoke_invite(store: Store, link_id: int) -> Link | None:
    """Delete an invitation; return it, or None when there was none."""
    with store.engine.begin() as conn:
        row = conn.execute(select(admin_links).where(admin_links.c.id == link_id,
                                                     admin_links.c.purpose == INVITE)).first()
        if row is None:
            return None
        conn.execute(delete(admin_links).where(admin_links.c.id == link_id))
    return _link(row)


def forget_resets(store: Store, admin_id: int) -> None:
    """Void the admin's open reset links (their address or password changed)."""
    with store.engine.begin() as conn:
        conn.execute(delete(admin_links).where(admin_links.c.purpose == RESET, admin_links.c.admin_id == admin_id))


def purge_expired(store: Store, now: float | None = None) -> int:
    """Delete links past their expiry; return how many."""
    with store.engine.begin() as conn:
        return conn.execute(delete(admin_links).where(
            admin_links.c.expires_at <= (time.time() if now is None else now))).rowcount
