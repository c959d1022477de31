"""Invitations: an owner emails a one-time link; its holder chooses a username and password and gets the
role and address the owner chose. Links expire, work once, and can be withdrawn."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from widget.queries.accounts import get_admin
from widget.queries.audit import entries
from widget.schema import admin_links
from widget.state import get_state

from .support.admin_session import csrf, signed_in
from .support.smtp import Received, SmtpServer

PASSWORD = "a calm long passphrase"
PUBLIC = "https://admin.harbor.example"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def app(make_app: Callable[..., Flask], smtp: SmtpServer) -> Flask:
    return make_app(RTR_SMTP_HOST="127.0.0.1", RTR_SMTP_PORT=smtp.port, RTR_SMTP_SECURITY="none",
                    RTR_PUBLIC_URL=PUBLIC)


@pytest.fixture
def owner(app: Flask) -> FlaskClient:
    return signed_in(app.test_client(), "ann")




def invite(owner: FlaskClient, email: str, role: str = "staff") -> Any:
    return owner.post("/admin/accounts/invite", data={"email": email, "role": role,
                                                      "csrf_token": csrf(owner, "/admin/accounts")})


def link_in(message: Received) -> str:
    body = message.message.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+/admin/invite/\S+", body).group(0).removeprefix(PUBLIC)


def accept(client: FlaskClient, path: str, username: str = "sam", password: str = PASSWORD) -> Any:
    return client.post(path, data={"username": username, "password": password, "confirm": password,
                                   "csrf_token": csrf(client, path)})


def test_an_invitation_is_emailed_and_makes_an_account_with_the_chosen_role(app: Flask, owner: FlaskClient,
                                                                            smtp: SmtpServer) -> None:
    sent = invite(owner, "Sam@Harbor.example")
    assert sent.status_code == 200 and "Invitation sent" in sent.get_data(as_text=True)
    assert PUBLIC not in sent.get_data(as_text=True), "the link goes only to the invitee"
    [message] = smtp.received
    assert message.rcpt_tos == ["sam@harbor.example"]
    assert "ann invited you" in message.message.get_body(("plain",)).get_content()
    path = link_in(message)
    assert "sam@harbor.example" in owner.get("/admin/accounts").get_data(as_text=True), "listed as waiting"

    invitee = app.test_client()
    page = invitee.get(path).get_data(as_text=True)
    assert "ann invited <strong>sam@harbor.example</strong> as" in page and "staff" in page
    assert accept(invitee, path, "Sam Smith").status_code == 400, "no spaces"
    joined = accept(invitee, path, "Sam")
    assert joined.location == "/admin/leads"
    assert invitee.get("/admin/leads").status_code == 200 and invitee.get("/admin/").status_code == 403
    sam = get_admin(get_state(app).store, "sam")
    assert (sam.role, sam.email) == ("staff", "sam@harbor.example") and sam.last_login_at
    assert app.test_client().get(path).status_code == 404, "used once"
    assert 'id="invites"' not in owner.get("/admin/accounts").get_data(as_text=True), "no longer waiting"
    actions = [(e.actor, e.action, e.detail) for e in entries(get_state(app).store)[0]]
    assert ("ann", "admin.invited", "sam@harbor.example as staff") in actions
    assert ("sam", "admin.joined", "invited by ann as staff") in actions


def test_an_owner_invitation_makes_an_owner(app: Flask, owner: FlaskClient, smtp: SmtpServer) -> None:
    invite(owner, "bea@harbor.example", "owner")
    invitee = app.test_client()
    assert accept(invitee, link_in(smtp.received[0]), "bea").location == "/admin/"
    assert get_admin(get_state(app).store, "bea").role == "owner"


def test_a_taken_username_keeps_the_link_usable(app: Flask, owner: FlaskClient, smtp: SmtpServer) -> None:
    invite(owner, "sam@harbor.example")
    path = link_in(smtp.received[0])
    client = app.test_client()
    taken = accept(client, path, "ann")
    assert taken.status_code == 400 and "already an admin called ann" in taken.get_data(as_text=True)
    assert accept(client, path, "sam").status_code == 302


def test_invitations_expire_and_can_be_withdrawn(app: Flask, owner: FlaskClient, smtp: SmtpServer) -> None:
    store = get_state(app).store
    invite(owner, "sam@harbor.example")
    invite(owner, "bea@harbor.example")
    sam_path, bea_path = link_in(smtp.received[0]), link_in(smtp.received[1])
    with store.engine.begin() as conn:
        conn.execute(update(admin_links).where(admin_links.c.email == "sam@harbor.example")
                     .values(expires_at=time.time() - 1))
    assert app.test_client().get(sam_path).status_code == 404
    page = owner.get("/admin/accounts").get_data(as_text=True)
    link_id = re.search(r'action="/admin/accounts/invites/(\d+)/revoke"', page).group(1)
    owner.post(f"/admin/accounts/invites/{link_id}/revoke", data={"csrf_token": csrf(owner, "/admin/accounts")})
    assert app.test_client().get(bea_path).status_code == 404
    assert app.test_client().post(bea_path, data={"username": "bea", "password": PASSWORD,
                                                  "confirm": PASSWORD}).status_code == 404
    assert get_admin(store, "bea") is None
    assert entries(store)[0][0].action == "admin.invite_revoked"


def test_a_second_invitation_to_the_same_address_replaces_the_first(app: Flask, owner: FlaskClient,
                                                                    smtp: SmtpServer) -> None:
    invite(owner, "sam@harbor.example")
    invite(owner, "sam@harbor.example", "owner")
    first, second = (link_in(m) for m in smtp.received)
    assert app.test_client().get(first).status_code == 404
    accept(app.test_client(), second)
    assert get_admin(get_state(app).store, "sam").role == "owner"


def test_an_address_an_admin_already_has_is_refused(app: Flask, owner: FlaskClient, smtp: SmtpServer) -> None:
    invite(owner, "sam@harbor.example")
    accept(app.test_client(), link_in(smtp.received[0]))
    again = invite(owner, "SAM@harbor.example")
    assert again.status_code == 400 and "An admin already uses this address." in again.get_data(as_text=True)
    assert 'value="SAM@harbor.example"' in again.get_data(as_text=True), "what was typed is kept"
    bad = invite(owner, "sam at harbor")
    assert bad.status_code == 400 and "Enter an email address like" in bad.get_data(as_text=True)
    assert len(smtp.received) == 1


def test_without_an_email_server_the_owner_gets_the_link_to_pass_on(make_app: Callable[..., Flask]) -> None:
    app = make_app(RTR_PUBLIC_URL=PUBLIC)
    owner = signed_in(app.test_client(), "ann")
    page = invite(owner, "sam@harbor.example").get_data(as_text=True)
    assert "The invitation email was not sent" in page and "no email server is set up" in page
    path = re.search(r'id="invite-link">([^<]+)<', page).group(1).removeprefix(PUBLIC)
    assert accept(app.test_client(), path).location == "/admin/leads"


def test_without_a_public_url_the_link_names_the_address_the_owner_used(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    owner = signed_in(app.test_client(), "ann")
    page = owner.post("/admin/accounts/invite", base_url="http://localhost:8000", data={
        "email": "sam@harbor.example", "role": "staff",
        "csrf_token": csrf(owner, "/admin/accounts", "http://localhost:8000")}).get_data(as_text=True)
    assert re.search(r'id="invite-link">http://localhost:8000/admin/invite/', page)
