"""Signed form tokens, origin checks and the public response headers."""

from __future__ import annotations

import functools
import math
import secrets
import time
from dataclasses import dataclass

from flask import Request, current_app
from itsdangerous import BadSignature, Serializer, URLSafeSerializer
from itsdangerous.encoding import base64_encode
from werkzeug.wrappers import Response

from .models import Widget
from .origins import normalise_origin, origin_of

TOKEN_SALT = "rtr.lead-form.v1"


@dataclass(frozen=True)
class TokenCheck:
    """What a form token says: ``ok``, ``too_young`` (a bot's speed), ``expired`` or ``invalid``."""

    state: str
    nonce: str = ""
    age: float = 0.0


class _TokenSerializer(URLSafeSerializer):
    """Signs form tokens uncompressed: a random nonce never compresses, and trying costs half the signing.

    Reading is unchanged, so a compressed token signed before this (a page open across an upgrade) still reads.
    """

    def dump_payload(self, obj: object) -> bytes:
        return base64_encode(Serializer.dump_payload(self, obj))


def _serializer() -> URLSafeSerializer:
    return _serializer_for(current_app.config["RTR_SECRET_KEY"])


@functools.lru_cache(maxsize=4)
def _serializer_for(secret_key: str | bytes) -> URLSafeSerializer:
    # Built once per key: every card drawn signs a token, and building one costs as much as signing.
    return _TokenSerializer(secret_key, salt=TOKEN_SALT)


def issue_form_token(widget_id: str, now: float | None = None) -> str:
    """Return a signed token binding a fresh nonce to this widget and the time it was issued."""
    # Floored, not rounded: a time rounded up would make the token younger than it is.
    issued = math.floor((now if now is not None else time.time()) * 1000) / 1000
    return _serializer().dumps({"w": widget_id, "n": secrets.token_urlsafe(12), "t": issued})


def check_form_token(token: str | None, widget_id: str, now: float | None = None) -> TokenCheck:
    """Check a token from a submitted form against the widget and the configured time window."""
    if not token:
        return TokenCheck("invalid")
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return TokenCheck("invalid")
    if not isinstance(data, dict) or data.get("w") != widget_id or not isinstance(data.get("t"), (int, float)):
        return TokenCheck("invalid")
    age = (now if now is not None else time.time()) - float(data["t"])
    config = current_app.config
    nonce = str(data.get("n", ""))
    if age < float(config["RTR_MIN_FORM_SECONDS"]):
        return TokenCheck("too_young", nonce, age)
    if age > float(config["RTR_FORM_MAX_AGE"]):
        return TokenCheck("expired", nonce, age)
    return TokenCheck("ok", nonce, age)


def is_own_origin(origin: str, request: Request) -> bool:
    """True when origin is this server's: RTR_PUBLIC_URL's origin, and only that when it is set.

    The Host header is not proof: a site whose name is re-pointed at this server (DNS rebinding)
    makes browsers send its own name as Host and Origin. Only without RTR_PUBLIC_URL (start-up warns)
    is the addressed host taken, compared without the scheme: behind a TLS proxy that is not
    trusted for X-Forwarded-Proto the app sees http where the browser says https.
    """
    public_url = str(current_app.config.get("RTR_PUBLIC_URL") or "")
    if public_url:
        return origin == origin_of(public_url)
    return origin.split("://", 1)[-1] == request.host.lower()


def request_origin(request: Request) -> str | None:
    """Return the Origin header's origin, or the Referer's when there is no Origin header.

    An Origin header that names no origin (``null`` from a sandboxed frame or a ``data:`` page)
    gives None even when a Referer is there: a Referer is only looked at when Origin is absent.
    """
    if "Origin" in request.headers:
        return normalise_origin(request.headers["Origin"])
    referer = request.headers.get("Referer")
    return origin_of(referer) if referer else None


def submission_origin_allowed(request: Request, widget: Widget) -> bool:
    """Allow when the widget names no origins, or the request comes from ours or one it names."""
    allowed = widget.settings.allowed_origins
    if not allowed:
        return True
    origin = request_origin(request)
    if origin is None:
        # Neither header at all: not a browser (they send Origin with every POST), so nothing to check.
        # A header that is there but names no origin ("null", garbage) is not a pass.
        return "Origin" not in request.headers and "Referer" not in request.headers
    return origin in allowed or is_own_origin(origin, request)


def frame_ancestors(widget: Widget | None) -> str:
    """Return the CSP frame-ancestors source list for a widget's frame."""
    allowed = widget.settings.allowed_origins if widget else []
    return " ".join(["'self'", *allowed]) if allowed else "*"


def public_csp(widget: Widget | None, nonce: str) -> str:
    """Return the Content-Security-Policy of the frame and hosted page: nothing but ourselves."""
    return "; ".join([
        "default-src 'none'",
        f"style-src 'self' 'nonce-{nonce}'",
        "script-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        f"frame-ancestors {frame_ancestors(widget)}",
    ])


def secure_public_response(response: Response, widget: Widget | None, nonce: str) -> Response:
    """Add the public pages' security headers and make sure no cookie leaves."""
    response.headers["Content-Security-Policy"] = public_csp(widget, nonce)
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.headers.remove("Set-Cookie")
    return response
