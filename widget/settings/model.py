"""A widget's settings, declared once: type, default, limits and messages of every setting.

``WidgetSettings`` is what code and templates read (``settings.heading``). It is stored and
exported as JSON (``model_dump(mode="json")``); a stored document is read back with
``WidgetSettings.from_stored``, which fills keys that older documents lack with their defaults.
Input from people (the admin form, ``flask rtr import``, ``create-widget``) goes through
``validate_settings``, which names each bad setting by its path.

Adding a setting is one declaration here (with a docstring, published in the JSON Schema) and
one field in ``widget/admin/settings_form.py``; a test fails while either is missing.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar

from pydantic import ValidationError, model_validator

from .kinds import (
    Choice,
    CrisisNotice,
    EmailAddress,
    Errors,
    Flag,
    FontStack,
    Group,
    HexColour,
    HubSpotCode,
    ListOf,
    OptionalEmail,
    Origin,
    Text,
    WebAddress,
    WebhookAddress,
    WholeNumber,
    error_messages,
    fail,
)

DETAIL_LEVELS = ("full", "contact", "alert")
WEBHOOK_FORMATS = ("generic", "hubspot")
LANGUAGES = ("en", "es")
DEFAULT_CRISIS_NOTICE = (
    "If you are in danger or thinking about harming yourself, please don't wait for us. "
    "Call or text 988, or chat at 988lifeline.org, to reach the Suicide & Crisis Lifeline "
    "any time. In an emergency, call 911."
)
DEFAULT_CONSENT = (
    "I agree that the practice may contact me about this request using the details above. "
    "I understand this form is not for emergencies."
)


class Step(Group):
    """One of the card's three next steps."""

    not_an_object: ClassVar[str] = "Each step has a title and a text."

    title: Text(80, required=True)
    """The step's title."""
    text: Text(300, multiline=True) = ""
    """A sentence or two under the title."""
    link_url: WebAddress = ""
    """An optional link for the step."""
    link_label: Text(80) = ""
    """The link's text (needed with a link)."""

    @model_validator(mode="after")
    def _link_has_a_label(self) -> Step:
        if self.link_url and not self.link_label:
            fail("Give the link a label people can read.", field="link_label")
        return self


class Service(Group):
    """A service the practice offers; visitors may pick one in the form."""

    not_an_object: ClassVar[str] = "Each entry has a name."

    name: Text(80, required=True)
    """The service's name (also what the form's "Which service" offers)."""
    description: Text(160) = ""
    """One line about it."""
    url: WebAddress = ""
    """Its page on the practice's site."""


class Location(Group):
    """An office (or telehealth); visitors may pick one in the form."""

    not_an_object: ClassVar[str] = "Each entry has a name."

    name: Text(80, required=True)
    """The location's name."""
    city: Text(160) = ""
    """City or area; "telehealth" marks online sessions."""
    url: WebAddress = ""
    """Its page on the practice's site."""


class Theme(Group):
    """The card's colours, corners and fonts."""

    accent_color: HexColour = "#7a3e5d"
    """Buttons and links."""
    background_color: HexColour = "#fffaf6"
    """The card's background."""
    text_color: HexColour = "#2b2a33"
    """The card's text."""
    radius: WholeNumber(0, 32) = 12
    """Corner rounding in pixels."""
    font_stack: FontStack = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
    """CSS font names, separated by commas."""


class Fields(Group):
    """Which optional questions the form asks (name, email and consent are always asked)."""

    unknown_key: ClassVar[str] = "Unknown field: {key}."

    phone: Flag = True
    """Phone number."""
    contact_method: Flag = False
    """Preferred way to be contacted, and whether a message, text or voicemail is all right."""
    service: Flag = False
    """Which service (shown when there are services)."""
    location: Flag = False
    """Which location (shown when there are locations)."""
    message: Flag = False
    """A short free-text message."""


DEFAULT_STEPS = (
    Step(title="Book a free consultation",
         text="A short, no-pressure call to talk about what's going on and whether we're a good fit."),
    Step(title="Read a little more", text="Learn how therapy can help you heal, together or on your own."),
    Step(title="You are not alone",
         text="Many people come to us after trust was broken. Healing is possible at your own pace."),
)


class WidgetSettings(Group):
    """Everything a practice sets for one widget: texts, steps, services, look, and where requests go."""

    not_an_object: ClassVar[str] = "Settings must be a JSON object."

    practice_name: Text(120, required=True) = "Our practice"
    """The practice's name, shown on the card and in emails."""
    heading: Text(120, required=True) = "Ready to rebuild?"
    """The card's heading."""
    intro: Text(600, multiline=True) = (
        "Whatever happened, you don't have to sort it out alone. "
        "Reaching out is a first step, and it can be a small one."
    )
    """The paragraph under the heading."""
    steps: ListOf(Step, 3, exactly="There are exactly three steps.") = list(DEFAULT_STEPS)
    """The three next steps."""
    services: ListOf(Service, 20) = []
    """Services, linked from the card and offered in the form."""
    locations: ListOf(Location, 20) = []
    """Locations, linked from the card and offered in the form."""
    accepting_new_clients: Flag = True
    """False shows the waitlist note above the form."""
    waitlist_text: Text(300, multiline=True) = (
        "We have a short waitlist right now. Leave your details and we'll reach out as soon as a spot opens."
    )
    """Shown while not accepting new clients."""
    response_time: Text(80) = "within one business day"
    """Completes "Someone will contact you …"; empty says "soon"."""
    crisis_notice: CrisisNotice = DEFAULT_CRISIS_NOTICE
    """Always visible; must mention 988 or 911."""
    consent_text: Text(600, required=True, multiline=True) = DEFAULT_CONSENT
    """What the person agrees to; stored with each request."""
    submit_label: Text(60, required=True) = "Request my free consultation"
    """The send button's text."""
    launcher_label: Text(60, required=True) = "Ready to rebuild?"
    """The floating button's text (button mode)."""
    thank_you_heading: Text(120, required=True) = "Thank you for reaching out"
    """Shown after sending."""
    thank_you_text: Text(600, required=True, multiline=True) = (
        "Your request is safely with us. Someone from our team will contact you {response_time}."
    )
    """Shown after sending; {response_time} is replaced."""
    theme: Theme = Theme()
    """Colours, corners and fonts."""
    language: Choice(*LANGUAGES) = "en"
    """The language of the form's own words."""
    allowed_origins: ListOf(Origin, 20, unique=True) = []
    """Sites that may show the card and send requests, as scheme://host[:port]; empty: any site."""
    fields: Fields = Fields()
    """Which optional questions the form asks."""
    notify_emails: ListOf(EmailAddress, 10, unique=True) = []
    """Where new requests are emailed."""
    detail_level: Choice(*DETAIL_LEVELS) = "contact"
    """What the email holds: everything (full), contact details only (contact) or only an alert (alert)."""
    alert_email: OptionalEmail = ""
    """Told when a request could not be delivered after every retry."""
    confirmation_email: Flag = False
    """Email the person a short confirmation (without what they wrote)."""
    webhook_url: WebhookAddress = ""
    """Each request is POSTed here, signed, and retried until it arrives."""
    webhook_format: Choice(*WEBHOOK_FORMATS) = "generic"
    """generic (Standard Webhooks JSON) or hubspot (HubSpot's Forms API)."""
    hubspot_portal_id: HubSpotCode(r"\d{1,12}") = ""
    """HubSpot portal id (hubspot format only)."""
    hubspot_form_guid: HubSpotCode(r"[0-9a-fA-F-]{36}") = ""
    """HubSpot form GUID (hubspot format only)."""
    retention_days: WholeNumber(1, 3650) = 90
    """Requests are deleted this many days after they were delivered."""

    @model_validator(mode="after")
    def _hubspot_has_both_ids(self) -> WidgetSettings:
        if self.webhook_format == "hubspot" and self.webhook_url and not (
                self.hubspot_portal_id and self.hubspot_form_guid):
            fail("HubSpot needs both the portal id and the form GUID.", field="hubspot_portal_id")
        return self

    @classmethod
    def from_stored(cls, document: Any) -> WidgetSettings:
        """Read settings this server stored: missing keys take their defaults, unknown ones are dropped.

        A value that today's rules refuse (they may have grown stricter) falls back to its default
        rather than taking the widget down.
        """
        if isinstance(document, (str, bytes)):
            document = json.loads(document)
        try:
            return cls.model_validate(document, context={"stored": True})
        except ValidationError as error:
            return _best_effort(document, error_messages(error), cls())


def validate_settings(raw: Any, webhook_allow_private: bool | None = None, *,
                      fallback: WidgetSettings | None = None) -> tuple[WidgetSettings, Errors]:
    """Return (settings, messages by setting path); settings are usable even when there are messages.

    With ``webhook_allow_private`` (the app's RTR_WEBHOOK_ALLOW_PRIVATE) the webhook URL is also
    checked against the SSRF guard. On errors each failing top-level setting is taken from
    ``fallback`` (default: the defaults), so a preview can show everything else as typed.
    """
    try:
        return WidgetSettings.model_validate(raw, context={"webhook_allow_private": webhook_allow_private}), {}
    except ValidationError as error:
        errors = error_messages(error)
    return _best_effort(raw, errors, fallback or WidgetSettings()), errors


def _best_effort(raw: Any, errors: Errors, fallback: WidgetSettings) -> WidgetSettings:
    """Return raw with every failing top-level setting taken from fallback (or fallback itself)."""
    if not isinstance(raw, dict):
        return fallback
    failed = {path.split(".", 1)[0] for path in errors}
    kept = {key: value for key, value in raw.items() if key not in failed and key in WidgetSettings.model_fields}
    try:
        return WidgetSettings.model_validate({**fallback.model_dump(), **kept})
    except ValidationError:  # a rule across settings (HubSpot ids) still fails
        return fallback


def consent_version(consent_text: str) -> str:
    """Return a short, stable fingerprint of the consent wording the person agreed to."""
    return hashlib.sha256(consent_text.encode("utf-8")).hexdigest()[:12]
