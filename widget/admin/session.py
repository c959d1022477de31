"""The admin's own signed cookie, scoped to ``<prefix>/admin``, and what it carries.

It never touches the host app's Flask session, SECRET_KEY or cookie settings. It holds:
- the token of a server-side session (``rtr_admin_sessions``): deleting that row signs the browser
  out at once, whatever the cookie says (sign-out, a new password, a removed account);
- the key the admin forms' CSRF tokens are bound to (new at every sign-in and sign-out);
- flash messages on their way from a POST to the page after its redirect;
- between the two steps of a two-factor sign-in, whose password matched and when (no session yet).
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g, request
from itsdangerous import BadData, URLSafeSerializer, URLSafeTimedSerializer
from werkzeug.wrappers import Response
from wtforms.csrf.core import CSRF
from wtforms.validators import ValidationError

from ..state import get_state

COOKIE_NAME = "rtr_admin"
COOKIE_SALT = "rtr.admin-cookie.v1"
CSRF_SALT = "rtr.admin-csrf.v1"
EXPIRED = "This form expired; press the button again."


@dataclass
class AdminCookie:
    """What the cookie says: the session token ("" when signed out), the CSRF key, pending flashes,
    and ``[admin id, when]`` while a sign-in waits for its second step."""

    token: str = ""
    csrf: str = ""
    flashes: list[list[str]] = field(default_factory=list)
    changed: bool = False
    second_step: list[float] = field(default_factory=list)


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["RTR_SECRET_KEY"], salt=COOKIE_SALT)


def cookie() -> AdminCookie:
    """Return this request's admin cookie (read once; a forged or foreign one counts as none)."""
    if "rtr_admin_cookie" not in g:
        found = AdminCookie()
        try:
            data = _signer().loads(request.cookies.get(COOKIE_NAME, ""))
        except BadData:
            data = None
        if isinstance(data, dict):
            flashes = [[str(part) for part in item] for item in data.get("f", [])
                       if isinstance(item, list) and len(item) == 2]
            step = data.get("p")
            second_step = [float(part) for part in step] if isinstance(step, list) and len(step) == 2 else []
            found = AdminCookie(str(data.get("t", "")), str(data.get("c", "")), flashes, second_step=second_step)
        g.rtr_admin_cookie = found
    return g.rtr_admin_cookie


def cookie_path() -> str:
    return f"{get_state().url_prefix}/admin"


def save_cookie(response: Response) -> Response:
    """Write the cookie back when this request changed it (an after-request hook of the admin)."""
    data: AdminCookie | None = g.get("rtr_admin_cookie")
    if data is None or not data.changed:
        return response
    if not (data.token or data.csrf or data.flashes or data.second_step):
        response.delete_cookie(COOKIE_NAME, path=cookie_path(), httponly=True, samesite="Lax")
        return response
    value = _signer().dumps({"t": data.token, "c": data.csrf, "f": data.flashes, "p": data.second_step})
    secure = request.is_secure or str(current_app.config.get("RTR_PUBLIC_URL", "")).startswith("https://")
    response.set_cookie(COOKIE_NAME, value, path=cookie_path(), httponly=True, samesite="Lax", secure=secure)
    return response


def set_token(token: str) -> None:
    """Put a session token in the cookie at sign-in ("" at sign-out); the CSRF key changes with it.

    Either way a sign-in waiting for its second step is over.
    """
    data = cookie()
    data.token, data.csrf, data.changed, data.second_step = token, secrets.token_urlsafe(24), True, []
    g.pop("rtr_admin_csrf", None)


def await_second_step(admin_id: int) -> None:
    """Remember that admin_id's password matched: the next step asks for their code."""
    set_token("")
    data = cookie()
    data.second_step = [float(admin_id), time.time()]


def second_step_admin(max_age: float) -> int | None:
    """Return the admin whose password matched here less than max_age seconds ago, or None."""
    step = cookie().second_step
    if len(step) == 2 and 0 <= time.time() - step[1] <= max_age:
        return int(step[0])
    return None


def forget_token() -> None:
    """Drop a token whose session ended on the server (the CSRF key stays: forms on the page still work)."""
    data = cookie()
    if data.token:
        data.token, data.changed = "", True


def flash(message: str, category: str = "message") -> None:
    """Show message on the next admin page this browser loads."""
    data = cookie()
    data.flashes.append([category, message])
    data.changed = True


def take_flashes() -> list[tuple[str, str]]:
    """Return the pending messages as (category, message) and forget them."""
    data = cookie()
    found = [(category, message) for category, message in data.flashes]
    if found:
        data.flashes, data.changed = [], True
    return found


def _csrf_key() -> str:
    data = cookie()
    if not data.csrf:
        data.csrf, data.changed = secrets.token_urlsafe(24), True
    return data.csrf


def _csrf_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["RTR_SECRET_KEY"], salt=CSRF_SALT)


def generate_csrf_token() -> str:
    """Return a CSRF token for this browser's admin cookie (one per request)."""
    if "rtr_admin_csrf" not in g:
        g.rtr_admin_csrf = _csrf_signer().dumps(_csrf_key())
    return str(g.rtr_admin_csrf)


def csrf_token_valid(token: Any) -> bool:
    """Return whether token was issued to this browser, since its last sign-in or sign-out."""
    max_age = int(current_app.config["RTR_ADMIN_SESSION_SECONDS"])
    try:
        key = _csrf_signer().loads(str(token or ""), max_age=max_age)
    except BadData:
        return False
    expected = cookie().csrf
    return bool(expected) and isinstance(key, str) and hmac.compare_digest(key, expected)


class AdminCSRF(CSRF):
    """WTForms CSRF bound to the admin cookie instead of the host's Flask session."""

    def generate_csrf_token(self, csrf_token_field: Any) -> str:
        return generate_csrf_token()

    def validate_csrf_token(self, form: Any, field: Any) -> None:
        if not csrf_token_valid(field.data):
            raise ValidationError(EXPIRED)
