"""A widget's settings, declared once: type, default, limits and messages of every setting.

``WidgetSettings`` is what code and templates read (``settings.heading``). It is stored and
exported as JSON (``model_dump(mode="json")``); a stored document is read back with
``WidgetSettings.from_stored``, which fills keys that older documents lack with their defaults.
Input from people (the admin form, ``flask rtr import``, ``create-widget``) goes through
``validate_settings``, which names each bad setting by its path.

Every text a visitor reads is localised (``settings.heading.es``; ``widget.settings.localised``):
the admin writes each language side by side, and a card reads ``settings.shown_in(language)``,
where each text is the string to show. Built-in defaults are English gettext messages (``N_``)
whose other languages come from the catalogs.

Adding a setting is one declaration here (with a docstring, published in the JSON Schema) and
one field in ``widget/admin/settings_form.py``; a test fails while either is missing.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar

from pydantic import ValidationError, model_validator

from ..i18n import LANGUAGES, N_, language_name
from .best_effort import best_effort
from .groups import (
    DEFAULT_STEPS,
    CrisisNotice,
    Fields,
    Line60,
    Line80,
    Line120,
    Lines300,
    Lines600,
    Location,
    Paragraph600,
    Service,
    Step,
    Theme,
)
from .kinds import (
    Choice,
    EmailAddress,
    Errors,
    Flag,
    Group,
    HubSpotCode,
    ListOf,
    OptionalEmail,
    Text,
    TimeZoneName,
    WebhookAddress,
    WholeNumber,
    error_messages,
    fail,
)
from .localised import Gap, Shown, gaps, missing_in_own_language, upgrade_texts
from .sites import Sites

DETAIL_LEVELS = ("full", "contact", "alert")
WEBHOOK_FORMATS = ("generic", "hubspot")
DEFAULT_CRISIS_NOTICE = N_(
    "If you are in danger or thinking about harming yourself, please don't wait for us. "
    "Call or text 988, or chat at 988lifeline.org, to reach the Suicide & Crisis Lifeline "
    "any time. In an emergency, call 911."
)
DEFAULT_CONSENT = N_(
    "I agree that the practice may contact me about this request using the details above. "
    "I understand this form is not for emergencies."
)

class WidgetSettings(Group):
    """Everything a practice sets for one widget: texts, steps, services, look, and where requests go."""

    not_an_object: ClassVar[str] = "Settings must be a JSON object."

    practice_name: Text(120, required=True) = "Our practice"
    """The practice's name, shown on the card and in emails."""
    heading: Line120 = Line120.builtin(N_("Ready to rebuild?"))
    """The card's heading."""
    intro: Lines600 = Lines600.builtin(N_(
        "Whatever happened, you don't have to sort it out alone. "
        "Reaching out is a first step, and it can be a small one."
    ))
    """The paragraph under the heading."""
    steps: ListOf(Step, 3, exactly="There are exactly three steps.") = list(DEFAULT_STEPS)
    """The three next steps."""
    services: ListOf(Service, 20) = []
    """Services, linked from the card and offered in the form."""
    locations: ListOf(Location, 20) = []
    """Locations, linked from the card and offered in the form."""
    accepting_new_clients: Flag = True
    """False shows the waitlist note above the form."""
    waitlist_text: Lines300 = Lines300.builtin(N_(
        "We have a short waitlist right now. Leave your details and we'll reach out as soon as a spot opens."
    ))
    """Shown while not accepting new clients."""
    response_time: Line80 = Line80.builtin(N_("within one business day"))
    """Completes "Someone will contact you …"; empty says "soon"."""
    crisis_notice: CrisisNotice = CrisisNotice.builtin(DEFAULT_CRISIS_NOTICE)
    """Always visible; each version must mention 988 or 911."""
    consent_text: Paragraph600 = Paragraph600.builtin(DEFAULT_CONSENT)
    """What the person agrees to; stored with each request, in the language they read it in."""
    submit_label: Line60 = Line60.builtin(N_("Request my free consultation"))
    """The send button's text."""
    launcher_label: Line60 = Line60.builtin(N_("Ready to rebuild?"))
    """The floating button's text (button mode)."""
    thank_you_heading: Line120 = Line120.builtin(N_("Thank you for reaching out"))
    """Shown after sending."""
    thank_you_text: Paragraph600 = Paragraph600.builtin(N_(
        "Your request is safely with us. Someone from our team will contact you {response_time}."
    ))
    """Shown after sending; {response_time} is replaced."""
    theme: Theme = Theme()
    """Colours, corners and fonts."""
    language: Choice(*LANGUAGES) = "en"
    """The widget's own language: visitors read it unless the snippet's data-lang asks for another."""
    time_zone: TimeZoneName = ""
    """The practice's IANA time zone for admin times, emails and the CSV; empty: the installation's."""
    allowed_origins: Sites(40) = []
    """Sites that may show the card and send requests (desertbloom.com); stored as origins, www twin included."""
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

    @model_validator(mode="before")
    @classmethod
    def _plain_texts_are_the_widgets_language(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        language = value.get("language") if value.get("language") in LANGUAGES else "en"
        return upgrade_texts(cls, value, language)

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
            return best_effort(cls, document, error_messages(error), cls())

    def shown_in(self, language: str) -> Any:
        """Return these settings as a card in language reads them: every text the string to show."""
        return Shown(self, language, self.language, _builtin())

    def translation_gaps(self) -> list[Gap]:
        """Return every text a visitor in another language reads in a fallback (for the edit page)."""
        return gaps(self, self.language, _builtin())


def _builtin() -> WidgetSettings:
    """Return the built-in settings, whose texts are the fallback wording in every language."""
    global _BUILTIN
    if _BUILTIN is None:
        _BUILTIN = WidgetSettings()
    return _BUILTIN


_BUILTIN: WidgetSettings | None = None


def validate_settings(raw: Any, webhook_allow_private: bool | None = None, *,
                      fallback: WidgetSettings | None = None) -> tuple[WidgetSettings, Errors]:
    """Return (settings, messages by setting path); settings are usable even when there are messages.

    With ``webhook_allow_private`` (the app's RTR_WEBHOOK_ALLOW_PRIVATE) the webhook URL is also
    checked against the SSRF guard. On errors each failing top-level setting is taken from
    ``fallback`` (default: the defaults), so a preview can show everything else as typed.
    """
    errors: Errors = {}
    try:
        clean = WidgetSettings.model_validate(raw, context={"webhook_allow_private": webhook_allow_private})
    except ValidationError as error:
        errors = error_messages(error)
        clean = best_effort(WidgetSettings, raw, errors, fallback or WidgetSettings())
    unwritten = _unwritten(clean, errors)
    if unwritten:
        errors.update(unwritten)
        clean = best_effort(WidgetSettings, raw, errors, fallback or WidgetSettings())
    return clean, errors


def _unwritten(settings: WidgetSettings, errors: Errors) -> Errors:
    """Name each required text that has no version in the widget's own language."""
    message = f"Write this in {language_name(settings.language)}, the widget's language."
    return {path: message for path in missing_in_own_language(settings, settings.language)
            if not any(path == failed or path.startswith(failed + ".") for failed in errors)}


def consent_version(consent_text: str) -> str:
    """Return a short, stable fingerprint of the consent wording the person agreed to."""
    return hashlib.sha256(consent_text.encode("utf-8")).hexdigest()[:12]
