"""The JSON Schema of a configuration file (``flask rtr export``), for editors and config-as-code checks.

The widget settings part comes from ``WidgetSettings``; the few keys around it are declared here
and used by ``widget.configio`` to check a file, so the schema and the import agree.
"""

from __future__ import annotations

import re
from typing import Any

from .model import WidgetSettings

FORMAT = "ready-to-rebuild/config"
FORMAT_VERSION = 1
WIDGET_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
WIDGET_NAME_LIMIT = 200
SECRET = re.compile(r"^whsec_[A-Za-z0-9+/]{24,}={0,2}$")
#: The file name an export's ``"$schema"`` refers to: save the schema beside the file under this name.
SCHEMA_FILE = "widget-settings.schema.json"


def config_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of a configuration file."""
    settings = WidgetSettings.model_json_schema()
    definitions = {**settings.pop("$defs"), "WidgetSettings": settings}
    widget = {
        "type": "object",
        "description": "One widget: its id, the name admins see, its settings and (optionally) its webhook secret.",
        "required": ["id", "name", "settings"],
        "properties": {
            "id": {"type": "string", "pattern": WIDGET_ID.pattern},
            "name": {"type": "string", "minLength": 1, "maxLength": WIDGET_NAME_LIMIT},
            "settings": {"$ref": "#/$defs/WidgetSettings"},
            "webhook_secret": {"type": "string", "pattern": SECRET.pattern},
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Ready to Rebuild configuration",
        "description": "Every widget of an installation, as `flask rtr export` writes and `flask rtr import` reads it.",
        "type": "object",
        "required": ["widgets"],
        "properties": {
            "$schema": {"type": "string"},
            "format": {"const": FORMAT},
            "version": {"const": FORMAT_VERSION},
            "widgets": {"type": "array", "items": {"$ref": "#/$defs/Widget"}},
        },
        "$defs": {**definitions, "Widget": widget},
    }
