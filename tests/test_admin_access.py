"""Admin access: first-run setup, create-admin, password hashing, login throttling, sessions, headers, CSRF."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from argon2 import extract_parameters
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from widget.admin.first_run import TOKEN_FILE, setup_token
from widget.admin.passwords import check_password, create_admin, get_password_hash, hash_password
from widget.queries.accounts import get_admin
from widget.queries.widgets import get_widget, list_widgets
from widget.schema import admin_sessions
from widget.state import get_state

from .conftest import Clock
from .support.admin_session import signed_in
from .support.leads import add, public_id_of

PASSWORD = "a calm long passphrase"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
#: What anyone may open: signing in (both steps), first-run setup, an invitation, a password reset.
PUBLIC_ENDPOINTS = {"rtr_admin.login", "rtr_admin.login_code", "rtr_admin.setup", "rtr_admin.static",
                    "rtr_admin.accept_invite", "rtr_admin.reset_request", "rtr_admin.reset_password"}
#: What staff may use: the inbox (requests, a request's page and its buttons, the CSV), their own account.
STAFF_ENDPOINTS = {
    "rtr_admin.inbox", "rtr_admin.lead_detail", "rtr_admin.replay_delivery", "rtr_admin.mark_contacted",
    "rtr_admin.delete_lead", "rtr_admin.export_csv", "rtr_admin.mark_handled",
    "rtr_admin.spam", "rtr_admin.release_spam", "rtr_admin.delete_spam",
    "rtr_admin.account", "rtr_admin.account_email", "rtr_admin.password", "rtr_admin.two_factor",
    "rtr_admin.two_factor_off", "rtr_admin.recovery_codes", "rtr_admin.logout",
}


def count_rows(app: Flask, table: Any) -> int:
    with get_state(app).store.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def csrf(client: FlaskClient, url: str) -> str:
    match = CSRF_RE.search(client.get(url).get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def sign_in(client: FlaskClient, username: str = "ann") -> None:
    """Put an admin session on the client (the login form itself is tested separately)."""
    signed_in(client, username)


def login(client: FlaskClient, username: str, password: str, **kwargs: Any) -> Any:
    """Sign in through the login form, as a browser does: load it, then post it with its CSRF token."""
    page = client.get("/admin/login", base_url=kwargs.get("base_url", "http://localhost"))
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    data = {"username": username, "password": password, "csrf_token": token, **kwargs.pop("data", {})}
    return client.post(kwargs.pop("path", "/admin/login"), data=data, **kwargs)


# Every admin route needs a login -------------------------------------------------------------

def _admin_requests(app: Flask, lead: str = "1") -> list[tuple[str, str, str]]:
    """Return (endpoint, method, path) for every admin endpoint but the public ones."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("rtr_admin.") or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        values = {name: ("demo" if "widget" in name else lead if name == "lead_id" else "1") for name in rule.arguments}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, rule.build(values)[1]))
    return found


def test_every_admin_endpoint_refuses_anonymous_requests(app: Flask) -> None:
    client = app.test_client()
    checked = []
    for endpoint, method, path in _admin_requests(app):
        response = client.open(path, method=method)
        assert response.status_code in (302, 401, 403), (endpoint, method, response.status_code)
        if response.status_code == 302:
            assert response.location.startswith("/admin/login"), (endpoint, response.location)
        checked.append(f"{method} {endpoint}")
    expected = {"rtr_admin.widgets", "rtr_admin.new_widget", "rtr_admin.edit_widget", "rtr_admin.preview",
                "rtr_admin.smtp", "rtr_admin.audit", "rtr_admin.password", "rtr_admin.logout", "rtr_admin.accounts",
                "rtr_admin.invite", "rtr_admin.remove_account", "rtr_admin.account", "rtr_admin.two_factor"}
    assert expected <= {entry.split(" ")[1] for entry in checked}
    print(f"\n{len(checked)} admin endpoint/method pairs refuse anonymous requests")


def test_staff_are_refused_every_owner_only_endpoint_with_a_kind_page(app: Flask) -> None:
    store = get_state(app).store
    lead = public_id_of(store, add(store, get_widget(store, "demo")))
    staff = signed_in(app.test_client(), "sam", role="staff")
    refused, allowed = set(), set()
    for endpoint, method, path in _admin_requests(app, lead):
        response = staff.open(path, method=method)
        if endpoint in STAFF_ENDPOINTS:
            assert response.status_code != 403, (endpoint, method)
            allowed.add(endpoint)
            continue
        assert response.status_code == 403, (endpoint, method, response.status_code)
        page = response.get_data(as_text=True)
        assert "This page is for the practice's owners" in page and 'href="/admin/leads"' in page, endpoint
        refused.add(endpoint)
    assert allowed == STAFF_ENDPOINTS
    assert {"rtr_admin.widgets", "rtr_admin.edit_widget", "rtr_admin.smtp", "rtr_admin.audit", "rtr_admin.accounts",
            "rtr_admin.invite", "rtr_admin.change_role", "rtr_admin.remove_account", "rtr_admin.preview",
            "rtr_admin.stats", "rtr_admin.require_two_factor"} <= refused
    assert get_widget(store, "demo").version == 1, "nothing changed"
    assert staff.get("/admin/leads").status_code == 200, "still signed in"
    print(f"\n{len(refused)} owner-only endpoints refuse staff; {len(allowed)} are theirs")


def test_owners_may_use_every_endpoint(app: Flask) -> None:
    store = get_state(app).store
    owner = signed_in(app.test_client())
    for endpoint, method, path in _admin_requests(app, public_id_of(store, add(store, get_widget(store, "demo")))):
        assert owner.open(path, method=method).status_code != 403, endpoint


def test_login_redirect_keeps_where_you_were_going_but_never_off_site(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/admin/audit").location == "/admin/login?next=/admin/audit"
    with app.app_context():
        create_admin(get_state(app).store, "ann", PASSWORD)
    assert login(client, "ann", PASSWORD, query_string={"next": "//evil.example/x"}).location == "/admin/"
    client.post("/admin/logout", data={"csrf_token": csrf(client, "/admin/")})
    response = login(client, "ANN", PASSWORD, path="/admin/login?next=/admin/audit", data={"next": "/admin/audit"})
    assert response.location == "/admin/audit"


# First run -----------------------------------------------------------------------------------

def test_first_run_token_is_printed_in_the_log_and_creates_the_first_admin(
        make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        app = make_app(RTR_PUBLIC_URL="https://widgets.example.org")
    token = setup_token(app)
    assert f"https://widgets.example.org/admin/setup?token={token}" in caplog.text
    client = app.test_client()
    assert client.get("/admin/setup").status_code == 403
    assert client.get("/admin/setup?token=wrong").status_code == 403
    page = client.get(f"/admin/setup?token={token}")
    assert page.status_code == 200
    form = {"csrf_token": CSRF_RE.search(page.get_data(as_text=True)).group(1), "token": token,
            "username": "Ann", "email": "Ann@Example.org", "password": PASSWORD, "confirm": PASSWORD}
    assert client.post("/admin/setup", data={**form, "confirm": "something else"}).status_code == 400
    no_address = client.post("/admin/setup", data={**form, "email": "ann at example"})
    assert no_address.status_code == 400 and "Enter an email address like" in no_address.get_data(as_text=True)
    assert client.post("/admin/setup", data={**form, "token": "guess"}).status_code == 403
    response = client.post("/admin/setup", data=form)
    assert response.status_code == 302 and response.location == "/admin/"
    assert client.get("/admin/").status_code == 200
    ann = get_admin(get_state(app).store, "ann")
    assert (ann.role, ann.email) == ("owner", "ann@example.org"), "the first admin is an owner, with an address"
    assert (app.instance_path + "/" + TOKEN_FILE) not in [str(p) for p in __import__("pathlib").Path(
        app.instance_path).iterdir()]
    # One time only: the same link now leads to the login page and creates nobody.
    other = app.test_client()
    assert other.get(f"/admin/setup?token={token}").location == "/admin/login"
    assert other.post("/admin/setup", data=form).location == "/admin/login"


def test_setup_refuses_a_post_without_its_csrf_token(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    token = setup_token(app)
    response = app.test_client().post("/admin/setup", data={"token": token, "username": "ann",
                                                            "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    with app.app_context():
        assert get_password_hash(get_state(app).store, "ann") is None


def test_create_admin_reads_the_password_from_stdin(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["rtr", "create-admin", "Bob", "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "Created the admin 'bob'" in result.output
    with app.app_context():
        stored = get_password_hash(get_state(app).store, "bob")
    assert stored and stored.startswith("$argon2id$") and PASSWORD not in stored
    again = runner.invoke(args=["rtr", "create-admin", "bob", "--password-stdin"], input=PASSWORD + "\n")
    assert again.exit_code == 2 and "already an admin called bob" in again.output
    short = runner.invoke(args=["rtr", "create-admin", "carol", "--password-stdin"], input="short\n")
    assert short.exit_code == 2 and "at least 10 characters" in short.output


# Passwords -----------------------------------------------------------------------------------

def test_passwords_are_hashed_with_argon2id_at_64_mib() -> None:
    stored = hash_password(PASSWORD)
    parameters = extract_parameters(stored)
    assert stored.startswith("$argon2id$v=19$") and PASSWORD not in stored
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (64 * 1024, 2, 1)
    assert parameters.salt_len >= 16 and parameters.hash_len >= 32
    assert hash_password(PASSWORD) != stored, "salted"
    assert check_password(stored, PASSWORD)
    assert not check_password(stored, PASSWORD + "!")
    assert not check_password(None, PASSWORD)
    assert not check_password("not a hash at all", PASSWORD)


# Login, throttling, sessions -----------------------------------------------------------------

@pytest.fixture
def admin_app(make_app: Callable[..., Flask]) -> Callable[..., Flask]:
    def build(**config: Any) -> Flask:
        app = make_app(**config)
        with app.app_context():
            create_admin(get_state(app).store, "ann", PASSWORD)
        return app

    return build


def test_login_with_the_right_password_and_not_the_wrong_one(admin_app: Callable[..., Flask]) -> None:
    client = admin_app().test_client()
    wrong = login(client, "ann", "not the password")
    assert wrong.status_code == 401
    assert "don&#39;t match" in wrong.get_data(as_text=True)
    assert login(client, "nobody", PASSWORD).status_code == 401
    assert client.get("/admin/").status_code == 302
    assert login(client, " Ann ", PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_failed_logins_lock_the_account_briefly_from_any_address(admin_app: Callable[..., Flask], clock: Clock) -> None:
    client = admin_app(RTR_ADMIN_LOCK_AFTER=3, RTR_ADMIN_LOGIN_LIMIT="100 per minute").test_client()
    statuses = [login(client, "ann", f"guess {n}", environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code
                for n in range(4)]
    assert statuses == [401, 401, 401, 401], "three free failures, then the fourth locks the account for 1 s"
    blocked = login(client, "ann", PASSWORD, environ_base={"REMOTE_ADDR": "10.0.0.99"})
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] == "1"
    assert "Too many attempts. Wait 1 second, then try again." in blocked.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_failed_logins_are_throttled_per_ip_address(admin_app: Callable[..., Flask]) -> None:
    client = admin_app(RTR_ADMIN_LOGIN_LIMIT="3 per minute").test_client()
    here = {"REMOTE_ADDR": "10.1.1.1"}
    assert [login(client, f"user{n}", "guess", environ_base=here).status_code for n in range(3)] == [401] * 3
    assert login(client, "ann", PASSWORD, environ_base=here).status_code == 429
    assert login(client, "ann", PASSWORD, environ_base={"REMOTE_ADDR": "10.1.1.2"}).status_code == 302


def test_session_cookie_is_httponly_lax_scoped_to_the_admin_and_secure_under_https(
        admin_app: Callable[..., Flask]) -> None:
    app = admin_app()
    plain = login(app.test_client(), "ann", PASSWORD).headers["Set-Cookie"]
    assert plain.startswith("rtr_admin=") and "Path=/admin;" in plain + ";"
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    secure = login(app.test_client(), "ann", PASSWORD, base_url="https://localhost").headers["Set-Cookie"]
    assert "HttpOnly" in secure and "SameSite=Lax" in secure and "Secure" in secure


def _age_sessions(app: Flask, idle: float = 0.0, age: float = 0.0) -> None:
    """Move every admin session's last use and start into the past."""
    with get_state(app).store.engine.begin() as conn:
        conn.execute(update(admin_sessions).values(seen_at=admin_sessions.c.seen_at - idle,
                                                   created_at=admin_sessions.c.created_at - age))


def test_idle_sessions_end(admin_app: Callable[..., Flask]) -> None:
    app = admin_app(RTR_ADMIN_IDLE_SECONDS=600)
    client = app.test_client()
    sign_in(client)
    assert client.get("/admin/").status_code == 200
    _age_sessions(app, idle=590)
    assert client.get("/admin/").status_code == 200
    with get_state(app).store.reading() as conn:
        assert conn.execute(select(admin_sessions.c.seen_at)).scalar_one() > time.time() - 5, "use keeps it alive"
    _age_sessions(app, idle=601)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.location.startswith("/admin/login")
    assert count_rows(app, admin_sessions) == 0, "an ended session leaves no row behind"


def test_sessions_end_after_their_lifetime_however_busy(admin_app: Callable[..., Flask]) -> None:
    app = admin_app(RTR_ADMIN_SESSION_SECONDS=3600, RTR_ADMIN_IDLE_SECONDS=600)
    client = app.test_client()
    sign_in(client)
    _age_sessions(app, age=3590)
    assert client.get("/admin/").status_code == 200
    _age_sessions(app, age=11)
    assert client.get("/admin/").status_code == 302, "busy until the last second, still over"


def test_logout_needs_the_csrf_token_then_ends_the_session(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    client = app.test_client()
    sign_in(client)
    assert client.post("/admin/logout").location == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.post("/admin/logout", data={"csrf_token": csrf(client, "/admin/")}).location == "/admin/login"
    assert client.get("/admin/").status_code == 302


def test_change_password(admin_app: Callable[..., Flask]) -> None:
    app = admin_app()
    client = app.test_client()
    login(client, "ann", PASSWORD)
    new = "another calm passphrase"
    token = csrf(client, "/admin/password")
    wrong = client.post("/admin/password", data={"current": "nope", "password": new, "confirm": new,
                                                 "csrf_token": token})
    assert wrong.status_code == 400 and "current password" in wrong.get_data(as_text=True)
    short = client.post("/admin/password", data={"current": PASSWORD, "password": "short", "confirm": "short",
                                                 "csrf_token": token})
    assert short.status_code == 400 and "10 to 200 characters" in short.get_data(as_text=True)
    token = csrf(client, "/admin/password")
    changed = client.post("/admin/password", data={"current": PASSWORD, "password": new, "confirm": new,
                                                   "csrf_token": token})
    assert changed.status_code == 302
    with app.app_context():
        stored = get_password_hash(get_state(app).store, "ann")
    assert check_password(stored, new) and not check_password(stored, PASSWORD)


# Headers and CSRF ----------------------------------------------------------------------------

ADMIN_PAGES = ["/admin/login", "/admin/", "/admin/widgets/demo", "/admin/widgets/new", "/admin/widgets/demo/delete",
               "/admin/smtp", "/admin/audit", "/admin/password"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_forbid_framing_and_inline_scripts(client: FlaskClient, path: str) -> None:
    sign_in(client)
    response = client.get(path, follow_redirects=path == "/admin/login")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    html = response.get_data(as_text=True)
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None, "inline script"
    assert " style=" not in html and not re.search(r"<[^>]+\son[a-z]+=", html), "inline style or handler"


def test_public_frame_sets_no_cookie_even_for_a_signed_in_admin(client: FlaskClient) -> None:
    sign_in(client)
    assert client.get("/admin/").status_code == 200
    response = client.get("/w/demo/frame")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


CSRF_POSTS = [
    ("/admin/widgets/demo", {"name": "Changed", "heading": "Changed"}),
    ("/admin/widgets/new", {"name": "Another practice"}),
    ("/admin/widgets/demo/duplicate", {}),
    ("/admin/widgets/demo/delete", {}),
    ("/admin/widgets/demo/rotate-secret", {}),
    ("/admin/widgets/demo/test", {}),
    ("/admin/smtp", {"host": "smtp.evil.example"}),
    ("/admin/password", {"current": PASSWORD, "password": "x" * 12, "confirm": "x" * 12}),
]


@pytest.mark.parametrize(("path", "data"), CSRF_POSTS)
def test_admin_forms_refuse_posts_without_a_csrf_token(app: Flask, path: str, data: dict[str, str]) -> None:
    client = app.test_client()
    sign_in(client)
    store = get_state(app).store
    before = get_widget(store, "demo")
    count = len(list_widgets(store, ))
    response = client.post(path, data=data)
    assert response.status_code in (302, 400)
    after = get_widget(store, "demo")
    assert after is not None and after.version == before.version and after.name == before.name
    assert after.webhook_secret == before.webhook_secret
    assert len(list_widgets(store, )) == count
    if path == "/admin/smtp":
        assert "smtp.evil.example" not in client.get("/admin/smtp").get_data(as_text=True).split("In use now")[1][:300]


def test_admin_follows_the_url_prefix(make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        app = make_app(RTR_URL_PREFIX="/rebuild")
    assert f"/rebuild/admin/setup?token={setup_token(app)}" in caplog.text
    client = app.test_client()
    assert client.get("/rebuild/admin/").location == "/rebuild/admin/login?next=/rebuild/admin/"
    page = client.get("/rebuild/admin/login").get_data(as_text=True)
    assert 'href="/rebuild/admin/static/admin.css"' in page
    with client.get("/rebuild/admin/static/admin.css") as css:
        assert css.status_code == 200 and b"--accent" in css.get_data()
