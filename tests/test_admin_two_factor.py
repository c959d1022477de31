"""Two-factor sign-in: enrolment with a QR code drawn here, codes used once, recovery codes, a throttled
second step, owners requiring it, and turning it off."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
import segno
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from widget.admin import two_factor
from widget.admin.passwords import create_admin
from widget.queries.accounts import get_admin
from widget.queries.audit import entries
from widget.schema import admin_recovery_codes
from widget.state import get_state

from .support.admin_session import CSRF, csrf

PASSWORD = "a calm long passphrase"
FIELD = r'name="{}" type="hidden" value="([^"]*)"'




def password_step(client: FlaskClient, username: str = "ann", password: str = PASSWORD, query: str = "",
                  address: str = "127.0.0.1", **data: Any) -> Any:
    return client.post("/admin/login" + query, environ_base={"REMOTE_ADDR": address}, data={
        "username": username, "password": password, "csrf_token": csrf(client, "/admin/login"), **data})


def code_step(client: FlaskClient, code: str, address: str = "127.0.0.1") -> Any:
    token = csrf(client, "/admin/login/code")
    return client.post("/admin/login/code", data={"code": code, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def enrol(client: FlaskClient) -> tuple[str, list[str]]:
    """Set up two-factor on the signed-in client's account; return the secret and the recovery codes."""
    page = client.get("/admin/account/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    done = client.post("/admin/account/two-factor", data={
        "csrf_token": CSRF.search(page).group(1), "enrolment": re.search(FIELD.format("enrolment"), page).group(1),
        "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200, done.get_data(as_text=True)
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.get_data(as_text=True))
    return secret, codes


def _code_for_next_step(secret: str) -> str:
    """Return the code of the next 30-second step (accepted: clocks drift), unused so far."""
    return pyotp.TOTP(secret).at(time.time() + 30)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    app = make_app(RTR_PUBLIC_URL="https://widgets.example.org")
    create_admin(get_state(app).store, "ann", PASSWORD)
    create_admin(get_state(app).store, "sam", PASSWORD, role="staff")
    return app


@pytest.fixture
def ann(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert password_step(client).status_code == 302
    return client


def test_enrolment_shows_a_server_drawn_qr_code_of_the_secret_and_ten_recovery_codes(app: Flask,
                                                                                       ann: FlaskClient) -> None:
    response = ann.get("/admin/account/two-factor")
    page = response.get_data(as_text=True)
    secret = re.search(r'id="totp-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert len(secret) == 32, "160 bits"
    uri = ("otpauth://totp/Ready%20to%20Rebuild:ann%40widgets.example.org?"
           f"secret={secret}&issuer=Ready%20to%20Rebuild")
    expected = segno.make(uri, error="m").svg_inline(scale=1, border=4, dark="#000", light="#fff", omitsize=True,
                                                    svgclass="qr-code", lineclass=None)
    drawn = re.search(r"<svg .*?</svg>", page, re.S).group(0)
    assert re.sub(r"<title>.*?</title>", "", drawn).replace('role="img" focusable="false" ', "") == expected, \
        "the QR code encodes the same secret as the key shown, for this account"
    assert "http" not in drawn and "<img" not in page.split("<main")[1], "drawn here: no image service sees it"
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "img-src 'self' data:" in csp
    assert re.search(r"<script(?![^>]*\bsrc=)", page) is None and " style=" not in page

    wrong = ann.post("/admin/account/two-factor", data={
        "csrf_token": CSRF.search(page).group(1), "enrolment": re.search(FIELD.format("enrolment"), page).group(1),
        "code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"})
    assert wrong.status_code == 400 and "doesn&#39;t match" in wrong.get_data(as_text=True)
    assert secret in wrong.get_data(as_text=True).replace(" ", ""), "the same key, to try again"
    assert get_admin(get_state(app).store, "ann").totp_secret is None

    secret, codes = enrol(ann)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", code) for code in codes)
    store = get_state(app).store
    assert get_admin(store, "ann").totp_secret == secret
    with store.reading() as conn:
        stored = set(conn.execute(select(admin_recovery_codes.c.code_hash)).scalars())
    assert stored == {two_factor.recovery_hash(code) for code in codes} and not stored & set(codes), "hashed"
    assert ann.get("/admin/account").status_code == 200, "this browser stays signed in"
    assert "10 recovery codes" in ann.get("/admin/account").get_data(as_text=True)
    assert entries(store)[0][0].action == "admin.two_factor_on"


def test_turning_it_on_signs_out_every_other_browser(app: Flask, ann: FlaskClient) -> None:
    phone = app.test_client()
    password_step(phone)
    enrol(ann)
    assert phone.get("/admin/").location.startswith("/admin/login")
    assert ann.get("/admin/").status_code == 200


def test_an_enrolment_form_is_bound_to_its_admin(app: Flask, ann: FlaskClient) -> None:
    page = ann.get("/admin/account/two-factor").get_data(as_text=True)
    secret = re.search(r'id="totp-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    enrolment = re.search(FIELD.format("enrolment"), page).group(1)
    sam = app.test_client()
    password_step(sam, "sam")
    taken = sam.post("/admin/account/two-factor", data={
        "csrf_token": csrf(sam, "/admin/account/two-factor"), "enrolment": enrolment, "code": pyotp.TOTP(secret).now()})
    assert taken.status_code == 302
    assert get_admin(get_state(app).store, "sam").totp_secret is None, "someone else's key is not taken"


def test_sign_in_asks_for_a_code_and_each_code_works_once(app: Flask, ann: FlaskClient) -> None:
    secret, _codes = enrol(ann)
    browser = app.test_client()
    first = password_step(browser, query="?next=/admin/audit", next="/admin/audit")
    assert first.location == "/admin/login/code?next=/admin/audit"
    assert browser.get("/admin/").location.startswith("/admin/login"), "a password alone signs nobody in"
    assert "Enter your code" in browser.get(first.location).get_data(as_text=True)
    code = _code_for_next_step(secret)
    token = csrf(browser, first.location)
    signed = browser.post(first.location, data={"code": code[:3] + " " + code[3:], "csrf_token": token,
                                                "next": "/admin/audit"})
    assert signed.location == "/admin/audit"
    assert browser.get("/admin/").status_code == 200

    again = app.test_client()
    password_step(again)
    replayed = code_step(again, code)
    assert replayed.status_code == 401 and "doesn&#39;t match" in replayed.get_data(as_text=True), "used once"
    older = code_step(again, pyotp.TOTP(secret).now())
    assert older.status_code == 401, "an earlier step than one already used is spent too"
    assert get_admin(get_state(app).store, "ann").last_login_at is not None


def test_a_recovery_code_signs_in_once(app: Flask, ann: FlaskClient) -> None:
    _secret, codes = enrol(ann)
    browser = app.test_client()
    password_step(browser)
    response = code_step(browser, codes[3].upper().replace("-", " "))
    assert response.location == "/admin/"
    assert "9 recovery codes left" in browser.get("/admin/").get_data(as_text=True)
    other = app.test_client()
    password_step(other)
    assert code_step(other, codes[3]).status_code == 401, "spent"
    store = get_state(app).store
    [entry, *_] = entries(store)[0]
    assert (entry.actor, entry.action, entry.detail) == ("ann", "admin.login_recovery", "9 recovery codes left")


def test_the_second_step_is_throttled_and_a_right_password_does_not_reset_it(make_app: Callable[..., Flask]) -> None:
    app = make_app(RTR_ADMIN_LOCK_AFTER=2, RTR_ADMIN_LOGIN_LIMIT="1000 per minute")
    create_admin(get_state(app).store, "ann", PASSWORD)
    ann = app.test_client()
    password_step(ann)
    secret, _codes = enrol(ann)
    attacker = app.test_client()
    statuses = []
    for n in range(3):
        assert password_step(attacker, address=f"10.0.0.{n}").status_code == 302, "the password is known"
        statuses.append(code_step(attacker, f"{n:06d}", address=f"10.0.0.{n}").status_code)
    assert statuses == [401, 401, 401], "two free failures, then the third locks the code step"
    password_step(attacker)
    locked = code_step(attacker, _code_for_next_step(secret))
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "1"
    assert "Too many attempts" in locked.get_data(as_text=True)
    assert attacker.get("/admin/").status_code == 302


def test_the_second_step_expires(app: Flask, ann: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    secret, _codes = enrol(ann)
    browser = app.test_client()
    password_step(browser)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 301)
    late = browser.get("/admin/login/code")
    assert late.location == "/admin/login"
    assert browser.post("/admin/login/code", data={"code": _code_for_next_step(secret)}).location == "/admin/login"
    monkeypatch.undo()
    assert browser.get("/admin/").status_code == 302
    nobody = app.test_client()
    assert nobody.get("/admin/login/code").location == "/admin/login", "no password, no second step"


def test_owners_can_require_two_factor_and_then_admins_without_it_must_enrol(app: Flask, ann: FlaskClient) -> None:
    sam = app.test_client()
    password_step(sam, "sam")
    token = csrf(ann, "/admin/accounts")
    refused = ann.post("/admin/accounts/two-factor", data={"require": "y", "csrf_token": token})
    assert "for your own account first" in ann.get(refused.location).get_data(as_text=True)
    assert not two_factor.required(get_state(app).store)

    enrol(ann)
    ann.post("/admin/accounts/two-factor", data={"require": "y", "csrf_token": csrf(ann, "/admin/accounts")})
    assert two_factor.required(get_state(app).store)
    for path in ("/admin/leads", "/admin/account", "/admin/password", "/admin/leads.csv"):
        assert sam.get(path).location == "/admin/account/two-factor", path
    assert "requires two-factor sign-in" in sam.get("/admin/account/two-factor").get_data(as_text=True)
    fresh = app.test_client()
    assert password_step(fresh, "sam").location == "/admin/leads", "staff start in the inbox"
    assert fresh.get("/admin/leads").location == "/admin/account/two-factor"
    enrol(sam)
    assert sam.get("/admin/leads").status_code == 200
    off = sam.post("/admin/account/two-factor/off", data={"off-password": PASSWORD,
                                                          "off-csrf_token": csrf(sam, "/admin/account")})
    assert off.status_code == 302 and get_admin(get_state(app).store, "sam").totp_secret is not None, "required"


def test_turning_it_off_needs_the_password_and_signs_out_other_browsers(app: Flask, ann: FlaskClient) -> None:
    secret, _codes = enrol(ann)
    store = get_state(app).store
    phone = app.test_client()
    password_step(phone)
    assert code_step(phone, _code_for_next_step(secret)).location == "/admin/"
    token = csrf(ann, "/admin/account")
    wrong = ann.post("/admin/account/two-factor/off", data={"off-password": "not it", "off-csrf_token": token})
    assert wrong.status_code == 400 and "isn&#39;t your current password" in wrong.get_data(as_text=True)
    assert get_admin(store, "ann").totp_secret is not None
    off = ann.post("/admin/account/two-factor/off", data={"off-password": PASSWORD, "off-csrf_token": token})
    assert off.location == "/admin/account"
    assert get_admin(store, "ann").totp_secret is None
    assert phone.get("/admin/").status_code == 302 and ann.get("/admin/").status_code == 200
    with store.reading() as conn:
        assert conn.execute(select(admin_recovery_codes)).all() == []
    assert password_step(app.test_client()).location == "/admin/", "a password alone again"


def test_new_recovery_codes_void_the_old_ones(app: Flask, ann: FlaskClient) -> None:
    _secret, old = enrol(ann)
    token = csrf(ann, "/admin/account")
    response = ann.post("/admin/account/two-factor/recovery-codes",
                        data={"codes-password": PASSWORD, "codes-csrf_token": token})
    new = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    browser = app.test_client()
    password_step(browser)
    assert code_step(browser, old[0]).status_code == 401
    assert code_step(browser, new[0]).location == "/admin/"


def test_codes_within_one_step_of_now_are_accepted_and_others_not() -> None:
    secret, now = pyotp.random_base32(), 1_800_000_000.0
    totp = pyotp.TOTP(secret)
    step = totp.timecode(now)
    for offset, expected in ((-60, None), (-30, step - 1), (0, step), (30, step + 1), (60, None)):
        assert two_factor.matching_step(secret, totp.at(now + offset), now) == expected, offset
    assert two_factor.matching_step(secret, "12345", now) is None
    assert two_factor.matching_step(secret, "abcdef", now) is None
