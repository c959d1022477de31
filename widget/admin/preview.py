"""Live preview of the real frame with unsaved settings, and the WCAG contrast check of a theme."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import abort, request
from werkzeug.wrappers import Response

from ..public import render_frame_preview
from ..settings.kinds import HEX_COLOUR
from ..store import Widget
from . import blueprint
from .auth import login_required
from .forms import csrf_failed
from .settings_form import check, submitted_form
from .widgets import load_widget

AA_NORMAL_TEXT = 4.5
WHITE = "#ffffff"
#: The colour pairs the card draws: (foreground, background, what it is).
PAIRS = (
    ("text_color", "background_color", "Text on the card background"),
    ("accent_color", "background_color", "Links (accent colour) on the card background"),
    (WHITE, "accent_color", "White button text on the accent colour"),
)


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    """Return the WCAG relative luminance of ``#rgb`` or ``#rrggbb``."""
    digits = hex_colour.strip().lstrip("#")
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    r, g, b = (int(digits[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(first: str, second: str) -> float:
    """Return the WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def contrast_warnings(theme: dict[str, Any]) -> list[str]:
    """Return one sentence per colour pair under the WCAG AA minimum of 4.5:1."""
    warnings = []
    for fore, back, label in PAIRS:
        first = fore if fore.startswith("#") else str(theme.get(fore, ""))
        second = str(theme.get(back, ""))
        if not (HEX_COLOUR.match(first) and HEX_COLOUR.match(second)):
            continue
        ratio = contrast_ratio(first, second)
        if ratio < AA_NORMAL_TEXT:
            warnings.append(f"{label}: contrast {ratio:.1f}:1 is under the 4.5:1 that WCAG AA asks for; "
                            "some visitors will struggle to read it.")
    return warnings


def preview_response(widget: Widget) -> Response:
    """Render the frame for the admin page: framable by the admin itself, and unable to send."""
    response = render_frame_preview(widget)
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
    """Render the widget's frame: saved settings on GET, the form's unsaved ones on POST."""
    widget = load_widget(widget_id)
    if request.method == "POST":
        form = submitted_form()
        if not form.validate() and csrf_failed(form):
            abort(400, description="This page expired; reload it to see the preview again.")
        clean, _ok = check(form, resolve_webhook=False, fallback=widget.settings)
        widget = dataclasses.replace(widget, settings=clean)
    return preview_response(widget)
