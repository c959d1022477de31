"""Password reset by an emailed one-time link: never says whether an account exists, links only on
RTR_PUBLIC_URL, short-lived, used once, and using one signs the account out everywhere."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from widget.admin.account_mail import wait_for_background
from widget.admin.passwords import check_password, create_admin, get_password_hash
from widget.queries.audit import entries
from widget.schema import admin_links
from widget.state import get_state

from .support.admin_session import CSRF, csrf
from .support.smtp import Received, SmtpServer

PASSWORD, NEW = "a calm long passphrase", "a brand new passphrase"
PUBLIC = "https://admin.harbor.example"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def mail_app(make_app: Callable[..., Flask], smtp: SmtpServer, **config: Any) -> Flask:
    app = make_app(RTR_SMTP_HOST="127.0.0.1", RTR_SMTP_PORT=smtp.port, RTR_SMTP_SECURITY="none",
                   RTR_MAIL_FROM="Harbor Light <admin@harbor.example>", **{"RTR_PUBLIC_URL": PUBLIC, **config})
    create_admin(get_state(app).store, "ann", PASSWORD, email="ann@harbor.example")
    return app


@pytest.fixture
def app(make_app: Callable[..., Flask], smtp: SmtpServer) -> Flask:
    return mail_app(make_app, smtp)




def ask(client: FlaskClient, email: str, base_url: str = "http://localhost", **kwargs: Any) -> Any:
    token = csrf(client, "/admin/reset", base_url)
    response = client.post("/admin/reset", data={"email": email, "csrf_token": token}, base_url=base_url, **kwargs)
    wait_for_background()
    return response


def link_in(message: Received) -> str:
    body = message.message.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+/admin/reset/\S+", body).group(0)


def sign_in(app: Flask, password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    response = client.post("/admin/login", data={"username": "ann", "password": password,
                                                 "csrf_token": csrf(client, "/admin/login")})
    assert response.status_code == 302
    return client


def test_the_answer_is_the_same_whether_or_not_an_account_uses_the_address(app: Flask, smtp: SmtpServer) -> None:
    known, unknown = app.test_client(), app.test_client()
    answers = [ask(client, email) for client, email in ((known, "Ann@Harbor.example"), (unknown, "bo@harbor.example"))]
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].location == answers[1].location == "/admin/login"
    pages = [client.get("/admin/login").get_data(as_text=True) for client in (known, unknown)]
    assert "If an admin account uses that address" in pages[0]
    assert pages[0].replace(csrf(known, "/admin/login"), "") != "" and \
        re.sub(CSRF, "", pages[0]) == re.sub(CSRF, "", pages[1])
    assert [m.rcpt_tos for m in smtp.received] == [["ann@harbor.example"]], "only a real account gets an email"
    message = smtp.received[0].message
    assert message["Subject"] == "Reset your Ready to Rebuild password"
    assert message["From"] == "Harbor Light <admin@harbor.example>"
    assert link_in(smtp.received[0]).startswith(f"{PUBLIC}/admin/reset/")


def test_the_link_is_on_the_public_url_whatever_host_the_request_names(app: Flask, smtp: SmtpServer) -> None:
    ask(app.test_client(), "ann@harbor.example", base_url="http://evil.example")
    ask(app.test_client(), "ann@harbor.example", headers={"X-Forwarded-Host": "evil.example"})
    assert len(smtp.received) == 1, "one email a minute per account"
    assert link_in(smtp.received[0]).startswith(f"{PUBLIC}/admin/reset/")
    assert "evil.example" not in smtp.received[0].data.decode()


def test_without_a_public_url_no_link_is_offered_or_sent(make_app: Callable[..., Flask], smtp: SmtpServer) -> None:
    app = mail_app(make_app, smtp, RTR_PUBLIC_URL="")
    client = app.test_client()
    page = client.get("/admin/reset").get_data(as_text=True)
    assert "isn't set up on this server" in page and "<form" not in page.split("<main")[1]
    client.post("/admin/reset", data={"email": "ann@harbor.example", "csrf_token": csrf(client, "/admin/login")})
    wait_for_background()
    assert smtp.received == []


def test_the_link_sets_a_new_password_once_and_signs_out_everywhere(app: Flask, smtp: SmtpServer) -> None:
    laptop = sign_in(app)
    ask(app.test_client(), "ann@harbor.example")
    path = link_in(smtp.received[0]).removeprefix(PUBLIC)
    browser = app.test_client()
    page = browser.get(path)
    assert page.status_code == 200 and "For the admin account <strong>ann</strong>" in page.get_data(as_text=True)
    short = browser.post(path, data={"password": "short", "confirm": "short", "csrf_token": csrf(browser, path)})
    assert short.status_code == 400 and "10 to 200 characters" in short.get_data(as_text=True)
    done = browser.post(path, data={"password": NEW, "confirm": NEW, "csrf_token": csrf(browser, path)})
    assert done.location == "/admin/login"
    assert check_password(get_password_hash(get_state(app).store, "ann"), NEW)
    assert laptop.get("/admin/").status_code == 302, "every session ended"
    assert browser.get(path).status_code == 404, "used once"
    assert "no longer works" in browser.get(path).get_data(as_text=True)
    sign_in(app, NEW)
    actions = [(e.actor, e.action) for e in entries(get_state(app).store)[0]]
    assert ("ann", "admin.password_reset") in actions and ("ann", "admin.reset_requested") in actions


def test_links_expire_and_a_newer_link_or_password_voids_older_ones(make_app: Callable[..., Flask],
                                                                     smtp: SmtpServer) -> None:
    app = mail_app(make_app, smtp, RTR_ADMIN_RESET_SECONDS=600)
    store = get_state(app).store
    ask(app.test_client(), "ann@harbor.example")
    first = link_in(smtp.received[0]).removeprefix(PUBLIC)
    with store.engine.begin() as conn:
        conn.execute(update(admin_links).values(created_at=time.time() - 120))
    ask(app.test_client(), "ann@harbor.example")
    second = link_in(smtp.received[1]).removeprefix(PUBLIC)
    client = app.test_client()
    assert client.get(first).status_code == 404, "replaced by the newer link"
    assert client.get(second).status_code == 200
    with store.engine.begin() as conn:
        conn.execute(update(admin_links).values(expires_at=time.time() - 1))
    assert client.get(second).status_code == 404, "expired"
    with store.engine.begin() as conn:
        conn.execute(update(admin_links).values(expires_at=time.time() + 600, created_at=0))
    laptop = sign_in(app)
    laptop.post("/admin/password", data={"current": PASSWORD, "password": NEW, "confirm": NEW,
                                         "csrf_token": csrf(laptop, "/admin/password")})
    assert client.get(second).status_code == 404, "a new password voids open links"
    assert client.get("/admin/reset/not-a-token").status_code == 404


def test_requests_count_against_the_sign_in_limit_per_address(make_app: Callable[..., Flask],
                                                              smtp: SmtpServer) -> None:
    app = mail_app(make_app, smtp, RTR_ADMIN_LOGIN_LIMIT="2 per minute")
    client = app.test_client()
    assert [ask(client, f"x{n}@harbor.example").status_code for n in range(2)] == [302, 302]
    limited = ask(client, "ann@harbor.example")
    assert limited.status_code == 429 and "Too many attempts" in limited.get_data(as_text=True)
    assert 'value="ann@harbor.example"' in limited.get_data(as_text=True), "what they typed is kept"
    assert smtp.received == []


def test_a_bad_address_is_named_on_the_form(app: Flask) -> None:
    client = app.test_client()
    response = client.post("/admin/reset", data={"email": "not an address", "csrf_token": csrf(client, "/admin/reset")})
    assert response.status_code == 400 and "Enter an email address like" in response.get_data(as_text=True)


def test_changing_your_address_needs_your_password_and_voids_open_links(app: Flask, smtp: SmtpServer) -> None:
    ask(app.test_client(), "ann@harbor.example")
    path = link_in(smtp.received[0]).removeprefix(PUBLIC)
    ann = sign_in(app)
    token = csrf(ann, "/admin/account")
    wrong = ann.post("/admin/account/email", data={"email": "ann@new.example", "password": "guess",
                                                   "csrf_token": token})
    assert wrong.status_code == 400 and "isn&#39;t your current password" in wrong.get_data(as_text=True)
    assert 'value="ann@new.example"' in wrong.get_data(as_text=True), "what was typed is kept"
    done = ann.post("/admin/account/email", data={"email": "Ann@New.example", "password": PASSWORD,
                                                  "csrf_token": token})
    assert done.location == "/admin/account"
    assert 'value="ann@new.example"' in ann.get("/admin/account").get_data(as_text=True)
    assert app.test_client().get(path).status_code == 404, "a link sent to the old address stops working"
    ask(app.test_client(), "ann@new.example")
    assert smtp.received[-1].rcpt_tos == ["ann@new.example"]
