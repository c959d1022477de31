"""Map settings to form fields by name, both ways, and put each message on the field it names.

A setting is shown by the form field of the same name: a group of settings (``theme``) by a
``FormField``, a list of groups (``services``) by a ``FieldList`` of them, a list of texts
(``notify_emails``) by a textarea with one entry per line, anything else by one field.
"""

from __future__ import annotations

from typing import Any, get_args, get_origin

from pydantic import BaseModel
from wtforms import BooleanField, FieldList, FormField
from wtforms.form import BaseForm

#: Where each row of a list that skips blank rows sits in the form, by setting path: ``{"services": [0, 2]}``.
Rows = dict[str, list[int]]


def _is_group(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def kind_of(annotation: Any) -> str:
    """Return how a setting of this type is shown: ``group``, ``rows``, ``lines`` or ``value``."""
    if _is_group(annotation):
        return "group"
    if get_origin(annotation) is list:
        return "rows" if _is_group(get_args(annotation)[0]) else "lines"
    return "value"


def max_items(model: type[BaseModel], name: str) -> int:
    """Return the most entries the list setting ``name`` may hold."""
    return min(item.max_length for item in model.model_fields[name].metadata if getattr(item, "max_length", None))


def form_data(settings: BaseModel) -> dict[str, Any]:
    """Return settings as the form's data: lines joined, numbers as text."""
    data: dict[str, Any] = {}
    for name, info in type(settings).model_fields.items():
        value, kind = getattr(settings, name), kind_of(info.annotation)
        if kind == "group":
            data[name] = form_data(value)
        elif kind == "rows":
            data[name] = [form_data(item) for item in value]
        elif kind == "lines":
            data[name] = "\n".join(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            data[name] = str(value)
        else:
            data[name] = value
    return data


def settings_typed(form: BaseForm, model: type[BaseModel]) -> tuple[dict[str, Any], Rows]:
    """Return what was typed as raw settings for ``model``, and where each kept row sits in the form.

    Blank rows of a list that may grow (services) are left out; a list of fixed length (the three
    steps) keeps every row, so an emptied one is named.
    """
    rows: Rows = {}
    return _typed(form, model, "", rows), rows


def _typed(form: BaseForm, model: type[BaseModel], prefix: str, rows: Rows) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        field, path, kind = form[name], prefix + name, kind_of(info.annotation)
        if kind == "group":
            raw[name] = _typed(field.form, info.annotation, path + ".", rows)
        elif kind == "rows":
            item_model = get_args(info.annotation)[0]
            typed = [(index, _typed(entry.form, item_model, f"{path}.{index}.", rows))
                     for index, entry in enumerate(field.entries)]
            if field.min_entries != field.max_entries:
                typed = [(index, row) for index, row in typed if not _blank(row)]
            rows[path] = [index for index, _row in typed]
            raw[name] = [row for _index, row in typed]
        elif kind == "lines":
            raw[name] = [line.strip() for line in (field.data or "").splitlines() if line.strip()]
        elif isinstance(field, BooleanField):
            raw[name] = bool(field.data)
        else:
            raw[name] = field.data or ""
    return raw


def _blank(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_blank(item) for item in value.values())
    if isinstance(value, str):
        return not value.strip()
    return not value


def attach_error(form: Any, path: str, message: str, rows: Rows) -> None:
    """Put message on the field that path names; a group's message goes to ``form.group_errors``.

    ``services.1.url`` is the url of the second kept service row (``rows`` says which form row);
    ``notify_emails.2`` is line 3 of its textarea.
    """
    parts = path.split(".")
    field: Any = form
    for depth, part in enumerate(parts):
        if isinstance(field, FormField):
            field = field.form
        if isinstance(field, BaseForm):
            field = field._fields.get(part)
        elif isinstance(field, FieldList) and part.isdigit():
            where = rows.get(".".join(parts[:depth]))
            index = where[int(part)] if where and int(part) < len(where) else int(part)
            field = field.entries[index] if index < len(field.entries) else None
        elif part.isdigit() and depth == len(parts) - 1:
            message = f"Line {int(part) + 1}: {message}"
        else:
            field = None
        if field is None:
            break
    if field is None or isinstance(field, (BaseForm, FormField, FieldList)):
        form.group_errors.setdefault(parts[0], []).append(message)
    else:
        field.errors = [*field.errors, message]
