"""Where a lead's deliveries go under a widget's settings: one delivery per configured channel.

The email to the practice follows the person's choices (group practices give a service or a
location its own notification list):

- the chosen service's list and the chosen location's list, together (each address once, the
  service's first), when either has one: everyone concerned hears about the request;
- else the widget's own list (``notify_emails``).

A choice is matched by the option's name in any language (requests store the name in the widget's
own language), so a service renamed after a request no longer routes that request. The same rule
plans a new lead's delivery, points pending deliveries at the lists just saved, and readdresses a
replayed one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .models import NewLead, Widget
from .settings import Location, Service, WidgetSettings


@dataclass(frozen=True)
class EmailRoute:
    """Who is emailed about a request, and which of the person's choices sent it there."""

    recipients: tuple[str, ...]
    #: The chosen service's name when its own list is used, else "".
    service: str = ""
    #: The chosen location's name when its own list is used, else "".
    location: str = ""

    @property
    def routed(self) -> bool:
        """Tell whether a service's or location's own list was used rather than the widget's."""
        return bool(self.service or self.location)


def email_route(settings: WidgetSettings, service: str | None, location: str | None) -> EmailRoute:
    """Return where the practice's email about a request with these choices goes."""
    chosen_service = _chosen(settings.services, service)
    chosen_location = _chosen(settings.locations, location)
    recipients: list[str] = []
    for chosen in (chosen_service, chosen_location):
        if chosen is not None:
            recipients += chosen.notify_emails
    if not recipients:
        return EmailRoute(tuple(settings.notify_emails))
    own = settings.language
    return EmailRoute(tuple(dict.fromkeys(recipients)),
                      service=chosen_service.name.in_own_language(own) if chosen_service else "",
                      location=chosen_location.name.in_own_language(own) if chosen_location else "")


def has_routes(settings: WidgetSettings) -> bool:
    """Tell whether any service or location has its own notification list."""
    return any(item.notify_emails for item in (*settings.services, *settings.locations))


def every_address(settings: WidgetSettings) -> list[str]:
    """Return every address the practice's emails may go to: the widget's list, then each own list."""
    lists = [settings.notify_emails, *(item.notify_emails for item in (*settings.services, *settings.locations))]
    return list(dict.fromkeys(address for addresses in lists for address in addresses))


def _chosen(options: Sequence[Service | Location], name: str | None) -> Service | Location | None:
    """Return the option named name (in any language) when it has its own list, else None."""
    if not name:
        return None
    for option in options:
        if option.notify_emails and name in option.name.model_dump().values():
            return option
    return None


def current_target(channel: str, settings: WidgetSettings, lead: Mapping[str, Any] | None = None) -> Any:
    """Return where a delivery on channel for lead goes under the widget's settings now (None: keep its own)."""
    if channel == "email":
        lead = lead or {}
        return list(email_route(settings, lead.get("service"), lead.get("location")).recipients) or None
    if channel == "webhook":
        return settings.webhook_url or None
    return None


def planned_deliveries(widget: Widget, lead: NewLead, public_id: str) -> list[dict[str, Any]]:
    """Return the delivery rows a new lead needs under the widget's settings."""
    settings = widget.settings
    planned: list[dict[str, Any]] = []
    practice_inbox = email_route(settings, lead.service, lead.location).recipients
    if practice_inbox:
        planned.append({"channel": "email", "target": list(practice_inbox),
                        "message_id": f"<{public_id}.lead@ready-to-rebuild>"})
    if settings.webhook_url:  # while a 410 has it switched off, the worker parks it for later
        planned.append({"channel": "webhook", "target": settings.webhook_url,
                        "message_id": f"msg_{public_id}"})
    if settings.confirmation_email:
        planned.append({"channel": "confirmation", "target": [lead.email],
                        "message_id": f"<{public_id}.thanks@ready-to-rebuild>"})
    return planned
