"""The SMTP settings in force: RTR_SMTP_* and RTR_MAIL_FROM, overridden from the admin page."""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from email.headerregistry import Address
from email.utils import parseaddr
from typing import Any

from flask import Flask

from ..config import SMTP_SECURITY_CHOICES
from ..db import Store
from ..queries.installation import delete_document, read_document, write_document
from ..ssrf import ResolveError, UnsafeURLError, checked_address
from ..state import get_state

SMTP_KEY = "smtp"
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
#: What the admin page saves. ``ca_file`` (a path) is only read from older saves: a path typed on a
#: web page told whether a file existed on the server.
FIELDS = ("host", "port", "security", "username", "password", "ca_certificate", "mail_from")
CHOSEN = ("host", "port", "security", "ca_file", "ca_certificate", "mail_from")
PRIVATE_HOST = ("This server's address is private or internal, which this page may not use (so it can't "
                "reach inside the network). Ask whoever runs the server to set RTR_SMTP_HOST instead.")


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how email leaves this installation. ``host`` empty: write .eml files instead.

    ``guarded``: the host or port came from the admin page, so its address is checked like a
    webhook's before connecting; the deployment's own RTR_SMTP_HOST is the operator's choice.
    """

    host: str
    port: int
    security: str
    username: str
    password: str
    ca_file: str
    mail_from: str
    ca_certificate: str = ""
    guarded: bool = False
    allow_private: bool = False

    @property
    def configured(self) -> bool:
        return bool(self.host)

    @property
    def has_password(self) -> bool:
        return bool(self.password)

    @property
    def sender_address(self) -> str:
        """Return the bare address of ``mail_from`` for the SMTP envelope."""
        return parseaddr(self.mail_from)[1]

    @property
    def login(self) -> tuple[str, int, str]:
        """Return what a password is given for: host, port and username."""
        return (self.host.lower().rstrip("."), self.port, self.username)

    def public(self) -> dict[str, Any]:
        """Return the settings for templates and JSON: everything but the password and the CA itself."""
        data = asdict(self)
        del data["password"], data["ca_certificate"]
        data["has_password"] = self.has_password
        data["has_ca_certificate"] = bool(self.ca_certificate)
        return data


def effective_smtp(app: Flask) -> SmtpSettings:
    """Return the deployment's RTR_SMTP_* values with the admin page's overrides on top."""
    return resolve_smtp(app.config, smtp_overrides(get_state(app).store))


def resolve_smtp(config: Mapping[str, Any], saved: Mapping[str, Any]) -> SmtpSettings:
    """Return the settings in force for the deployment's config and the admin page's saved values.

    Credentials only go where they were given for: RTR_SMTP_USERNAME/PASSWORD only while host and
    port are the deployment's own, so a page that points elsewhere can't collect them.
    """
    deployment = _deployment(config)
    values = {**deployment, **{key: saved[key] for key in CHOSEN if saved.get(key)}}
    values["port"] = _port(values)
    own = (values["host"].lower().rstrip("."), values["port"]) == \
        (deployment["host"].lower().rstrip("."), _port(deployment))
    username = str(saved.get("username") or (deployment["username"] if own else ""))
    password = str(saved.get("password") or "")
    if not password and own and username == deployment["username"]:
        password = deployment["password"]
    return SmtpSettings(**{**values, "username": username, "password": password,
                           "guarded": bool(values["host"]) and not own,
                           "allow_private": bool(config.get("RTR_SMTP_ALLOW_PRIVATE"))})


def _deployment(config: Mapping[str, Any]) -> dict[str, Any]:
    security = str(config.get("RTR_SMTP_SECURITY") or "starttls")
    return {
        "host": str(config.get("RTR_SMTP_HOST") or ""),
        "port": int(config.get("RTR_SMTP_PORT") or 0),
        "security": security,
        "username": str(config.get("RTR_SMTP_USERNAME") or ""),
        "password": str(config.get("RTR_SMTP_PASSWORD") or ""),
        "ca_file": str(config.get("RTR_SMTP_CA_FILE") or ""),
        "ca_certificate": "",
        "mail_from": str(config.get("RTR_MAIL_FROM") or ""),
    }


def _port(values: Mapping[str, Any]) -> int:
    """Return the port, or the usual one for the encryption when it is 0."""
    return int(values["port"]) or DEFAULT_PORTS.get(values["security"], 25)


def smtp_overrides(store: Store) -> dict[str, Any]:
    """Return the values saved from the admin page (only the fields that were set)."""
    return read_document(store, SMTP_KEY)


def validate_smtp_overrides(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Return (clean values, errors by field). Empty values mean "use the deployment's setting"."""
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key in ("host", "username", "password", "mail_from"):
        text = str(values.get(key) or "").strip()
        if any(ch in text for ch in "\r\n\x00"):
            errors[key] = "This can't contain line breaks."
        clean[key] = text
    if clean["host"].startswith("[") and clean["host"].endswith("]"):  # an IPv6 literal as written in URLs
        clean["host"] = clean["host"][1:-1]
    try:
        clean["port"] = int(values.get("port") or 0)
        if not 0 <= clean["port"] <= 65535:
            raise ValueError
    except (TypeError, ValueError):
        errors["port"] = "The port is a number from 1 to 65535 (0 or empty: the usual one)."
    security = str(values.get("security") or "")
    if security and security not in SMTP_SECURITY_CHOICES:
        errors["security"] = f"Choose one of: {', '.join(SMTP_SECURITY_CHOICES)}."
    clean["security"] = security
    if clean["mail_from"] and not _valid_sender(clean["mail_from"]):
        errors["mail_from"] = "Use an address like intake@example.com or Practice <intake@example.com>."
    clean["ca_certificate"] = str(values.get("ca_certificate") or "").strip()
    if clean["ca_certificate"] and not _valid_ca(clean["ca_certificate"]):
        errors["ca_certificate"] = ("Paste the certificate itself, from -----BEGIN CERTIFICATE----- to "
                                    "-----END CERTIFICATE-----.")
    return clean, errors


def save_smtp_overrides(app: Flask, values: dict[str, Any]) -> dict[str, str]:
    """Validate and store installation-wide SMTP values; return errors by field (empty: saved).

    An empty ``password`` keeps the saved one (the page never shows it) as long as host, port and
    username stay the same; when one changes, the password must be typed again. ``clear_password``
    true removes it.
    """
    clean, errors = validate_smtp_overrides(values)
    store = get_state(app).store
    current = smtp_overrides(store)
    if not clean["password"] and not values.get("clear_password") and current.get("password"):
        kept = {**clean, "password": current["password"]}
        if resolve_smtp(app.config, kept).login == resolve_smtp(app.config, current).login:
            clean = kept
    problem = None if errors else _address_problem(resolve_smtp(app.config, clean))
    if problem:
        errors["host" if clean["host"] or not clean["port"] else "port"] = problem
    if errors:
        return errors
    write_document(store, SMTP_KEY, {key: clean[key] for key in FIELDS if clean.get(key)})
    return {}


def clear_smtp_overrides(store: Store) -> None:
    """Forget the admin page's values: the deployment's RTR_SMTP_* apply again."""
    delete_document(store, SMTP_KEY)


def _address_problem(settings: SmtpSettings) -> str | None:
    if not settings.guarded:
        return None
    try:
        checked_address(settings.host, settings.port, settings.allow_private)
    except UnsafeURLError:
        return PRIVATE_HOST
    except ResolveError:  # DNS may be down for a moment; every send checks again
        return None
    return None


def _valid_sender(value: str) -> bool:
    name, address = parseaddr(value)
    if "=?" in value:  # an RFC 2047 encoded-word: never needed here, and older Pythons decode it in headers
        return False
    try:
        Address(display_name=name, addr_spec=address)
    except (ValueError, IndexError):
        return False
    return "@" in address


def _valid_ca(pem: str) -> bool:
    try:
        ssl.create_default_context().load_verify_locations(cadata=pem)
    except (ssl.SSLError, ValueError, TypeError):
        return False
    return "-----BEGIN CERTIFICATE-----" in pem
