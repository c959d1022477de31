"""Editing the settings form without saving: rows added or removed, field errors by input name, the saved values.

admin.js does the same in the browser (rows, live errors, the unsaved-changes warning); these are
the server's halves: the no-JavaScript buttons, the blank row it clones, and what it compares with.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wtforms import BooleanField, Field, FieldList, FormField, SelectField

#: Stands for a new row's index in the blank row admin.js clones (``services-__index__-url``).
INDEX_PLACEHOLDER = "__index__"
#: What a row of each list is called, for buttons and messages ("Add a service").
ROW_NOUNS = {"services": "service", "locations": "location"}
UNSAVED = "Not saved yet: press Save to keep the change."


def growable(form: Any) -> list[FieldList]:
    """Return the form's lists of rows that may grow and shrink (services, locations), in page order."""
    return [field for field in form if isinstance(field, FieldList) and field.min_entries != field.max_entries]


def row_template(rows: FieldList) -> Field:
    """Return a blank row of ``rows`` whose names and ids carry INDEX_PLACEHOLDER, for admin.js to clone."""
    options = {"name": f"{rows.name}-{INDEX_PLACEHOLDER}", "id": f"{rows.id}-{INDEX_PLACEHOLDER}",
               "_meta": rows.meta, "translations": rows._translations}
    field = rows.meta.bind_field(rows._form, rows.unbound_field, options)
    field.process(None)
    return field


def change_rows(form: Any, action: str) -> dict[str, str]:
    """Add a blank row (``add:services``) or remove one (``remove:services-2``); say what happened, by list."""
    verb, _, target = action.partition(":")
    for rows in growable(form):
        noun = ROW_NOUNS.get(rows.name, "row")
        if verb == "add" and target == rows.name:
            if len(rows.entries) >= rows.max_entries:
                return {rows.name: f"There can be at most {rows.max_entries} {noun}s."}
            rows.append_entry({})
            return {rows.name: f"Added an empty {noun} (number {len(rows.entries)}). {UNSAVED}"}
        if verb == "remove" and target.startswith(rows.name + "-"):
            position = next((i for i, entry in enumerate(rows.entries) if entry.name == target), None)
            if position is not None:
                rows.entries.pop(position)
                rows._compact_indices()
                return {rows.name: f"Removed {noun} {position + 1}. {UNSAVED}"}
    return {}


def leaf_fields(form: Any) -> Iterator[Field]:
    """Yield every input of the form in page order, inside groups and rows."""
    for field in form:
        if isinstance(field, FormField):
            yield from leaf_fields(field.form)
        elif isinstance(field, FieldList):
            for entry in field.entries:
                yield from leaf_fields(entry.form) if isinstance(entry, FormField) else [entry]
        else:
            yield field


def errors_by_name(form: Any) -> dict[str, str]:
    """Return each input's messages by its name (``theme-accent_color``), as the page shows them."""
    return {field.name: " ".join(field.errors) for field in leaf_fields(form) if field.errors}


def submitted_values(form: Any) -> list[list[str]]:
    """Return the form as a browser would submit it, as ``[name, value]`` pairs (checkboxes only when on)."""
    pairs = []
    for field in leaf_fields(form):
        if field.type == "CSRFTokenField":
            continue
        if isinstance(field, BooleanField):
            if field.data:
                pairs.append([field.name, "y"])
        elif isinstance(field, SelectField):
            pairs.append([field.name, str(field.data or "")])
        else:
            pairs.append([field.name, field._value()])
    return pairs
