"""What the edit page says about languages: which texts lack a version, and what visitors read instead."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wtforms import FieldList, FormField

from ..i18n import language_name
from ..settings import Gap, WidgetSettings

#: How the page names one row of a list of settings.
ROW_NAMES = {"steps": "Step", "services": "Service", "locations": "Location"}


@dataclass(frozen=True)
class GapNote:
    """One text that falls back for visitors reading ``language``, said for the admin."""

    field_id: str
    where: str
    language: str
    note: str


def note(gap: Gap, own: str) -> str:
    """Return one sentence on what a visitor reading the gap's language sees instead."""
    theirs, mine = language_name(gap.language), language_name(own)
    if gap.kind == "stale":
        return (f"Still the built-in {theirs} wording, though your {mine} was changed: check it says the same, "
                "or write your own.")
    instead = f"the built-in {theirs} wording" if gap.fallback == "builtin" else f"your {mine} text"
    return f"No {theirs} yet: visitors reading {theirs} see {instead}."


def where(form: Any, path: str) -> str:
    """Return how the page names a setting path: ``Service 2 · Name``, ``Heading``."""
    parts, names, field = path.split("."), [], form
    for part in parts:
        if isinstance(field, FormField):
            field = field.form
        if isinstance(field, FieldList) and part.isdigit():
            names.append(f"{ROW_NAMES.get(field.name.split('-')[-1], 'Row')} {int(part) + 1}")
            field = field.entries[int(part)] if int(part) < len(field.entries) else None
        else:
            field = field._fields.get(part) if field is not None and hasattr(field, "_fields") else None
            if field is not None and not isinstance(field, FieldList):
                names.append(str(field.label.text))
        if field is None:
            break
    return " · ".join(names) or path


def gap_notes(form: Any, settings: WidgetSettings) -> list[GapNote]:
    """Return a note for every text that falls back in another language, in the page's order."""
    return [GapNote(f"{gap.path}.{gap.language}".replace(".", "-"), where(form, gap.path), gap.language,
                    note(gap, settings.language))
            for gap in settings.translation_gaps()]


def notes_by_field(notes: list[GapNote]) -> dict[str, str]:
    """Return each note by the id of the input it is about (``steps-0-title-es``)."""
    return {item.field_id: item.note for item in notes}
