"""The account queries on SQLite and PostgreSQL: roles with always an owner, unique addresses, one-time
links, codes used once, and two-factor changes ending sessions."""

from __future__ import annotations

import time

import pytest

from widget.db import Store
from widget.queries import account_links, accounts, two_factor


def _admins(store: Store) -> tuple[int, int]:
    accounts.add_admin(store, "ann", "hash-a", email="ann@example.org")
    accounts.add_admin(store, "sam", "hash-s", role="staff")
    return accounts.get_admin(store, "ann").id, accounts.get_admin(store, "sam").id


def test_there_is_always_an_owner(any_store: Store) -> None:
    _admins(any_store)
    with pytest.raises(accounts.LastAdminError):
        accounts.set_role(any_store, "ann", "staff")
    with pytest.raises(accounts.LastAdminError):
        accounts.remove_admin(any_store, "ann")
    assert accounts.remove_admin(any_store, "sam"), "staff can go"
    accounts.add_admin(any_store, "bea", "hash-b")
    assert accounts.set_role(any_store, "ann", "staff")
    assert [(a.username, a.role) for a in accounts.list_admins(any_store)] == [("ann", "staff"), ("bea", "owner")]
    assert not accounts.set_role(any_store, "nobody", "owner")
    with pytest.raises(ValueError, match="unknown role"):
        accounts.set_role(any_store, "ann", "admin")


def test_a_session_knows_its_admins_role_and_two_factor(any_store: Store) -> None:
    ann_id, sam_id = _admins(any_store)
    accounts.start_session(any_store, sam_id, "s" * 64)
    found = accounts.find_session(any_store, "s" * 64)
    assert (found.username, found.role, found.two_factor) == ("sam", "staff", False)
    two_factor.enable(any_store, sam_id, "SECRET", 5, [])
    assert accounts.find_session(any_store, "s" * 64) is None, "turning two-factor on ends sessions"
    accounts.start_session(any_store, sam_id, "t" * 64)
    assert accounts.find_session(any_store, "t" * 64).two_factor
    assert accounts.get_admin_by_id(any_store, ann_id).email == "ann@example.org"


def test_an_address_belongs_to_one_admin(any_store: Store) -> None:
    ann_id, sam_id = _admins(any_store)
    with pytest.raises(accounts.EmailTakenError):
        accounts.set_email(any_store, sam_id, "ann@example.org")
    with pytest.raises(accounts.EmailTakenError):
        accounts.add_admin(any_store, "bea", "hash-b", email="ann@example.org")
    accounts.set_email(any_store, ann_id, "ann@example.org")  # one's own address again is fine
    accounts.set_email(any_store, sam_id, None)
    accounts.set_email(any_store, ann_id, None)
    accounts.set_email(any_store, sam_id, "ann@example.org")
    assert accounts.get_admin_by_email(any_store, "ann@example.org").username == "sam"


def test_a_code_step_is_used_once(any_store: Store) -> None:
    _ann_id, sam_id = _admins(any_store)
    assert not two_factor.claim_step(any_store, sam_id, 10), "no two-factor, no code"
    two_factor.enable(any_store, sam_id, "SECRET", 10, ["h1", "h2"])
    assert not two_factor.claim_step(any_store, sam_id, 10), "the step used to turn it on"
    assert two_factor.claim_step(any_store, sam_id, 11)
    assert not two_factor.claim_step(any_store, sam_id, 11)
    assert not two_factor.claim_step(any_store, sam_id, 9)
    assert two_factor.use_recovery_code(any_store, sam_id, "h2")
    assert not two_factor.use_recovery_code(any_store, sam_id, "h2")
    assert two_factor.recovery_codes_left(any_store, sam_id) == 1
    two_factor.replace_recovery_codes(any_store, sam_id, ["h3", "h4", "h5"])
    assert not two_factor.use_recovery_code(any_store, sam_id, "h1")
    two_factor.disable(any_store, sam_id)
    assert accounts.get_admin_by_id(any_store, sam_id).totp_secret is None
    assert two_factor.recovery_codes_left(any_store, sam_id) == 0


def test_links_are_found_by_hash_used_once_and_purged_when_expired(any_store: Store) -> None:
    ann_id, _sam_id = _admins(any_store)
    invite = account_links.add_invite(any_store, "i" * 64, "bea@example.org", "owner", "ann", 60)
    account_links.add_reset(any_store, "r" * 64, ann_id, "ann@example.org", 60)
    assert account_links.find(any_store, account_links.RESET, "i" * 64) is None, "an invitation is no reset"
    assert account_links.find(any_store, account_links.INVITE, "i" * 64) == invite
    assert account_links.accept_invite(any_store, invite, "ann", "hash") == "taken"
    assert account_links.accept_invite(any_store, invite, "bea", "hash-b") == "joined"
    assert accounts.get_admin(any_store, "bea").role == "owner"
    assert account_links.accept_invite(any_store, invite, "bee", "hash") == "used"
    reset = account_links.find(any_store, account_links.RESET, "r" * 64)
    assert account_links.use(any_store, reset) and not account_links.use(any_store, reset)
    account_links.add_reset(any_store, "s" * 64, ann_id, "ann@example.org", 60)
    assert account_links.find(any_store, account_links.RESET, "s" * 64, now=time.time() + 61) is None
    assert account_links.purge_expired(any_store, now=time.time() + 61) == 1
    assert accounts.set_password_hash(any_store, "ann", "new")
    account_links.add_reset(any_store, "t" * 64, ann_id, "ann@example.org", 60)
    accounts.set_password_hash(any_store, "ann", "newer")
    assert account_links.find(any_store, account_links.RESET, "t" * 64) is None, "a new password voids links"
