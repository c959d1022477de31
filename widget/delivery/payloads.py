"""What a webhook carries: the generic JSON event, or a HubSpot Forms submission."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlunsplit

from ..i18n import language_name
from ..models import Widget
from ..origins import split_url

HUBSPOT_PATH = "/submissions/v3/integration/submit/{portal}/{guid}"


def iso(epoch: float) -> str:
    """Return an epoch time as ISO 8601 UTC with milliseconds."""
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def lead_data(lead: dict[str, Any], widget: Widget, admin_url: str = "") -> dict[str, Any]:
    """Return the lead as the generic ``lead.created`` data.

    For webhooks the detail level only governs the free-text message (sent at ``full`` only):
    the receiver is a CRM whose whole job is to hold the person's contact details.
    """
    data: dict[str, Any] = {
        "id": lead["public_id"],
        "widget_id": widget.id,
        "practice_name": widget.settings.practice_name,
        "created_at": iso(lead["created_at"]),
        "name": lead["name"],
        "email": lead["email"],
        "phone": lead["phone"],
        "contact_method": lead["contact_method"],
        "ok_to_email": bool(lead["ok_to_email"]),
        "ok_to_text": bool(lead["ok_to_text"]),
        "ok_to_voicemail": bool(lead["ok_to_voicemail"]),
        "service": lead["service"],
        "location": lead["location"],
        "page_url": lead["page_url"],
        "utm": lead["utm"] or {},
        # The language the person used the form in, as a code and by name: reply in it.
        "language": lead["language"],
        "language_name": language_name(lead["language"]),
        "consent": {"text": lead["consent_text"], "version": lead["consent_version"],
                    "at": iso(lead["consented_at"])},
    }
    if widget.settings.detail_level == "full":
        data["message"] = lead["message"]
    if admin_url:
        data["admin_url"] = admin_url
    return data


def event(kind: str, data: dict[str, Any], now: float) -> dict[str, Any]:
    """Wrap data as a Standard Webhooks event: ``{"type", "timestamp", "data"}``."""
    return {"type": kind, "timestamp": iso(now), "data": data}


def hubspot_url(url: str, widget: Widget) -> str:
    """Return the Forms submission URL: the configured URL, with HubSpot's path when it has none."""
    parts = split_url(url)
    if parts is None or parts.path not in ("", "/"):
        return url
    path = HUBSPOT_PATH.format(portal=widget.settings.hubspot_portal_id, guid=widget.settings.hubspot_form_guid)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def hubspot_submission(lead: dict[str, Any], widget: Widget) -> dict[str, Any]:
    """Return the lead as a HubSpot Forms API v3 submission.

    Format per HubSpot's documentation, "Submit data to a form (Forms API v3)":
    https://developers.hubspot.com/docs/api/marketing/forms (endpoint
    ``POST https://api.hsforms.com/submissions/v3/integration/submit/:portalId/:formGuid``):
    ``submittedAt`` in epoch milliseconds, ``fields`` as ``[{"objectTypeId": "0-1", "name", "value"}]``
    (0-1 = contact properties), ``context.pageUri`` / ``pageName``, and ``legalConsentOptions``.
    """
    first, _, last = lead["name"].strip().partition(" ")
    fields = [("email", lead["email"]), ("firstname", first), ("lastname", last.strip()), ("phone", lead["phone"])]
    if widget.settings.detail_level == "full" and lead["message"]:
        fields.append(("message", lead["message"]))
    context: dict[str, Any] = {"pageName": widget.settings.practice_name}
    if lead["page_url"]:
        context["pageUri"] = lead["page_url"]
    return {
        "submittedAt": str(int(lead["created_at"] * 1000)),
        "fields": [{"objectTypeId": "0-1", "name": name, "value": value} for name, value in fields if value],
        "context": context,
        "legalConsentOptions": {
            "consent": {"consentToProcess": True, "text": lead["consent_text"]},
        },
    }
