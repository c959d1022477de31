"""A group practice for routing tests: couples therapists, a Las Vegas office, and the main intake list."""

from __future__ import annotations

from typing import Any

from widget.settings import WidgetSettings, demo_settings

from .settings import changed

INTAKE = "intake@harbor.example"
COUPLES = "couples@harbor.example"
VEGAS = "vegas@harbor.example"


def group_practice(**changes: Any) -> WidgetSettings:
    """Return the demo practice whose Couples therapy and Las Vegas office have their own lists.

    Both lists hold the couples team (a Las Vegas couples request reaches it once); Individual
    therapy, Family therapy and the other locations have none.
    """
    demo = demo_settings().model_dump()
    services, locations = demo["services"], demo["locations"]
    services[0]["notify_emails"] = [COUPLES]
    locations[1]["notify_emails"] = [VEGAS, COUPLES]
    lists = {"services": services, "locations": locations, "notify_emails": [INTAKE]}
    return changed(demo_settings(), **{**lists, **changes})
