"""The widget an admin page is about: load it (or 404), and send a stale button back to its page."""

from __future__ import annotations

from flask import abort, redirect, url_for
from werkzeug.wrappers import Response

from ..models import Widget
from ..queries.widgets import get_widget
from ..state import get_state
from .session import flash


def load_widget(widget_id: str) -> Widget:
    """Return the widget or answer 404."""
    widget = get_widget(get_state().store, widget_id)
    if widget is None:
        abort(404, description="There is no widget with this id.")
    return widget


def expired_button(widget: Widget, anchor: str = "") -> Response:
    """Send the admin back to the widget with a note that the button's form expired."""
    flash("That button's form expired; please press it again.", "error")
    return redirect(url_for("rtr_admin.edit_widget", widget_id=widget.id) + anchor)
