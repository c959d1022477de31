"""Where a lead's deliveries go under a widget's settings: one delivery per configured channel."""

from __future__ import annotations

from typing import Any

from .models import NewLead, Widget
from .settings import WidgetSettings


def current_target(channel: str, settings: WidgetSettings) -> Any:
    """Return where a delivery on channel goes under the widget's settings now (None: keep its own)."""
    if channel == "email":
        return list(settings.notify_emails) or None
    if channel == "webhook":
        return settings.webhook_url or None
    return None


def planned_deliveries(widget: Widget, lead: NewLead, public_id: str) -> list[dict[str, Any]]:
    """Return the delivery rows a new lead needs under the widget's settings."""
    settings = widget.settings
    planned: list[dict[str, Any]] = []
    if settings.notify_emails:
        planned.append({"channel": "email", "target": list(settings.notify_emails),
                        "message_id": f"<{public_id}.lead@ready-to-rebuild>"})
    if settings.webhook_url:  # while a 410 has it switched off, the worker parks it for later
        planned.append({"channel": "webhook", "target": settings.webhook_url,
                        "message_id": f"msg_{public_id}"})
    if settings.confirmation_email:
        planned.append({"channel": "confirmation", "target": [lead.email],
                        "message_id": f"<{public_id}.thanks@ready-to-rebuild>"})
    return planned
