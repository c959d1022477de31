"""A widget's settings: one typed model (``WidgetSettings``), its published schema and the demo practice."""

from __future__ import annotations

from .demo import demo_settings
from .kinds import Errors
from .localised import Gap, Localised
from .model import (
    DETAIL_LEVELS,
    LANGUAGES,
    WEBHOOK_FORMATS,
    Fields,
    Location,
    Service,
    Step,
    Theme,
    WidgetSettings,
    consent_version,
    validate_settings,
)

__all__ = [
    "DETAIL_LEVELS", "LANGUAGES", "WEBHOOK_FORMATS", "Errors", "Fields", "Gap", "Localised", "Location", "Service",
    "Step", "Theme", "WidgetSettings", "consent_version", "demo_settings", "validate_settings",
]
