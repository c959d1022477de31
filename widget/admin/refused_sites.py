"""Sites that tried to show a widget while not allowed: listed on its page and the widgets list, allowed
with one press (the site and its www twin, as if typed), or dismissed. Both buttons are audit-logged."""

from __future__ import annotations

from dataclasses import dataclass

from flask import redirect, request, url_for
from werkzeug.wrappers import Response

from ..models import Widget
from ..origins import unicode_host
from ..queries.audit import record
from ..queries.refused_sites import RefusedSite, forget_refused, refused_for, refused_origins
from ..queries.widgets import save_settings
from ..settings import validate_settings
from ..state import get_state
from .auth import actor, login_required
from .blueprint import blueprint
from .forms import ActionForm
from .session import flash
from .widget_page import expired_button, load_widget

ANCHOR = "#refused-sites"


@dataclass(frozen=True)
class ShownSite:
    """A refused site as the admin reads it: its international name in Unicode."""

    site: RefusedSite
    name: str


def still_refused(widget: Widget, sites: list[RefusedSite]) -> list[RefusedSite]:
    """Return the sites the widget still refuses (none when it allows every site)."""
    allowed = widget.settings.allowed_origins
    return [site for site in sites if allowed and site.origin not in allowed]


def refused_sites(widget: Widget) -> list[ShownSite]:
    """Return the sites the widget refused and still refuses, the most recent first."""
    sites = still_refused(widget, refused_for(get_state().store, widget.id))
    return [ShownSite(site, unicode_host(site.origin)) for site in sites]


def refused_by_widget(widgets: list[Widget]) -> dict[str, list[str]]:
    """Return, per widget id, the names of the sites it still refuses (for the widgets list)."""
    noted = refused_origins(get_state().store)
    return {widget.id: [unicode_host(origin) for origin in noted.get(widget.id, [])
                        if widget.settings.allowed_origins and origin not in widget.settings.allowed_origins]
            for widget in widgets}


def _chosen(widget: Widget) -> RefusedSite | None:
    origin = request.form.get("origin", "")
    return next((site for site in still_refused(widget, refused_for(get_state().store, widget.id))
                 if site.origin == origin), None)


@blueprint.post("/widgets/<widget_id>/sites/allow")
@login_required
def allow_site(widget_id: str) -> Response:
    """Add a refused site (with its www twin) to the widget's allowed sites."""
    widget = load_widget(widget_id)
    if not ActionForm().validate_on_submit():
        return expired_button(widget, ANCHOR)
    site = _chosen(widget)
    if site is None:
        flash("That site is no longer on the list.", "info")
        return _back(widget)
    before = widget.settings.allowed_origins
    clean, errors = validate_settings({**widget.settings.model_dump(), "allowed_origins": [*before, site.origin]})
    if errors:
        flash(f"Not allowed: {' '.join(errors.values())} Remove a site under “Where it may appear” first.", "error")
        return _back(widget)
    store = get_state().store
    added = [origin for origin in clean.allowed_origins if origin not in before]
    save_settings(store, widget.id, clean, name=widget.name)
    forget_refused(store, widget.id, added)
    record(store, actor(), "widget.site_allowed", ", ".join(added), widget_id=widget.id)
    flash(f"Allowed {' and '.join(unicode_host(origin) for origin in added)}: the card shows there now.", "success")
    return _back(widget)


@blueprint.post("/widgets/<widget_id>/sites/dismiss")
@login_required
def dismiss_site(widget_id: str) -> Response:
    """Take a refused site off the list without allowing it (it comes back if it tries again)."""
    widget = load_widget(widget_id)
    if not ActionForm().validate_on_submit():
        return expired_button(widget, ANCHOR)
    site = _chosen(widget)
    if site is not None:
        forget_refused(get_state().store, widget.id, [site.origin])
        record(get_state().store, actor(), "widget.site_dismissed", site.origin, widget_id=widget.id)
        flash(f"Took {unicode_host(site.origin)} off the list. It stays refused.", "success")
    return _back(widget)


def _back(widget: Widget) -> Response:
    return redirect(url_for("rtr_admin.edit_widget", widget_id=widget.id) + ANCHOR)
