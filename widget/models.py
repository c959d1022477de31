"""The records the parts hand each other: a widget with its settings, a new lead as submitted."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from typing import Any

from .settings import WidgetSettings


class ReplayError(Exception):
    """The form token was already used for a stored lead."""


@dataclass
class Widget:
    """A widget row with its settings parsed."""

    id: str
    name: str
    settings: WidgetSettings
    version: int
    webhook_secret: str
    previous_webhook_secret: str | None = None
    secret_rotated_at: float | None = None
    webhook_disabled_at: float | None = None
    created_at: float = 0.0
    updated_at: float = 0.0

    @classmethod
    def from_row(cls, row: Any) -> Widget:
        data = dict(row._mapping)
        data["settings"] = WidgetSettings.from_stored(data["settings"])
        return cls(**data)


@dataclass
class NewLead:
    """What a visitor submitted, already validated, plus where it came from."""

    name: str
    email: str
    consent_text: str
    consent_version: str
    phone: str = ""
    contact_method: str = ""
    ok_to_email: bool = False
    ok_to_text: bool = False
    ok_to_voicemail: bool = False
    service: str = ""
    location: str = ""
    message: str = ""
    page_url: str = ""
    language: str = "en"
    utm: dict[str, str] = field(default_factory=dict)


def new_webhook_secret() -> str:
    """Return a Standard Webhooks secret: ``whsec_`` + base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def new_widget_id() -> str:
    """Return a short, unguessable, URL-safe widget id."""
    return "w_" + secrets.token_urlsafe(9).replace("-", "x").replace("_", "y")
