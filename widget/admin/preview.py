"""Live preview of the real frame with unsaved settings."""

from __future__ import annotations

import dataclasses

from flask import jsonify, request
from werkzeug.wrappers import Response

from ..frame import render_frame_preview
from ..i18n import supported
from ..models import Widget
from .auth import login_required
from .blueprint import blueprint
from .contrast import contrast_warnings, form_colours
from .editing import errors_by_name
from .settings_form import check, posted_form
from .widget_page import load_widget


def preview_response(widget: Widget, language: str | None = None) -> Response:
    """Render the frame for the admin page: framable by the admin itself, and unable to send."""
    response = render_frame_preview(widget, language)
    csp = response.headers.get("Content-Security-Policy", "")
    parts = [part for part in csp.split("; ") if not part.startswith(("frame-ancestors", "form-action",
                                                                      "connect-src"))]
    parts += ["connect-src 'none'", "form-action 'none'", "frame-ancestors 'self'"]
    response.headers["Content-Security-Policy"] = "; ".join(parts)
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@blueprint.route("/widgets/<widget_id>/preview", methods=["GET", "POST"])
@login_required
def preview(widget_id: str) -> Response:
    """Render the widget's frame: saved settings on GET, the form's unsaved ones on POST.

    In the language the page's switch chose (``preview_language``, or ``lang`` on GET), as a
    visitor reading that language would see it; default: the widget's own.
    """
    widget = load_widget(widget_id)
    language = supported(request.values.get("preview_language") or request.args.get("lang"))
    if request.method == "POST":
        form = posted_form("This page expired; reload it to see the preview again.")
        clean, _ok = check(form, resolve_webhook=False, fallback=widget.settings)
        widget = dataclasses.replace(widget, settings=clean)
    return preview_response(widget, language)


@blueprint.post("/widgets/<widget_id>/check")
@login_required
def check_settings(widget_id: str) -> Response:
    """Answer, as JSON, what each typed field still needs and the colours' contrast warnings (admin.js shows them).

    ``{"errors": {"theme-accent_color": "..."}, "groups": {"services": ["..."]}, "warnings": ["..."]}``,
    checked as Save checks them, except the webhook's DNS lookup (this runs as the admin types).
    """
    load_widget(widget_id)
    form = posted_form("This page expired; reload it to check your changes again.")
    check(form, resolve_webhook=False)
    return jsonify(errors=errors_by_name(form), groups=form.group_errors,
                   warnings=contrast_warnings(form_colours(form)))
