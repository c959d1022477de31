"""Roles: owners run everything, staff only the inbox, enforced on the server for every admin endpoint;
the accounts page changes roles and removes admins, never the last owner."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget.queries.accounts import get_admin, note_sign_in, set_role
from widget.queries.audit import entries
from widget.state import get_state

from .support.admin_session import csrf, signed_in


def test_staff_see_only_the_inbox_in_the_nav_and_start_there(app: Flask) -> None:
    staff = signed_in(app.test_client(), "sam", role="staff")
    page = staff.get("/admin/leads").get_data(as_text=True)
    nav = re.search(r'<nav class="nav".*?</nav>', page, re.S).group(0)
    assert re.findall(r'<a href="([^"]+)"', nav) == ["/admin/leads", "/admin/spam", "/admin/account"]
    assert 'class="brand" href="/admin/leads"' in page
    owner_nav = re.search(r'<nav class="nav".*?</nav>', signed_in(app.test_client()).get("/admin/").get_data(
        as_text=True), re.S).group(0)
    assert re.findall(r'<a href="([^"]+)"', owner_nav) == [
        "/admin/", "/admin/leads", "/admin/spam", "/admin/audit", "/admin/people", "/admin/smtp", "/admin/accounts",
        "/admin/account"]


def test_a_role_change_takes_effect_on_the_next_request(app: Flask) -> None:
    store = get_state(app).store
    signed_in(app.test_client(), "ann")
    sam = signed_in(app.test_client(), "sam", role="staff")
    assert sam.get("/admin/widgets/demo").status_code == 403
    set_role(store, "sam", "owner")
    assert sam.get("/admin/widgets/demo").status_code == 200
    set_role(store, "sam", "staff")
    assert sam.get("/admin/widgets/demo").status_code == 403


# The accounts page ---------------------------------------------------------------------------------

@pytest.fixture
def owner(app: Flask) -> FlaskClient:
    return signed_in(app.test_client(), "ann")


def _role(owner: FlaskClient, admin_id: int, role: str) -> str:
    token = csrf(owner, "/admin/accounts")
    response = owner.post(f"/admin/accounts/{admin_id}/role",
                          data={f"admin{admin_id}-role": role, f"admin{admin_id}-csrf_token": token})
    assert response.status_code == 302
    return owner.get(response.location).get_data(as_text=True)


def test_the_accounts_page_lists_admins_with_role_two_factor_and_last_sign_in(app: Flask, owner: FlaskClient) -> None:
    signed_in(app.test_client(), "sam", role="staff")
    note_sign_in(get_state(app).store, get_admin(get_state(app).store, "ann").id, now=1_700_000_000)
    page = owner.get("/admin/accounts").get_data(as_text=True)
    items = re.findall(r'<li class="card account-item">\s*<h2>(\w+)(.*?)</li>', page, re.S)
    assert [name for name, _ in items] == ["ann", "sam"]
    ann, sam = (item for _, item in items)
    assert "(you)" in ann and '<option selected value="owner">' in ann and ">2023-11-14 22:13 UTC</time>" in ann
    assert '<option selected value="staff">' in sam and ">Off<" in sam and "<dd>never</dd>" in sam


def test_owners_change_roles_but_never_leave_no_owner(app: Flask, owner: FlaskClient) -> None:
    store = get_state(app).store
    sam = signed_in(app.test_client(), "sam", role="staff")
    ann_id, sam_id = get_admin(store, "ann").id, get_admin(store, "sam").id
    page = _role(owner, ann_id, "staff")
    assert "There must always be an owner" in page and get_admin(store, "ann").role == "owner"
    _role(owner, sam_id, "owner")
    assert get_admin(store, "sam").role == "owner" and sam.get("/admin/accounts").status_code == 200
    response = owner.post(f"/admin/accounts/{ann_id}/role", data={
        f"admin{ann_id}-role": "staff", f"admin{ann_id}-csrf_token": csrf(owner, "/admin/accounts")})
    assert response.location == "/admin/leads", "an owner who made themselves staff lands in the inbox"
    assert owner.get("/admin/accounts").status_code == 403
    refused = owner.post(f"/admin/accounts/{sam_id}/role", data={f"admin{sam_id}-role": "bogus"})
    assert refused.status_code == 403
    actions = [(e.actor, e.action, e.detail) for e in entries(store)[0]]
    assert ("ann", "admin.role", "sam: owner") in actions and ("ann", "admin.role", "ann: staff") in actions


def test_role_and_removal_forms_need_their_csrf_token(app: Flask, owner: FlaskClient) -> None:
    store = get_state(app).store
    signed_in(app.test_client(), "sam", role="staff")
    sam_id = get_admin(store, "sam").id
    owner.post(f"/admin/accounts/{sam_id}/role", data={f"admin{sam_id}-role": "owner"})
    assert get_admin(store, "sam").role == "staff"
    assert owner.post(f"/admin/accounts/{sam_id}/remove").status_code == 400
    assert get_admin(store, "sam") is not None


def test_removing_an_admin_on_the_page_signs_them_out_everywhere(app: Flask, owner: FlaskClient) -> None:
    store = get_state(app).store
    sam = signed_in(app.test_client(), "sam", role="staff")
    thief = app.test_client()
    thief.set_cookie("rtr_admin", sam.get_cookie("rtr_admin", path="/admin").value, path="/admin")
    assert thief.get("/admin/leads").status_code == 200
    sam_id = get_admin(store, "sam").id
    confirm = owner.get(f"/admin/accounts/{sam_id}/remove")
    assert confirm.status_code == 200 and "Remove sam?" in confirm.get_data(as_text=True)
    token = csrf(owner, f"/admin/accounts/{sam_id}/remove")
    done = owner.post(f"/admin/accounts/{sam_id}/remove", data={"csrf_token": token})
    assert done.location == "/admin/accounts"
    assert get_admin(store, "sam") is None
    for browser in (sam, thief):
        assert browser.get("/admin/leads").location.startswith("/admin/login")
    assert ("ann", "admin.removed", "sam") in [(e.actor, e.action, e.detail) for e in entries(store)[0]]


def test_the_last_owner_cant_be_removed_on_the_page(app: Flask, owner: FlaskClient) -> None:
    store = get_state(app).store
    signed_in(app.test_client(), "sam", role="staff")
    ann_id = get_admin(store, "ann").id
    response = owner.post(f"/admin/accounts/{ann_id}/remove",
                          data={"csrf_token": csrf(owner, f"/admin/accounts/{ann_id}/remove")})
    assert "There must always be an owner" in owner.get(response.location).get_data(as_text=True)
    assert get_admin(store, "ann") is not None and owner.get("/admin/").status_code == 200


def test_an_owner_who_removes_themselves_is_signed_out(app: Flask, owner: FlaskClient) -> None:
    store = get_state(app).store
    signed_in(app.test_client(), "bea")
    ann_id = get_admin(store, "ann").id
    response = owner.post(f"/admin/accounts/{ann_id}/remove",
                          data={"csrf_token": csrf(owner, f"/admin/accounts/{ann_id}/remove")})
    assert response.location == "/admin/login"
    assert owner.get("/admin/").status_code == 302 and get_admin(store, "ann") is None


@pytest.mark.parametrize("path", ["/admin/accounts/999/remove", "/admin/accounts/999/role"])
def test_unknown_admins_are_404(owner: FlaskClient, path: str) -> None:
    assert owner.post(path, data={"csrf_token": csrf(owner, "/admin/accounts")}).status_code == 404


def test_staff_pages_offer_no_links_staff_cant_follow(app: Flask) -> None:
    staff = signed_in(app.test_client(), "sam", role="staff")
    owner = signed_in(app.test_client(), "ann")
    assert "/admin/widgets/demo/stats" in owner.get("/admin/leads?widget=demo").get_data(as_text=True)
    page = staff.get("/admin/leads?widget=demo").get_data(as_text=True)
    for link in re.findall(r'href="(/admin/[^"]*)"', page):
        with staff.get(link) as response:
            assert response.status_code != 403, link
