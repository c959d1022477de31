"""Times on the admin pages, each in the time zone of the practice it belongs to.

A lead, a delivery or an audit entry of a widget shows in that widget's zone; anything else
(accounts, entries about no widget) in the installation's. Templates pass the widget id:
``lead.created_at|rtr_datetime(lead.widget_id)``.
"""

from __future__ import annotations

from flask import g

from ..queries.widgets import list_widgets
from ..state import get_state
from ..timezones import admin_time, iso_time
from .blueprint import blueprint


def zone_of(widget_id: str | None) -> str:
    """Return the zone name of a widget (empty: the installation's), read once per request."""
    if not widget_id:
        return ""
    zones: dict[str, str] | None = g.get("rtr_zones")
    if zones is None:
        zones = g.rtr_zones = {w.id: w.settings.time_zone for w in list_widgets(get_state().store)}
    return zones.get(widget_id, "")


@blueprint.app_template_filter("rtr_datetime")
def format_datetime(epoch: float | None, widget_id: str | None = None) -> str:
    """Format epoch seconds as ``2026-11-28 09:05 EST`` in the widget's time zone."""
    return admin_time(epoch, zone_of(widget_id))


@blueprint.app_template_filter("rtr_isotime")
def format_isotime(epoch: float | None, widget_id: str | None = None) -> str:
    """Format epoch seconds as ISO 8601 with the offset of the widget's zone, for ``<time datetime>``."""
    return iso_time(epoch, zone_of(widget_id))
