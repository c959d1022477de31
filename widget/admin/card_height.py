"""The inline snippet's reserved height: the saved card measured in the admin's browser.

A card's height depends on its settings (steps, services, fields, texts) and on its width, which
only a browser knows. The edit page draws the saved card at the widths in ``WIDTHS`` (admin.js) and
posts the heights here; the inline snippet then reserves ``padding-top`` following the measured
curve, interpolated by the width of the element it sits in, so the page does not move when the
card arrives. Measurements belong to one settings version: after a save the edit page measures
again, and when the card's height moved the admin is told to copy the snippet again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from itertools import pairwise

from flask import jsonify, request
from sqlalchemy import delete, insert, select
from werkzeug.wrappers import Response

from ..extension import get_state
from ..store import Store, Widget, card_heights
from . import blueprint
from .auth import login_required
from .forms import ActionForm

#: Widths (CSS px) of the card's iframe that the admin's browser measures: phones to the 720 px cap.
WIDTHS = (340, 400, 480, 600, 720)
#: A change of more than this many pixels at some width makes a pasted snippet worth replacing.
NOTICEABLE = 40
TALLEST = 20_000


@dataclass(frozen=True)
class Measured:
    """The card's height at each measured width, for one settings version."""

    version: int
    heights: dict[int, int]


def stored(store: Store, widget_id: str) -> Measured | None:
    """Return the last measurement of a widget's card, current or not."""
    with store.reading() as conn:
        row = conn.execute(select(card_heights).where(card_heights.c.widget_id == widget_id)).first()
    if row is None:
        return None
    return Measured(row.settings_version, {int(width): int(height) for width, height in row.heights.items()})


def reservation_css(heights: dict[int, int]) -> str:
    """Return ``padding-top`` that follows the measured heights, interpolated by the element's width.

    Percentages in padding are of the containing block's width, so one ``calc()`` draws the
    piecewise-linear curve through the measurements: the widest height, plus, per interval
    between two widths, its slope times how far below the interval's top the width is (capped at
    the interval, except below the narrowest width, where it keeps growing).
    """
    points = sorted(heights.items())
    terms = [f"{points[-1][1]}px"]
    for index, ((narrow, tall), (wide, short)) in enumerate(pairwise(points)):
        slope = (tall - short) / (wide - narrow)
        if round(slope, 2) == 0:
            continue
        below = f"max(0px,{wide}px - 100%)" if index == 0 else f"clamp(0px,{wide}px - 100%,{wide - narrow}px)"
        terms.append(f"{slope:.2f}*{below}")
    return "padding-top:" + (terms[0] if len(terms) == 1 else "calc(" + " + ".join(terms) + ")")


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


def save(store: Store, widget: Widget, heights: dict[int, int]) -> None:
    """Keep the heights measured for the widget's current settings version."""
    with store.engine.begin() as conn:
        conn.execute(delete(card_heights).where(card_heights.c.widget_id == widget.id))
        conn.execute(insert(card_heights).values(widget_id=widget.id, settings_version=widget.version,
                                                 heights={str(w): h for w, h in heights.items()},
                                                 measured_at=time.time()))


@blueprint.post("/widgets/<widget_id>/card-height")
@login_required
def measured(widget_id: str) -> Response:
    """Store the heights the edit page measured; answer with the new inline snippet."""
    from .snippets import snippets
    from .widgets import load_widget

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
    save(store, widget, heights)
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
