"""Login floods: throttles reserved before hashing, hashing bounded, a short progressive account lock, argon2id."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from argon2 import extract_parameters
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from werkzeug.security import generate_password_hash

from widget.admin import passwords
from widget.admin.passwords import create_admin, get_password_hash
from widget.admin.throttle import lock_seconds
from widget.schema import admins
from widget.state import get_state

from .conftest import Clock
from .support.admin_session import signed_in
from .support.leads import csrf_token

PASSWORD = "a calm long passphrase"


class HashSpy:
    """Count the real password hashes a login runs and how many ran at the same time."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[str] = []
        self.running = self.most = 0
        self.lock = threading.Lock()
        monkeypatch.setattr(passwords, "check_password_hash", self.wrap(passwords.check_password_hash))
        if hasattr(passwords, "HASHER"):
            monkeypatch.setattr(passwords, "HASHER", SpiedHasher(passwords.HASHER, self.wrap))

    def wrap(self, check: Callable[[str, str], bool]) -> Callable[[str, str], bool]:
        def spy(stored: str, password: str) -> bool:
            with self.lock:
                self.calls.append(stored)
                self.running += 1
                self.most = max(self.most, self.running)
            try:
                return check(stored, password)
            finally:
                with self.lock:
                    self.running -= 1

        return spy


class SpiedHasher:
    """The real argon2 PasswordHasher (its slots are read-only), with ``verify`` going through a spy."""

    def __init__(self, real: Any, wrap: Callable[..., Any]) -> None:
        self._real = real
        self.verify = wrap(real.verify)
        self.made = 0

    def hash(self, password: str) -> str:
        self.made += 1
        return self._real.hash(password)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@pytest.fixture
def admin_app(make_app: Callable[..., Flask]) -> Callable[..., Flask]:
    def build(**config: Any) -> Flask:
        app = make_app(**config)
        create_admin(get_state(app).store, "ann", PASSWORD)
        return app

    return build


def login_page(app: Flask, address: str) -> tuple[FlaskClient, str]:
    """Open the login page as a new browser from address; return it and the form's CSRF token."""
    client = app.test_client()
    return client, csrf_token(client.get("/admin/login", environ_base={"REMOTE_ADDR": address}).get_data(as_text=True))


def sign_in(page: tuple[FlaskClient, str], username: str, password: str, address: str) -> Any:
    client, token = page
    return client.post("/admin/login", data={"username": username, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def login(app: Flask, username: str, password: str, address: str = "10.0.0.1") -> Any:
    return sign_in(login_page(app, address), username, password, address)


def flood(app: Flask, attempts: int, spread_users: bool, spread_addresses: bool) -> list[Any]:
    """Send every wrong password at the same instant, each from its own client thread."""
    answers: list[Any] = [None] * attempts
    addresses = [f"10.9.{n // 250}.{n % 250 + 1}" if spread_addresses else "10.9.0.1" for n in range(attempts)]
    pages = [login_page(app, address) for address in addresses]  # the pages first: only the posts race
    start = threading.Barrier(attempts)

    def run(n: int) -> None:
        start.wait()
        answers[n] = sign_in(pages[n], f"user{n}" if spread_users else "ann", f"guess {n}", addresses[n])

    threads = [threading.Thread(target=run, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.mark.parametrize("spread_addresses", [False, True], ids=["one address", "30 addresses"])
def test_thirty_concurrent_guesses_at_one_account_are_mostly_refused_before_hashing(
        admin_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch, spread_addresses: bool) -> None:
    app = admin_app()  # defaults: 10 attempts a minute per address, 5 free failures per account
    spy = HashSpy(monkeypatch)
    answers = flood(app, 30, spread_users=False, spread_addresses=spread_addresses)
    codes = [answer.status_code for answer in answers]
    print(f"\n30 concurrent guesses ({'30 addresses' if spread_addresses else 'one address'}): "
          f"{len(spy.calls)} hashed, {codes.count(429)} refused before hashing")
    assert len(spy.calls) <= 6, "five free failures, and one more that starts the lock"
    assert codes.count(401) == len(spy.calls) and codes.count(429) == 30 - len(spy.calls)
    assert all(int(a.headers["Retry-After"]) >= 1 for a in answers if a.status_code == 429)


def test_concurrent_hashing_stays_within_the_memory_budget(
        admin_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch) -> None:
    app = admin_app()
    monkeypatch.setattr(passwords, "_DUMMY", [])  # the first unknown user makes it: once, not thirty times
    spy = HashSpy(monkeypatch)
    answers = flood(app, 30, spread_users=True, spread_addresses=True)
    codes = [answer.status_code for answer in answers]
    print(f"\n30 accounts from 30 addresses: {len(spy.calls)} hashed, at most {spy.most} at once, "
          f"{codes.count(429)} told to try again")
    assert spy.most <= 2, "two 64 MiB argon2id hashes fill the 128 MiB budget"
    assert passwords.HASHER.made == 1, "one dummy hash for every unknown user"
    assert set(codes) <= {401, 429} and codes.count(401) == len(spy.calls)
    busy = [answer for answer in answers if answer.status_code == 429]
    assert all(answer.headers["Retry-After"] == "2" for answer in busy)


def test_unknown_users_cost_the_same_hash_as_known_ones(
        admin_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch) -> None:
    app = admin_app()
    spy = HashSpy(monkeypatch)
    assert login(app, "ann", "not the password").status_code == 401
    assert login(app, "nobody", "not the password", "10.0.0.2").status_code == 401
    known, unknown = spy.calls
    assert known != unknown and extract_parameters(known) == extract_parameters(unknown)


def test_an_old_scrypt_hash_still_signs_in_and_is_upgraded_to_argon2id(admin_app: Callable[..., Flask]) -> None:
    app = admin_app()
    store = get_state(app).store
    with store.engine.begin() as conn:
        conn.execute(update(admins).values(password_hash=generate_password_hash(PASSWORD, "scrypt:131072:8:1")))
    elsewhere = signed_in(app.test_client())  # ann's other browser, signed in before the upgrade
    assert login(app, "ann", "not the password").status_code == 401
    assert get_password_hash(store, "ann").startswith("scrypt:"), "a wrong password changes nothing"
    assert login(app, "ann", PASSWORD).status_code == 302
    upgraded = get_password_hash(store, "ann")
    assert upgraded.startswith("$argon2id$") and not passwords.needs_rehash(upgraded)
    assert login(app, "ann", PASSWORD, "10.0.0.2").status_code == 302
    assert elsewhere.get("/admin/").status_code == 200, "the same password, rehashed: no session ends"


def test_the_lock_doubles_from_one_second_up_to_the_cap() -> None:
    assert [lock_seconds(n, 300) for n in range(12)] == [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    assert lock_seconds(10_000, 300) == 300


def test_each_failure_beyond_the_free_ones_locks_the_account_twice_as_long(admin_app: Callable[..., Flask],
                                                                          clock: Clock) -> None:
    app = admin_app(RTR_ADMIN_LOCK_AFTER=0, RTR_ADMIN_LOGIN_LIMIT="1000 per minute")
    assert login(app, "ann", "guess 1", "10.0.0.1").status_code == 401
    locked = login(app, "ann", PASSWORD, "10.0.0.2")
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "1", "locked for 1 s, from any address"
    clock.advance(1.05)
    assert login(app, "ann", "guess 2", "10.0.0.3").status_code == 401
    locked = login(app, "ann", PASSWORD, "10.0.0.4")
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "2"
    clock.advance(1.5)
    assert login(app, "ann", PASSWORD, "10.0.0.4").status_code == 429, "still locked half a second before the end"
    clock.advance(0.55)
    assert login(app, "ann", PASSWORD, "10.0.0.5").status_code == 302


def test_thirty_failed_logins_lock_an_account_for_seconds_not_an_hour(admin_app: Callable[..., Flask],
                                                                       clock: Clock) -> None:
    app = admin_app(RTR_ADMIN_LOCK_MAX_SECONDS=1, RTR_ADMIN_LOGIN_LIMIT="1000 per minute")
    codes = [login(app, "ann", f"guess {n}", f"10.0.1.{n + 1}").status_code for n in range(30)]
    assert set(codes) == {401, 429} and codes[:5] == [401] * 5
    assert login(app, "ann", PASSWORD, "10.0.2.1").status_code == 429
    clock.advance(1.05)
    assert login(app, "ann", PASSWORD, "10.0.2.1").status_code == 302, "the owner gets in once the cap is over"


def test_a_correct_password_clears_the_failures(admin_app: Callable[..., Flask]) -> None:
    app = admin_app(RTR_ADMIN_LOCK_AFTER=2, RTR_ADMIN_LOGIN_LIMIT="1000 per minute")
    assert [login(app, "ann", "guess", f"10.0.0.{n}").status_code for n in (1, 2)] == [401, 401]
    assert login(app, "ann", PASSWORD, "10.0.0.3").status_code == 302
    assert [login(app, "ann", "guess", f"10.0.0.{n}").status_code for n in (4, 5)] == [401, 401]


def test_the_per_address_limit_counts_every_attempt(admin_app: Callable[..., Flask]) -> None:
    app = admin_app(RTR_ADMIN_LOGIN_LIMIT="3 per minute")
    assert [login(app, "ann", PASSWORD).status_code for _ in range(3)] == [302, 302, 302]
    refused = login(app, "ann", PASSWORD)
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert login(app, "ann", PASSWORD, "10.0.0.2").status_code == 302


def test_logins_go_on_when_the_limit_storage_is_down(admin_app: Callable[..., Flask]) -> None:
    app = admin_app(RTR_RATELIMIT_STORAGE_URI="redis://127.0.0.1:1")
    assert login(app, "ann", "not the password").status_code == 401
    assert login(app, "ann", PASSWORD).status_code == 302
