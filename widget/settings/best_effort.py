"""Settings that are partly wrong, made usable: each failing value taken from a valid fallback.

A preview of half-typed settings shows everything typed that is valid and, for each failing
value, the fallback's (the saved settings); a stored document that today's rules refuse loses
only what they refuse.
"""

from __future__ import annotations

import copy
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .kinds import Errors

M = TypeVar("M", bound=BaseModel)


def best_effort(model: type[M], raw: Any, errors: Errors, fallback: M) -> M:
    """Return raw with each failing value taken from fallback, as narrowly as its path allows.

    A failing value in a group (``theme.accent_color``) takes fallback's, and the rest of the group
    stays as typed; a failing entry of a list (``services.3.url``, ``notify_emails.2``) is left out.
    When a rule across settings still fails (the HubSpot ids), the typed settings are added to
    fallback's one at a time, keeping each that leaves them valid.
    """
    if not isinstance(raw, dict) or "settings" in errors:
        return fallback
    saved = fallback.model_dump()
    patched = _patched(model, raw, errors, saved)
    try:
        return model.model_validate(patched)
    except ValidationError:
        pass
    kept = saved
    for key in model.model_fields:
        if key in patched:
            trial = {**kept, key: patched[key]}
            try:
                model.model_validate(trial)
            except ValidationError:
                continue
            kept = trial
    return model.model_validate(kept)


def _patched(model: type[BaseModel], raw: dict[str, Any], errors: Errors,
             saved: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of raw with each failing path replaced from saved, or its list entry dropped."""
    patched = copy.deepcopy({key: value for key, value in raw.items() if key in model.model_fields})
    for path in errors:
        _patch(patched, saved, path.split("."))
    return _without_dropped(patched)


_DROPPED = object()


def _patch(typed: Any, known: Any, parts: list[str]) -> None:
    """Replace typed's value at parts with known's; in a list that differs in length from known's, drop the entry."""
    part, rest = parts[0], parts[1:]
    if isinstance(typed, list):
        if not part.isdigit() or int(part) >= len(typed):
            return
        key: Any = int(part)
        if not isinstance(known, list) or len(known) != len(typed):  # rows added or removed: not aligned
            typed[key] = _DROPPED
            return
    elif isinstance(typed, dict) and isinstance(known, dict) and part in known:
        key = part
    else:
        return
    if rest and isinstance(typed[key] if isinstance(typed, list) else typed.get(key), (dict, list)):
        _patch(typed[key], known[key], rest)
    else:
        typed[key] = copy.deepcopy(known[key])


def _without_dropped(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_dropped(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_dropped(item) for item in value if item is not _DROPPED]
    return value
