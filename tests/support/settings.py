"""Settings for tests: change a few settings of a checked ``WidgetSettings``, checked again."""

from __future__ import annotations

from typing import Any

from widget.settings import WidgetSettings, validate_settings


def changed(settings: WidgetSettings | None = None, **changes: Any) -> WidgetSettings:
    """Return settings (default: the defaults) with changes applied; a bad value fails the test."""
    base = (settings or WidgetSettings()).model_dump()
    clean, errors = validate_settings({**base, **changes})
    assert not errors, errors
    return clean
