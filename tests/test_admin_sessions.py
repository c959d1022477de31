"""Admin sessions live on the server: a copied cookie stops working at sign-out, at a new
password and when its admin is removed (``flask rtr remove-admin``)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from widget.admin.passwords import create_admin
from widget.housekeeping import forget_ended_sessions
from widget.queries.audit import entries
from widget.schema import admin_sessions
from widget.state import get_state

PASSWORD = "a calm long passphrase"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def admin_app(make_app: Callable[..., Flask]) -> Flask:
    app = make_app()
    store = get_state(app).store
    create_admin(store, "ann", PASSWORD)
    create_admin(store, "bob", PASSWORD)
    return app


def token(client: FlaskClient, path: str = "/admin/") -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def sign_in(app: Flask, username: str = "ann", password: str = PASSWORD) -> FlaskClient:
    """Sign a new browser in through the login form."""
    client = app.test_client()
    response = client.post("/admin/login", data={"username": username, "password": password,
                                                 "csrf_token": token(client, "/admin/login")})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def copy_cookie(source: FlaskClient, app: Flask) -> FlaskClient:
    """Return another browser holding a copy of source's admin cookie (as a thief would)."""
    cookie = source.get_cookie("rtr_admin", path="/admin")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("rtr_admin", cookie.value, path="/admin")
    return thief


def signed_in(client: FlaskClient) -> bool:
    response = client.get("/admin/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def sessions(app: Flask) -> int:
    with get_state(app).store.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(admin_sessions)).scalar_one())


def test_a_copied_cookie_stops_working_after_sign_out(admin_app: Flask) -> None:
    ann = sign_in(admin_app)
    thief = copy_cookie(ann, admin_app)
    assert signed_in(thief), "a copy works while the session lives (it is the same session)"
    assert ann.post("/admin/logout", data={"csrf_token": token(ann)}).location == "/admin/login"
    assert not signed_in(ann)
    assert not signed_in(thief)
    assert sessions(admin_app) == 0


def test_a_new_password_signs_out_every_browser_and_keeps_the_one_that_changed_it(admin_app: Flask) -> None:
    ann = sign_in(admin_app)
    thief = copy_cookie(ann, admin_app)
    phone = sign_in(admin_app)
    bob = sign_in(admin_app, "bob")
    new = "another calm passphrase"
    changed = ann.post("/admin/password", data={"current": PASSWORD, "password": new, "confirm": new,
                                                "csrf_token": token(ann, "/admin/password")})
    assert changed.status_code == 302
    assert signed_in(ann), "the browser that changed it stays in, with a fresh session"
    assert not signed_in(thief), "a copy of that browser's old cookie is out"
    assert not signed_in(phone)
    assert signed_in(bob), "other admins are not affected"
    assert sessions(admin_app) == 2
    sign_in(admin_app, password=new)


def test_removing_an_admin_signs_them_out_everywhere(admin_app: Flask) -> None:
    bob = sign_in(admin_app, "bob")
    thief = copy_cookie(bob, admin_app)
    ann = sign_in(admin_app)
    result = admin_app.test_cli_runner().invoke(args=["rtr", "remove-admin", " Bob "])
    assert result.exit_code == 0, result.output
    assert "Removed the admin 'bob'" in result.output
    assert not signed_in(bob) and not signed_in(thief)
    assert signed_in(ann)
    login = admin_app.test_client()
    refused = login.post("/admin/login", data={"username": "bob", "password": PASSWORD,
                                               "csrf_token": token(login, "/admin/login")})
    assert refused.status_code == 401
    [entry, *_] = entries(get_state(admin_app).store)[0]
    assert (entry.action, entry.actor, entry.detail) == ("admin.removed", "command line", "bob")


def test_the_last_owner_cant_be_removed(admin_app: Flask) -> None:
    runner = admin_app.test_cli_runner()
    assert runner.invoke(args=["rtr", "remove-admin", "bob"]).exit_code == 0
    result = runner.invoke(args=["rtr", "remove-admin", "ann"])
    assert result.exit_code == 2
    assert "'ann' is the only owner; make another admin an owner first" in result.output
    assert signed_in(sign_in(admin_app))
    staff = runner.invoke(args=["rtr", "create-admin", "carol", "--role", "staff", "--password-stdin"],
                          input=PASSWORD + "\n")
    assert staff.exit_code == 0 and "(staff)" in staff.output
    assert runner.invoke(args=["rtr", "remove-admin", "ann"]).exit_code == 2, "staff can't run the accounts"
    unknown = runner.invoke(args=["rtr", "remove-admin", "dave"])
    assert unknown.exit_code == 2 and "no admin called 'dave'" in unknown.output


def test_a_forged_or_foreign_cookie_signs_nobody_in(admin_app: Flask, make_app: Callable[..., Flask]) -> None:
    ann = sign_in(admin_app)
    value = ann.get_cookie("rtr_admin", path="/admin").value
    other = make_app(RTR_SECRET_KEY="another installation")
    create_admin(get_state(other).store, "ann", PASSWORD)
    stranger = other.test_client()
    stranger.set_cookie("rtr_admin", value, path="/admin")
    assert not signed_in(stranger), "signed for another installation"
    forger = admin_app.test_client()
    forger.set_cookie("rtr_admin", value[:-3] + "abc", path="/admin")
    assert not signed_in(forger)


def test_housekeeping_forgets_sessions_that_can_no_longer_sign_anyone_in(admin_app: Flask) -> None:
    stale, fresh = sign_in(admin_app), sign_in(admin_app, "bob")
    with get_state(admin_app).store.engine.begin() as conn:
        conn.execute(update(admin_sessions).where(admin_sessions.c.id == 1).values(seen_at=0.0))
    forget_ended_sessions(admin_app)
    assert sessions(admin_app) == 1
    assert not signed_in(stale) and signed_in(fresh)


def test_a_browser_whose_session_ended_signs_in_again_at_the_first_try(admin_app: Flask) -> None:
    ann = sign_in(admin_app)
    with get_state(admin_app).store.engine.begin() as conn:
        conn.execute(update(admin_sessions).values(seen_at=0.0))
    page = ann.get("/admin/login").get_data(as_text=True)
    again = ann.post("/admin/login", data={"username": "ann", "password": PASSWORD,
                                           "csrf_token": CSRF.search(page).group(1)})
    assert again.status_code == 302, "the login page's own token was refused"
    assert signed_in(ann)
