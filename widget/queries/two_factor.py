"""Two-factor sign-in: each admin's TOTP secret, the last code step used, and hashed recovery codes.

Turning two-factor on or off ends every session of the admin in the same transaction: a browser
signed in under the old rule must sign in again (the one that made the change gets a fresh session).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from ..db import Store
from ..schema import admin_recovery_codes, admin_sessions, admins


def enable(store: Store, admin_id: int, secret: str, step: int, code_hashes: Iterable[str]) -> None:
    """Turn two-factor on with secret (``step`` is the code just used) and these recovery codes."""
    with store.engine.begin() as conn:
        conn.execute(update(admins).where(admins.c.id == admin_id).values(totp_secret=secret, totp_last_step=step))
        _replace_codes(conn, admin_id, code_hashes)
        conn.execute(delete(admin_sessions).where(admin_sessions.c.admin_id == admin_id))


def disable(store: Store, admin_id: int) -> None:
    """Turn two-factor off: forget the secret and the recovery codes, end every session."""
    with store.engine.begin() as conn:
        conn.execute(update(admins).where(admins.c.id == admin_id).values(totp_secret=None, totp_last_step=None))
        conn.execute(delete(admin_recovery_codes).where(admin_recovery_codes.c.admin_id == admin_id))
        conn.execute(delete(admin_sessions).where(admin_sessions.c.admin_id == admin_id))


def replace_recovery_codes(store: Store, admin_id: int, code_hashes: Iterable[str]) -> None:
    """Void every recovery code the admin has and store these instead."""
    with store.engine.begin() as conn:
        _replace_codes(conn, admin_id, code_hashes)


def _replace_codes(conn: Connection, admin_id: int, code_hashes: Iterable[str]) -> None:
    conn.execute(delete(admin_recovery_codes).where(admin_recovery_codes.c.admin_id == admin_id))
    rows = [{"admin_id": admin_id, "code_hash": code_hash} for code_hash in code_hashes]
    if rows:
        conn.execute(insert(admin_recovery_codes), rows)


def claim_step(store: Store, admin_id: int, step: int) -> bool:
    """Record that the code of time step ``step`` was used; False when it (or a later one) already was.

    One UPDATE decides, so two sign-ins racing with the same code can't both succeed.
    """
    query = update(admins).where(
        admins.c.id == admin_id, admins.c.totp_secret.is_not(None),
        or_(admins.c.totp_last_step.is_(None), admins.c.totp_last_step < step),
    ).values(totp_last_step=step)
    with store.engine.begin() as conn:
        return bool(conn.execute(query).rowcount)


def use_recovery_code(store: Store, admin_id: int, code_hash: str) -> bool:
    """Spend one recovery code; False when the admin has no such unused code."""
    query = delete(admin_recovery_codes).where(admin_recovery_codes.c.admin_id == admin_id,
                                               admin_recovery_codes.c.code_hash == code_hash)
    with store.engine.begin() as conn:
        return bool(conn.execute(query).rowcount)


def recovery_codes_left(store: Store, admin_id: int) -> int:
    query = select(func.count()).select_from(admin_recovery_codes).where(admin_recovery_codes.c.admin_id == admin_id)
    with store.reading() as conn:
        return int(conn.execute(query).scalar_one())
