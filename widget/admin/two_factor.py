"""Two-factor sign-in with TOTP (RFC 6238, pyotp): secrets, QR codes, codes used once, recovery codes.

- A code is accepted from the 30-second step before to the one after (clocks drift), and each step
  only once per admin: a code seen over someone's shoulder can't be used again.
- Recovery codes are 16 random letters and digits (80 bits), shown once and stored as SHA-256:
  at that length a stolen table can't be guessed back, so a slow hash would add nothing.
- The QR code is an SVG drawn here (segno): no image service learns the secret.
- Owners can require two-factor for everyone; an admin without it then sees only the page that
  sets it up (widget/admin/access.py).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from urllib.parse import urlsplit

import pyotp
import segno
from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from markupsafe import Markup

from ..db import Store
from ..links import public_base_url
from ..queries.installation import read_document, write_document

ISSUER = "Ready to Rebuild"
RECOVERY_CODE_COUNT = 10
#: Letters and digits that can't be mistaken for one another when read off paper (no 0/o, 1/l/i).
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 16
#: How long the enrolment page's QR code can still be confirmed.
ENROL_SECONDS = 15 * 60
ENROL_SALT = "rtr.admin-totp-enrol.v1"
POLICY_KEY = "accounts"
SEPARATORS = re.compile(r"[\s-]+")


def required(store: Store) -> bool:
    """Tell whether the owners require two-factor sign-in for every admin."""
    return bool(read_document(store, POLICY_KEY).get("require_two_factor"))


def set_required(store: Store, value: bool) -> None:
    document = read_document(store, POLICY_KEY)
    document["require_two_factor"] = value
    write_document(store, POLICY_KEY, document)


def new_secret() -> str:
    """Return a new TOTP secret: 32 base32 letters, 160 bits (RFC 4226's recommended length)."""
    return pyotp.random_base32()


def spaced(secret: str) -> str:
    """Return the secret in groups of four, as an authenticator app's "enter a key" screen takes it."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, username: str) -> str:
    """Return the ``otpauth://`` link an authenticator app reads from the QR code."""
    host = urlsplit(public_base_url(current_app)).hostname
    return pyotp.TOTP(secret).provisioning_uri(name=f"{username}@{host}" if host else username, issuer_name=ISSUER)


def qr_svg(uri: str, title: str) -> Markup:
    """Return the QR code of uri as inline SVG, dark on light whatever the page's colours, titled for screen readers."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=1, border=4, dark="#000", light="#fff", omitsize=True, svgclass="qr-code", lineclass=None,
        title=title,  # segno escapes it
    )
    return Markup(svg.replace("<svg ", '<svg role="img" focusable="false" ', 1))


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """Return the time step whose code is ``code`` (the current one or either neighbour), or None."""
    digits = SEPARATORS.sub("", code)
    if not re.fullmatch(r"\d{6}", digits):
        return None
    totp = pyotp.TOTP(secret)
    step = totp.timecode(time.time() if now is None else now)
    for candidate in (step - 1, step, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), digits):
            return candidate
    return None


def looks_like_totp(code: str) -> bool:
    """Tell a 6-digit app code from a recovery code."""
    return bool(re.fullmatch(r"\d{6}", SEPARATORS.sub("", code)))


def new_recovery_codes() -> list[str]:
    """Return ten new recovery codes, written ``abcd-efgh-jkmn-pqrs``."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.append("-".join(raw[i:i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
    return codes


def recovery_hash(code: str) -> str:
    """Return what is stored for a recovery code: SHA-256 of it without spaces or dashes, in lower case."""
    return hashlib.sha256(SEPARATORS.sub("", code).lower().encode()).hexdigest()


def _enrolment_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["RTR_SECRET_KEY"], salt=ENROL_SALT)


def enrolment_token(admin_id: int, secret: str) -> str:
    """Return the enrolment form's signed note of the secret it showed, for this admin only."""
    return _enrolment_signer().dumps([admin_id, secret])


def enrolment_secret(token: str, admin_id: int) -> str | None:
    """Return the secret an enrolment form showed to admin_id, or None when it is forged, foreign or stale."""
    try:
        owner, secret = _enrolment_signer().loads(token, max_age=ENROL_SECONDS)
    except (BadData, TypeError, ValueError):
        return None
    return str(secret) if owner == admin_id else None
