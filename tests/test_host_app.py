"""Mounted in a host app, the extension leaves the host's settings, session, cookies and limits alone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Flask, session
from flask.sessions import SecureCookieSessionInterface

from widget import ReadyToRebuild
from widget.admin.passwords import create_admin
from widget.state import get_state

from .conftest import valid_lead

PASSWORD = "a calm long passphrase"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
FORM_TOKEN = re.compile(r'name="token" type="hidden" value="([^"]+)"')
#: A host with opinions of its own about every setting the extension used to touch.
HOST_SETTINGS: dict[str, Any] = {
    "SECRET_KEY": "the host's own secret",
    "SESSION_COOKIE_NAME": "host_session",
    "SESSION_COOKIE_SAMESITE": "Strict",
    "SESSION_COOKIE_HTTPONLY": False,
    "SESSION_COOKIE_SECURE": False,
    "RATELIMIT_DEFAULT": "2 per day",
    "RATELIMIT_ENABLED": False,
    "RATELIMIT_HEADERS_ENABLED": False,
    "RATELIMIT_STRATEGY": "moving-window",
    "RATELIMIT_KEY_PREFIX": "host",
}
MISSING = object()


class HostSessions(SecureCookieSessionInterface):
    """The host's own session interface (say, one it tuned)."""


def host_app(tmp_path: Path, **settings: Any) -> Flask:
    host = Flask("host", instance_path=str(tmp_path / "instance"))
    host.config.update(TESTING=True, RTR_SECRET_KEY="ours", RTR_WORKER="off", RTR_PROXY_COUNT=1,
                       RTR_PUBLIC_URL="https://widgets.example.com", RTR_SUBMIT_LIMIT="1 per minute",
                       RTR_MIN_FORM_SECONDS=0, RTR_DATABASE_URL=f"sqlite:///{tmp_path}/host.sqlite3", **HOST_SETTINGS)
    host.config.update(settings)
    host.session_interface = HostSessions()

    @host.get("/visit")
    def visit() -> str:
        session["visits"] = session.get("visits", 0) + 1
        return str(session["visits"])

    return host


def sign_in(client: Any, prefix: str = "/rtr") -> Any:
    page = client.get(f"{prefix}/admin/login").get_data(as_text=True)
    return client.post(f"{prefix}/admin/login", data={"username": "ann", "password": PASSWORD,
                                                      "csrf_token": CSRF.search(page).group(1)})


def test_init_app_changes_none_of_the_hosts_settings(tmp_path: Path) -> None:
    host = host_app(tmp_path)
    before, wsgi, interface = dict(host.config), host.wsgi_app, host.session_interface
    ReadyToRebuild(host, url_prefix="/rtr")
    changed = sorted(key for key in set(before) | set(host.config)
                     if not key.startswith("RTR_") and before.get(key, MISSING) != host.config.get(key, MISSING))
    assert changed == []
    assert host.wsgi_app == wsgi, "no ProxyFix around the host: its proxies are its own business"
    assert host.session_interface is interface
    get_state(host).store.engine.dispose()


def test_a_host_without_settings_of_its_own_gets_none_of_ours(tmp_path: Path) -> None:
    host = Flask("bare_host", instance_path=str(tmp_path / "instance"))
    host.config.update(TESTING=True, RTR_SECRET_KEY="ours", RTR_WORKER="off", RTR_PROXY_COUNT=2,
                       RTR_PUBLIC_URL="https://widgets.example.com",
                       RTR_DATABASE_URL=f"sqlite:///{tmp_path}/host.sqlite3")
    before = {key for key in host.config if not key.startswith("RTR_")}
    ReadyToRebuild(host)
    added = sorted({key for key in host.config if not key.startswith("RTR_")} - before)
    assert added == [] and host.config["SECRET_KEY"] is None and not host.config["SESSION_COOKIE_SECURE"]
    get_state(host).store.engine.dispose()


def test_the_hosts_session_and_the_admins_live_side_by_side(tmp_path: Path) -> None:
    host = host_app(tmp_path)
    ReadyToRebuild(host, url_prefix="/rtr")
    create_admin(get_state(host).store, "ann", PASSWORD)
    client = host.test_client()
    assert client.get("/visit").get_data(as_text=True) == "1"
    assert sign_in(client).status_code == 302
    assert client.get("/visit").get_data(as_text=True) == "2", "signing in to the admin kept the host's session"
    assert client.get("/rtr/admin/").status_code == 200
    ours = client.get_cookie("rtr_admin", path="/rtr/admin")
    assert ours is not None and ours.path == "/rtr/admin" and ours.http_only
    theirs = client.get_cookie("host_session")
    signer = host.session_interface.get_signing_serializer(host)
    assert signer.loads(theirs.value) == {"visits": 2}, "nothing of ours rides in the host's session"
    page = client.get("/rtr/admin/").get_data(as_text=True)
    signed_out = client.post("/rtr/admin/logout", data={"csrf_token": CSRF.search(page).group(1)},
                             follow_redirects=True)
    assert "You are signed out." in signed_out.get_data(as_text=True)
    assert client.get("/visit").get_data(as_text=True) == "3"
    get_state(host).store.engine.dispose()


def test_the_admin_needs_no_secret_key_from_the_host(tmp_path: Path) -> None:
    host = host_app(tmp_path, SECRET_KEY=None)
    ReadyToRebuild(host, url_prefix="/rtr")
    create_admin(get_state(host).store, "ann", PASSWORD)
    client = host.test_client()
    assert sign_in(client).status_code == 302
    assert client.get("/rtr/admin/").status_code == 200
    assert host.config["SECRET_KEY"] is None
    get_state(host).store.engine.dispose()


def _submit_twice(host: Flask) -> list[int]:
    host.test_cli_runner().invoke(args=["rtr", "demo"])
    client, statuses = host.test_client(), []
    for n in range(2):
        token = FORM_TOKEN.search(client.get("/rtr/w/demo/frame").get_data(as_text=True)).group(1)
        statuses.append(client.post("/rtr/w/demo/leads", data={"token": token, **valid_lead(name=f"P{n}")},
                                    headers={"Accept": "application/json"}).status_code)
    return statuses


def test_our_limiter_ignores_the_hosts_ratelimit_settings_and_leaves_its_routes_alone(tmp_path: Path) -> None:
    host = host_app(tmp_path, RATELIMIT_ENABLED=True)
    ReadyToRebuild(host, url_prefix="/rtr")
    client = host.test_client()
    assert [client.get("/visit").status_code for _ in range(4)] == [200] * 4, "RATELIMIT_DEFAULT is the host's"
    assert _submit_twice(host) == [201, 429], "RTR_SUBMIT_LIMIT applies"
    get_state(host).store.engine.dispose()


def test_a_host_that_turns_its_own_limits_off_keeps_ours(tmp_path: Path) -> None:
    host = host_app(tmp_path)  # RATELIMIT_ENABLED=False
    ReadyToRebuild(host, url_prefix="/rtr")
    assert _submit_twice(host) == [201, 429]
    get_state(host).store.engine.dispose()
