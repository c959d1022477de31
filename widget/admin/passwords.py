"""Admin accounts: argon2id password hashes within a memory budget, and the rules for usernames and passwords."""

from __future__ import annotations

import re
import threading

from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import check_password_hash

from ..db import Store
from ..email_address import check_email
from ..queries import accounts
from .hash_budget import BUDGET, HashingBusyError

#: argon2id, 64 MiB, 2 passes, 1 lane: about 0.13 s here. Above glibc's 32 MiB mmap threshold, so the
#: memory goes back to the system after each hash; two at a time fit the 128 MiB budget.
HASHER = PasswordHasher(time_cost=2, memory_cost=64 * 1024, parallelism=1)
#: Seconds a login waits for room in the hashing budget before it is told to try again.
LOGIN_WAIT_SECONDS = 1.0
#: Werkzeug's scrypt hashes from before argon2id ("scrypt:N:r:p$salt$hash"), upgraded at the next login.
LEGACY_SCRYPT = re.compile(r"^scrypt:(\d+):(\d+):\d+\$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200


class AccountError(ValueError):
    """A username or password that can't be used; the message says why."""


def hash_password(password: str) -> str:
    """Return the salted argon2id hash of password (waiting for room in the hashing budget)."""
    with BUDGET.reserve(_memory_mib(None), wait=None):
        return HASHER.hash(password)


_DUMMY: list[str] = []
_DUMMY_LOCK = threading.Lock()


def _dummy_hash() -> str:
    """Return a hash to check unknown usernames against, made once (a flood must not make thirty)."""
    with _DUMMY_LOCK:
        if not _DUMMY:
            _DUMMY.append(hash_password("no such admin, but take as long as a real check"))
        return _DUMMY[0]


def check_password(password_hash: str | None, password: str, wait: float | None = LOGIN_WAIT_SECONDS) -> bool:
    """Return whether password matches; unknown users cost the same time as known ones.

    Raise HashingBusyError when the hashing budget stays taken for ``wait`` seconds.
    """
    stored = password_hash or _dummy_hash()
    with BUDGET.reserve(_memory_mib(stored), wait):
        matches = _matches(stored, password)
    return matches and bool(password_hash)


def needs_rehash(password_hash: str) -> bool:
    """Tell whether a matching hash should be replaced: legacy scrypt, or argon2id with other parameters."""
    try:
        return HASHER.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


def _matches(stored: str, password: str) -> bool:
    if LEGACY_SCRYPT.match(stored):
        return check_password_hash(stored, password)
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):  # a mismatch, or a hash we can't read: no match
        return False


def _memory_mib(stored: str | None) -> int:
    """Return the MiB one check of stored (None: a new hash) takes."""
    legacy = LEGACY_SCRYPT.match(stored or "")
    if legacy:
        return 128 * int(legacy.group(1)) * int(legacy.group(2)) // 2**20
    try:
        kib = extract_parameters(stored).memory_cost if stored else HASHER.memory_cost
    except (InvalidHashError, ValueError):
        kib = HASHER.memory_cost
    return max(1, kib // 1024)


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


def checked_username(username: str) -> str:
    """Return a new username as stored; raise AccountError when it can't be one."""
    name = normalise_username(username)
    if not name or len(name) > 120 or any(ch.isspace() for ch in name):
        raise AccountError("Choose a username of 1 to 120 characters without spaces.")
    return name


def normalise_email(email: str) -> str:
    """Return an admin's address as stored (checked, in lower case); raise AccountError when it isn't one."""
    checked = check_email(email.strip()) if email.strip() else None
    if checked is None:
        raise AccountError("Enter an email address like name@example.com.")
    return checked.lower()


def has_admins(store: Store) -> bool:
    return accounts.has_admins(store)


def get_password_hash(store: Store, username: str) -> str | None:
    admin = accounts.get_admin(store, normalise_username(username))
    return admin.password_hash if admin else None


def create_admin(store: Store, username: str, password: str, role: str = accounts.OWNER,
                 email: str | None = None) -> str:
    """Create an admin and return the stored username; raise AccountError when it can't be."""
    name = checked_username(username)
    address = normalise_email(email) if email is not None else None
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    try:
        added = accounts.add_admin(store, name, hash_password(password), role, address)
    except accounts.EmailTakenError:
        raise AccountError("Another admin already uses this email address.") from None
    if not added:
        raise AccountError(f"There is already an admin called {name}.")
    return name


def set_password(store: Store, username: str, password: str) -> None:
    """Replace an admin's password, signing out every session they have; raise AccountError when refused."""
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    accounts.set_password_hash(store, normalise_username(username), hash_password(password))


def current_password_problem(store: Store, username: str, typed: str, button: str) -> str | None:
    """Return why typed is not the admin's current password (or can't be checked now), or None when it is."""
    try:
        if check_password(get_password_hash(store, username), typed):
            return None
    except HashingBusyError:
        return f"The server is busy checking other sign-ins; press {button} again."
    return "That isn't your current password."


def upgrade_hash(store: Store, username: str, password: str, password_hash: str) -> bool:
    """Replace a matching legacy or outdated hash with a current one; return whether it was replaced.

    The same password under a stronger hash: the admin's sessions stay as they are.
    """
    if not needs_rehash(password_hash):
        return False
    return accounts.rehash_password(store, normalise_username(username), password_hash, hash_password(password))
