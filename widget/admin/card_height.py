"""The inline snippet's reserved height: the saved card measured in the admin's browser.

A card's height depends on its settings (steps, services, fields, texts) and on its width, which
only a browser knows. The edit page draws the saved card at the widths in ``WIDTHS`` (admin.js) and
posts the heights here; the inline snippet then reserves ``padding-top`` following the measured
curve (``snippets.reservation_css``), interpolated by the width of the element it sits in, so the
page does not move when the card arrives. Measurements belong to one settings version
(``queries.card_heights``): after a save the edit page measures again, and when the card's height
moved the admin is told to copy the snippet again.
"""

from __future__ import annotations

from flask import jsonify, request
from werkzeug.wrappers import Response

from ..queries.card_heights import Measured, save, stored
from ..state import get_state
from .auth import login_required
from .blueprint import blueprint
from .forms import ActionForm
from .snippets import snippets
from .widget_page import load_widget

#: Widths (CSS px) of the card's iframe that the admin's browser measures: phones to the 720 px cap.
WIDTHS = (340, 400, 480, 600, 720)
#: A change of more than this many pixels at some width makes a pasted snippet worth replacing.
NOTICEABLE = 40
TALLEST = 20_000


def _posted_heights() -> dict[int, int] | None:
    """Return the heights posted as ``h<width>`` fields, or None unless every width has a sane one."""
    heights = {}
    for width in WIDTHS:
        value = request.form.get(f"h{width}", "")
        if not value.isdigit() or not 0 < int(value) <= TALLEST:
            return None
        heights[width] = int(value)
    return heights


def moved(before: Measured | None, after: dict[int, int]) -> int:
    """Return the largest change in pixels at any width since the last measurement (0 without one)."""
    if before is None or set(before.heights) != set(after):
        return 0
    return max(abs(after[width] - before.heights[width]) for width in after)


@blueprint.post("/widgets/<widget_id>/card-height")
@login_required
def measured(widget_id: str) -> Response:
    """Store the heights the edit page measured; answer with the new inline snippet."""
    widget = load_widget(widget_id)
    heights = _posted_heights()
    if not ActionForm().validate_on_submit():
        return _refuse("This page expired; reload it to measure the card again.")
    if heights is None:
        return _refuse(f"Send a height in pixels for each width: {', '.join(f'h{w}' for w in WIDTHS)}.")
    if request.form.get("version") != str(widget.version):
        return _refuse("The settings changed since this page was loaded; reload it to measure again.", 409)
    store = get_state().store
    change = moved(stored(store, widget.id), heights)
    save(store, widget.id, widget.version, heights)
    inline = next(s for s in snippets(widget) if s.mode == "inline")
    notice = "" if change <= NOTICEABLE else (
        f"Your last changes made the card up to {change:,} px taller or shorter. The “Card in the page” snippet "
        "below now keeps the new height: copy it again and replace the one on your website, so the text "
        "under the card doesn't jump while it loads.")
    return jsonify(ok=True, snippet=inline.code, notice=notice)


def _refuse(message: str, status: int = 400) -> Response:
    response = jsonify(ok=False, message=message)
    response.status_code = status
    return response
