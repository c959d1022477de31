"""After signing in, ``next`` leads only to our own admin: known open-redirect bypasses, browser included."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget.admin.next_url import safe_next
from widget.admin.passwords import create_admin
from widget.state import get_state

from .support.admin_pages import read_form
from .support.admin_session import signed_in
from .support.host_pages import browser_page
from .support.servers import ServerThread

USER, PASSWORD = "ann", "a calm long passphrase"
#: ``next`` as the login view reads it (already percent-decoded once by the query string).
BYPASSES = [
    "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/\n/x", "\t//evil.example",
    " //evil.example", "/\x00/evil.example", "/\u3000/evil.example", "/\u2028/evil.example",
    "//evil.example", "///evil.example", "////evil.example/admin/", "//evil.example/admin/",
    "/\\evil.example", "\\\\evil.example", "/\\/evil.example", "\\/evil.example", "/admin\\@evil.example",
    "/%2F/evil.example", "/%2f%2fevil.example", "%2F%2Fevil.example", "/%5Cevil.example", "/%09/evil.example",
    "/%0a/x", "/admin/%2e%2e/%2e%2e//evil.example", "/admin/../..//evil.example", "/admin/./../x",
    "https://evil.example", "https:evil.example", "http:/evil.example", "HTTPS://evil.example/admin/",
    "//evil.example@localhost/admin/", "javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "/evil", "/w/demo", "admin/audit", "?next=/admin/", "",
    "http://localhost/admin/", "/admin/%E2%80%A8/x",
]
GOOD = ["/admin/audit", "/admin/widgets/demo", "/admin/leads?status=new&q=Maya+Reyes", "/admin/", "/admin"]


@pytest.fixture
def admin_app(make_app: Callable[..., Flask]) -> Flask:
    app = make_app(RTR_ADMIN_LOGIN_LIMIT="1000 per minute")
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    create_admin(get_state(app).store, USER, PASSWORD)
    return app


def log_in_through_the_form(client: FlaskClient, next_value: str) -> str:
    """Open the login page with ``?next=``, submit its form as a browser would; return Location."""
    page = client.get("/admin/login", query_string={"next": next_value})
    assert page.status_code == 200
    fields = read_form(page.get_data(as_text=True), None)
    fields.update(username=USER, password=PASSWORD)
    response = client.post("/admin/login", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response.headers["Location"]


@pytest.mark.parametrize("target", BYPASSES)
def test_no_bypass_leaves_the_admin_through_the_login_form(admin_app: Flask, target: str) -> None:
    assert log_in_through_the_form(admin_app.test_client(), target) == "/admin/"


@pytest.mark.parametrize("target", BYPASSES)
def test_no_bypass_leaves_the_admin_when_already_signed_in(admin_app: Flask, target: str) -> None:
    response = signed_in(admin_app.test_client()).get("/admin/login", query_string={"next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"


@pytest.mark.parametrize("target", GOOD)
def test_own_admin_paths_are_kept(admin_app: Flask, target: str) -> None:
    assert log_in_through_the_form(admin_app.test_client(), target) == target


def test_the_redirect_follows_the_url_prefix() -> None:
    assert safe_next("/rtr/admin/audit", "/rtr/admin/") == "/rtr/admin/audit"
    assert safe_next("/admin/audit", "/rtr/admin/") is None
    assert safe_next("/rtr/admin/audit#frag", "/rtr/admin/") == "/rtr/admin/audit"


@pytest.mark.browser
@pytest.mark.parametrize("target", ["/\t/evil.example", "/\\evil.example", "/%2F/evil.example", "//evil.example"])
def test_the_browser_stays_on_our_admin_after_signing_in(admin_app: Flask, browser: object, target: str) -> None:
    with ServerThread(admin_app) as server, browser_page(browser) as page:
        base = server.url()
        page.goto(f"{base}/admin/login?next={quote(target, safe='')}")
        page.get_by_label("Username").fill(USER)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        page.wait_for_url(re.compile(".*"))
        landed = page.url
    assert landed == f"{base}/admin/", landed
