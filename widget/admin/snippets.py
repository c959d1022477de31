"""The embed snippets an admin copies into the practice's website, one per display mode."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from flask import current_app, request, url_for
from markupsafe import escape

from ..links import public_base_url
from ..models import Widget
from ..queries.card_heights import stored
from ..state import get_state


@dataclass(frozen=True)
class Snippet:
    mode: str
    title: str
    help: str
    code: str


def public_base() -> str:
    """Return this server's base URL as visitors reach it (RTR_PUBLIC_URL when set)."""
    return public_base_url(current_app) or request.host_url.rstrip("/")


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


def reserved_box(widget: Widget) -> str:
    """Return the empty element the inline card mounts into, as tall as the card last measured."""
    measured = stored(get_state().store, widget.id)
    style = f' style="{reservation_css(measured.heights)}"' if measured else ""
    return f'<div id="rtr-{escape(widget.id)}"{style}></div>'


def snippets(widget: Widget) -> list[Snippet]:
    """Return the snippet for each mode: inline card, floating button, popup link, plain link."""
    base = public_base()
    script = f"{base}{url_for('rtr.embed_js')}"
    page = f"{base}{url_for('rtr.hosted_page', widget_id=widget.id)}"
    wid = escape(widget.id)
    label = escape(widget.settings.launcher_label.get(widget.settings.language))
    tag = f'<script async src="{escape(script)}" data-widget="{wid}"'
    return [
        Snippet("inline", "Card in the page",
                "The card appears exactly where you paste this, for example at the end of a blog post. "
                "The empty box before the script keeps the card's place while it loads.",
                f'{reserved_box(widget)}\n{tag} data-target="#rtr-{wid}"></script>'),
        # No data-label: the launcher's words follow the saved settings and the card's language.
        Snippet("button", "Floating button",
                "A round button in the bottom corner of every page; it opens the card over the page.",
                f'{tag} data-mode="button"></script>'),
        Snippet("popup", "Your own link or button",
                "Any link with data-rtr-open opens the card over the page; without JavaScript it still "
                "leads to the full-page version.",
                f'{tag} data-mode="popup"></script>\n<a href="{escape(page)}" data-rtr-open="{wid}">{label}</a>'),
        Snippet("link", "Plain link (email, social media)",
                "A full page with the card, for places where scripts can't run.",
                page),
    ]
