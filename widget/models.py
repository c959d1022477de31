"""The records the parts hand each other: a widget with its settings, a new lead as submitted."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from .settings import WidgetSettings


class ReplayError(Exception):
    """The form token was already used for a stored lead."""


#: What a person typed, as opposed to where it came from: two sends of one form match on these.
TYPED_FIELDS = ("name", "email", "phone", "contact_method", "ok_to_email", "ok_to_text", "ok_to_voicemail",
                "service", "location", "message")


@dataclass(frozen=True)
class SpamMark:
    """Why a valid request is held as suspected spam (``honeypot``), and what gave it away."""

    reason: str
    detail: str = ""


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

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> NewLead:
        """Return the lead as it was submitted, from its stored row."""
        return cls(**{item.name: row[item.name] for item in fields(cls)})

    def same_request(self, stored: Mapping[str, Any]) -> bool:
        """Tell whether a stored lead holds exactly what this one's person typed."""
        return all(getattr(self, name) == stored.get(name) for name in TYPED_FIELDS)


def new_webhook_secret() -> str:
    """Return a Standard Webhooks secret: ``whsec_`` + base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def new_widget_id() -> str:
    """Return a short, unguessable, URL-safe widget id."""
    return "w_" + secrets.token_urlsafe(9).replace("-", "x").replace("_", "y")
