"""The groups of settings a widget holds: its steps, services, locations, theme and form fields.

Their texts are localised (one version per language, ``widget.settings.localised``); the kinds of
localised text are declared here once, by length and shape.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import model_validator

from ..i18n import LANGUAGES, N_
from .kinds import EmailAddress, Flag, FontStack, Group, HexColour, ListOf, WebAddress, WholeNumber, crisis_line, fail
from .localised import LocalisedText

# The kinds of localised text: one version per language, each checked like a plain text.
Line60 = LocalisedText(60, required=True)
Line80 = LocalisedText(80)
Title80 = LocalisedText(80, required=True)
Line120 = LocalisedText(120, required=True)
Line160 = LocalisedText(160)
Lines300 = LocalisedText(300, multiline=True)
Lines600 = LocalisedText(600, multiline=True)
Paragraph600 = LocalisedText(600, required=True, multiline=True)
#: The crisis notice: always shown, and each version must keep a number to call now.
CrisisNotice = LocalisedText(600, required=True, multiline=True, check=crisis_line, name="CrisisNotice")


class Step(Group):
    """One of the card's three next steps."""

    not_an_object: ClassVar[str] = "Each step has a title and a text."

    title: Title80
    """The step's title."""
    text: Lines300 = Lines300()
    """A sentence or two under the title."""
    link_url: WebAddress = ""
    """An optional link for the step."""
    link_label: Line80 = Line80()
    """The link's text (needed with a link)."""

    @model_validator(mode="after")
    def _link_has_a_label(self) -> Step:
        if self.link_url and not any(self.link_label.get(language) for language in LANGUAGES):
            fail("Give the link a label people can read.", field="link_label")
        return self

    def required_texts(self) -> tuple[str, ...]:
        """Return the texts the widget's own language needs here besides the required kinds."""
        return ("link_label",) if self.link_url else ()


class Service(Group):
    """A service the practice offers; visitors may pick one in the form."""

    not_an_object: ClassVar[str] = "Each entry has a name."

    name: Title80
    """The service's name (also what the form's "Which service" offers)."""
    description: Line160 = Line160()
    """One line about it."""
    url: WebAddress = ""
    """Its page on the practice's site."""
    notify_emails: ListOf(EmailAddress, 10, unique=True) = []
    """Who is emailed about requests for this service instead of the widget's list; empty: the widget's list."""


class Location(Group):
    """An office (or telehealth); visitors may pick one in the form."""

    not_an_object: ClassVar[str] = "Each entry has a name."

    name: Title80
    """The location's name."""
    city: Line160 = Line160()
    """City or area."""
    online: Flag = False
    """Sessions happen online (telehealth): the card says so in the visitor's language."""
    url: WebAddress = ""
    """Its page on the practice's site."""
    notify_emails: ListOf(EmailAddress, 10, unique=True) = []
    """Who is emailed about requests for this location instead of the widget's list; empty: the widget's list."""

    @model_validator(mode="before")
    @classmethod
    def _telehealth_city_means_online(cls, value: Any) -> Any:
        # Settings written before the online flag marked online sessions with the city "telehealth".
        if isinstance(value, dict) and "online" not in value:
            city = value.get("city")
            versions = city.values() if isinstance(city, dict) else [city]
            if any(isinstance(text, str) and text.strip().lower() == "telehealth" for text in versions):
                return {**value, "online": True, "city": ""}
        return value


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
    Step(title=Title80.builtin(N_("Book a free consultation")),
         text=Lines300.builtin(N_("A short, no-pressure call to talk about what's going on and whether we're a "
                                  "good fit."))),
    Step(title=Title80.builtin(N_("Read a little more")),
         text=Lines300.builtin(N_("Learn how therapy can help you heal, together or on your own."))),
    Step(title=Title80.builtin(N_("You are not alone")),
         text=Lines300.builtin(N_("Many people come to us after trust was broken. Healing is possible at your "
                                  "own pace."))),
)


