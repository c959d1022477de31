"""Views and requests by page and by UTM campaign: the rows of the views page, and their bar chart.

The chart is plain SVG markup built here (no inline style, which the admin's CSP forbids), with a
title and a description; the table beside it holds every row, the chart the most viewed ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from ..queries.page_stats import OVER_CAP, PAGES_PER_DAY, PageCount

WIDTH, LABEL_GAP, ROW_HEIGHT, TOP = 560, 22, 62, 8
BAR_LEFT, BAR_RIGHT = 0, 110
VIEWS_COLOUR, SUBMISSIONS_COLOUR, TEXT_COLOUR = "#1a5fb4", "#6b2d51", "#2b2830"
CHART_ROWS = 8
LABEL_CHARACTERS = 58


@dataclass(frozen=True)
class Row:
    """One page or campaign as the admin reads it: its name in words, views, requests and their ratio."""

    label: str
    views: int
    submissions: int
    rate: str


def page_label(page: str) -> str:
    """Name a page for people: its address without the scheme, or what an empty or capped page means."""
    if page == OVER_CAP:
        return f"Other pages (more than {PAGES_PER_DAY} in a day)"
    return page.split("://", 1)[-1] if page else "The hosted page, opened directly"


def campaign_label(campaign: str) -> str:
    """Name a UTM campaign for people, or what an empty or capped one means."""
    if campaign == OVER_CAP:
        return f"Other campaigns (more than {PAGES_PER_DAY} in a day)"
    return campaign or "No campaign"


def conversion(views: int, submissions: int) -> str:
    """Return submissions per view as a percentage with one decimal, or a dash without views."""
    return f"{100 * submissions / views:.1f} %" if views else "–"


def rows_of(counts: list[PageCount], *, pages: bool) -> list[Row]:
    """Turn counted pages or campaigns into rows, most viewed first."""
    label = page_label if pages else campaign_label
    # Never links: anyone who loads the card can report a page, so an address here is only text.
    return [Row(label(c.name), c.views, c.submissions, conversion(c.views, c.submissions)) for c in counts]


def _clip(text: str) -> str:
    return text if len(text) <= LABEL_CHARACTERS else text[:LABEL_CHARACTERS - 1] + "…"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _bar(x: float, y: float, width: float, height: int, colour: str) -> str:
    return f'<rect x="{x}" y="{y}" width="{max(width, 1):.1f}" height="{height}" rx="2" fill="{colour}"/>'


def bar_chart(rows: list[Row], title: str, chart_id: str) -> Markup:
    """Return the most viewed rows as horizontal SVG bars (views, and requests beneath), with title and desc."""
    shown = rows[:CHART_ROWS]
    peak = max([r.views for r in shown] + [r.submissions for r in shown] + [1])
    scale = (WIDTH - BAR_LEFT - BAR_RIGHT) / peak
    parts = []
    for index, row in enumerate(shown):
        y = TOP + index * ROW_HEIGHT
        parts += [
            f'<text x="0" y="{y + 15}" font-size="16" fill="{TEXT_COLOUR}">{escape(_clip(row.label))}</text>',
            _bar(BAR_LEFT, y + LABEL_GAP, row.views * scale, 14, VIEWS_COLOUR),
            f'<text x="{BAR_LEFT + row.views * scale + 6:.1f}" y="{y + LABEL_GAP + 12}" font-size="14" '
            f'fill="{TEXT_COLOUR}">{_count(row.views, "view")}</text>',
            _bar(BAR_LEFT, y + LABEL_GAP + 18, row.submissions * scale, 8, SUBMISSIONS_COLOUR),
            f'<text x="{BAR_LEFT + row.submissions * scale + 6:.1f}" y="{y + LABEL_GAP + 27}" font-size="13" '
            f'fill="{TEXT_COLOUR}">{_count(row.submissions, "request")}</text>',
        ]
    height = TOP + max(len(shown), 1) * ROW_HEIGHT
    return Markup("".join([
        f'<svg class="chart bars" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(describe_rows(rows, len(shown)))}</desc>',
        *parts,
        "</svg>",
    ]))


def describe_rows(rows: list[Row], shown: int) -> str:
    """Return a sentence naming the rows the chart draws, for screen readers."""
    if not rows:
        return "Nothing was seen in this period."
    listed = "; ".join(f"{row.label}: {row.views} views, {row.submissions} requests" for row in rows[:shown])
    more = f" The table below lists all {len(rows)}." if len(rows) > shown else ""
    return f"Most viewed first. {listed}.{more}"
