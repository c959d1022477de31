"""The SMTP settings in force: RTR_SMTP_* and RTR_MAIL_FROM, overridden from the admin page."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from email.headerregistry import Address
from email.utils import parseaddr
from typing import Any

from flask import Flask

from ..config import SMTP_SECURITY_CHOICES
from ..db import Store
from ..queries.installation import delete_document, read_document, write_document
from ..state import get_state

SMTP_KEY = "smtp"
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
FIELDS = ("host", "port", "security", "username", "password", "ca_file", "mail_from")


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how email leaves this installation. ``host`` empty: write .eml files instead."""

    host: str
    port: int
    security: str
    username: str
    password: str
    ca_file: str
    mail_from: str

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

    def public(self) -> dict[str, Any]:
        """Return the settings for templates and JSON: everything but the password."""
        data = asdict(self)
        del data["password"]
        data["has_password"] = self.has_password
        return data


def effective_smtp(app: Flask) -> SmtpSettings:
    """Return the deployment's RTR_SMTP_* values with the admin page's overrides on top."""
    config = app.config
    values: dict[str, Any] = {
        "host": str(config.get("RTR_SMTP_HOST") or ""),
        "port": config.get("RTR_SMTP_PORT") or 0,
        "security": str(config.get("RTR_SMTP_SECURITY") or "starttls"),
        "username": str(config.get("RTR_SMTP_USERNAME") or ""),
        "password": str(config.get("RTR_SMTP_PASSWORD") or ""),
        "ca_file": str(config.get("RTR_SMTP_CA_FILE") or ""),
        "mail_from": str(config.get("RTR_MAIL_FROM") or ""),
    }
    values.update({key: value for key, value in smtp_overrides(get_state(app).store).items() if value})
    port = int(values["port"]) or DEFAULT_PORTS.get(values["security"], 25)
    return SmtpSettings(**{**values, "port": port})


def smtp_overrides(store: Store) -> dict[str, Any]:
    """Return the values saved from the admin page (only the fields that were set)."""
    return read_document(store, SMTP_KEY)


def validate_smtp_overrides(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Return (clean values, errors by field). Empty values mean "use the deployment's setting"."""
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key in ("host", "username", "password", "ca_file", "mail_from"):
        text = str(values.get(key) or "").strip()
        if any(ch in text for ch in "\r\n\x00"):
            errors[key] = "This can't contain line breaks."
        clean[key] = text
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
    return clean, errors


def save_smtp_overrides(store: Store, values: dict[str, Any]) -> dict[str, str]:
    """Validate and store installation-wide SMTP values; return errors by field (empty: saved).

    An empty ``password`` keeps the saved one (the page never shows it); ``clear_password``
    true removes it.
    """
    clean, errors = validate_smtp_overrides(values)
    if errors:
        return errors
    current = smtp_overrides(store)
    if values.get("clear_password"):
        clean["password"] = ""
    elif not clean["password"]:
        clean["password"] = current.get("password", "")
    write_document(store, SMTP_KEY, {key: clean[key] for key in FIELDS if clean.get(key)})
    return {}


def clear_smtp_overrides(store: Store) -> None:
    """Forget the admin page's values: the deployment's RTR_SMTP_* apply again."""
    delete_document(store, SMTP_KEY)


def _valid_sender(value: str) -> bool:
    name, address = parseaddr(value)
    try:
        Address(display_name=name, addr_spec=address)
    except (ValueError, IndexError):
        return False
    return "@" in address
