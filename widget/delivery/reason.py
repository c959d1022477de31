"""The line that tells a practice's inbox why a request's email came to it (``widget.routing``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..i18n import N_, translate
from ..routing import EmailRoute, email_route, has_routes
from ..settings import WidgetSettings

CHOSE_ONE = N_("Sent to you because the person chose {choice}.")
CHOSE_BOTH = N_("Sent to you because the person chose {service} and {location}.")
#: At the ``alert`` level the email says nothing about the person, not even what they chose.
CHOSE_UNNAMED = N_("Sent to you because of the service or location the person chose; the request says which.")
MAIN_LIST = N_("Sent to the main list: the person chose no service or location that has its own list.")


def why_sent(settings: WidgetSettings, lead: Mapping[str, Any], target: Any, language: str, *,
             name_choices: bool = True) -> str:
    """Return why the email to target went there, in language; "" when routing plays no part.

    Nothing is said when the delivery's addresses are not where the settings route it now (it
    was sent on while they changed): a reason that may be wrong is worse than none.
    """
    route = route_taken(settings, lead, target)
    if route is None:
        return ""
    if not route.routed:
        return translate(language, MAIN_LIST)
    if not name_choices:
        return translate(language, CHOSE_UNNAMED)
    if route.service and route.location:
        return translate(language, CHOSE_BOTH).format(service=route.service, location=route.location)
    return translate(language, CHOSE_ONE).format(choice=route.service or route.location)


def route_taken(settings: WidgetSettings, lead: Mapping[str, Any], target: Any) -> EmailRoute | None:
    """Return the route the email to target followed under these settings; None when routing plays no
    part, or when target is not where the settings route the request now (it was sent on while they changed)."""
    if not has_routes(settings):
        return None
    route = email_route(settings, lead.get("service"), lead.get("location"))
    return route if set(route.recipients) == set(_addresses(target)) else None


def _addresses(target: Any) -> list[str]:
    if isinstance(target, str):
        target = json.loads(target) if target.startswith("[") else [target]
    return [str(address) for address in target or ()]
