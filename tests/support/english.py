"""Find English left in what a Spanish reader sees: a page's visible words or an email's text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from pydantic import BaseModel

from widget.i18n import STRINGS
from widget.settings import WidgetSettings

#: Everyday English words a Spanish card or email has no reason to contain (none is also Spanish).
ENGLISH_WORD = re.compile(
    r"\b(the|your|you|and|please|thank|thanks|we|our|with|for|this|that|free|request|consultation|therapy|"
    r"office|online|email|phone|name|send|help|call|here|not|yet|sure|preferred|location|message|optional|"
    r"reach|anything|know|soon|within|business|waitlist|close|next|steps|read|more|book|alone|ready|rebuild|"
    r"agree|contact|emergency|danger|someone|team|safely|received|hello|reply|ignore)\b",
    re.IGNORECASE,
)
#: Attributes whose words people read or hear (a screen reader, the loader's launcher and dialog).
SPOKEN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "data-title", "data-label", "data-sending",
                     "data-offline", "data-rate-limited"}


class VisibleText(HTMLParser):
    """Collect the text a person reads or hears on a page: no scripts, styles or hidden values."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        for name, value in attrs:
            if name in SPOKEN_ATTRIBUTES and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    """Return the words of an HTML page a person reads or hears, one part a line."""
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


def _english_texts(settings: WidgetSettings) -> set[str]:
    """Return every English text of the settings and the interface that differs from its Spanish."""
    texts = {english for key, english in STRINGS["en"].items() if STRINGS["es"].get(key) != english}

    def walk(value: object) -> None:
        versions = value.model_dump() if isinstance(value, BaseModel) else {}
        if set(versions) == {"en", "es"}:  # a localised text
            if versions["en"] and versions["en"] != versions["es"]:
                texts.add(versions["en"])
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(settings)
    return texts


def english_left(text: str, settings: WidgetSettings, *, names: tuple[str, ...] = ()) -> list[str]:
    """Return the English found in text: whole English texts of the settings or interface, then words.

    ``names`` (the practice's name, a person's name) are taken out first: they are nobody's language.
    """
    for name in names:
        text = text.replace(name, " ")
    found = sorted(english for english in _english_texts(settings) if len(english) > 3 and english in text)
    return found + sorted({match.group(0) for match in ENGLISH_WORD.finditer(text)})
