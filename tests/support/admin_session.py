"""Sign a test client in as an admin the way the login page does, without its slow password hash."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie

from flask.testing import FlaskClient

from widget.admin.auth import log_in
from widget.admin.session import save_cookie
from widget.queries.accounts import add_admin, get_admin
from widget.state import get_state

#: Any admin form's CSRF field (forms with a prefix name it ``<prefix>-csrf_token``); one value per page.
CSRF = re.compile(r'name="[\w-]*csrf_token" type="hidden" value="([^"]+)"')
#: Looks like a hash and matches no password (the login page itself is tested with real ones).
NO_PASSWORD = "scrypt:32768:8:1$nosalt$" + "0" * 128


def signed_in(client: FlaskClient, username: str = "ann", role: str = "owner") -> FlaskClient:
    """Give the client a real admin session: the account (created with role if missing), its
    server-side session row and the admin cookie a browser gets at sign-in."""
    app = client.application
    store = get_state(app).store
    name = username.strip().lower()
    if get_admin(store, name) is None:
        add_admin(store, name, NO_PASSWORD, role=role)
    prefix = get_state(app).url_prefix
    with app.test_request_context(f"{prefix}/admin/login", base_url="http://localhost"):
        log_in(name)
        response = save_cookie(app.response_class())
    for header in response.headers.getlist("Set-Cookie"):
        for morsel in SimpleCookie(header).values():
            client.set_cookie(morsel.key, morsel.value, path=morsel["path"] or "/")
    return client


def csrf(client: FlaskClient, path: str, base_url: str = "http://localhost") -> str:
    """Return the CSRF token the admin page at path gives this browser (what its forms post back)."""
    match = CSRF.search(client.get(path, base_url=base_url).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)
