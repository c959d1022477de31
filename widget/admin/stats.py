"""The views page: views and requests per day, and by page and UTM campaign, for the last 30 days.

A view is the card seen (``widget.seen``), not the frame loaded. The counts come from
``daily_stats`` and ``page_stats`` (whole-day totals, no cookies, nothing about who looked). The
charts are plain SVG markup built here and in ``breakdown``, each with a title, a description and
a table beside it.
"""

from __future__ import annotations

import time

from flask import abort, render_template
from markupsafe import Markup, escape

from ..queries.page_stats import totals_by
from ..queries.stats import DayCount, daily_series
from ..queries.widgets import get_widget
from ..state import get_state
from ..timezones import local_day, zone
from .auth import login_required
from .blueprint import blueprint
from .breakdown import bar_chart, conversion, rows_of

__all__ = ["axis_top", "conversion", "describe", "stats", "svg_chart"]

DAYS = 30
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 36
VIEWS_COLOUR, SUBMISSIONS_COLOUR, AXIS_COLOUR, GRID_COLOUR = "#1a5fb4", "#6b2d51", "#55515e", "#d9d4ce"


def axis_top(peak: int) -> int:
    """Return the top of the y axis: the first of 2, 4, 6, 8, 10, 20, 40… at or above peak."""
    magnitude = 1
    while True:
        for step in (2, 4, 6, 8, 10):
            if step * magnitude >= peak:
                return step * magnitude
        magnitude *= 10


def _point(index: int, value: int, count: int, top: int) -> tuple[float, float]:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    x = LEFT + (plot_w * index / max(count - 1, 1))
    y = TOP + plot_h * (1 - value / top)
    return round(x, 1), round(y, 1)


def _polyline(series: list[DayCount], attr: str, top: int, colour: str, width: int) -> str:
    points = " ".join(f"{x},{y}" for x, y in (
        _point(i, getattr(day, attr), len(series), top) for i, day in enumerate(series)))
    return (f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="{width}" '
            'stroke-linejoin="round" stroke-linecap="round"/>')


def _grid(top: int) -> list[str]:
    parts = []
    for value in (0, top // 2, top):
        _, y = _point(0, value, 2, top)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}" stroke="{GRID_COLOUR}"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4}" text-anchor="end" font-size="15" '
                     f'fill="{AXIS_COLOUR}">{value}</text>')
    return parts


def _x_labels(series: list[DayCount], top: int) -> list[str]:
    parts = []
    for index, day in enumerate(series):
        if (len(series) - 1 - index) % 7:
            continue
        x, _ = _point(index, 0, len(series), top)
        anchor = "end" if index == len(series) - 1 else "middle"
        parts.append(f'<text x="{x}" y="{HEIGHT - 12}" text-anchor="{anchor}" font-size="15" '
                     f'fill="{AXIS_COLOUR}">{escape(day.day.strftime("%b %d"))}</text>')
    return parts


def svg_chart(series: list[DayCount], title: str, description: str, chart_id: str = "chart") -> Markup:
    """Return the chart as SVG markup: views and submissions as two lines, with title and desc."""
    top = axis_top(max([d.views for d in series] + [d.submissions for d in series] + [0]))
    dots = [
        f'<circle cx="{x}" cy="{y}" r="3" fill="{SUBMISSIONS_COLOUR}"/>'
        for x, y in (_point(i, d.submissions, len(series), top) for i, d in enumerate(series))
    ]
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        *_grid(top), *_x_labels(series, top),
        _polyline(series, "views", top, VIEWS_COLOUR, 2),
        _polyline(series, "submissions", top, SUBMISSIONS_COLOUR, 3),
        *dots,
        "</svg>",
    ]
    return Markup("".join(parts))


def _times(count: int, noun: str = "time") -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def describe(series: list[DayCount]) -> str:
    """Return a one-sentence summary of the series for screen readers."""
    views = sum(d.views for d in series)
    submissions = sum(d.submissions for d in series)
    busiest = max(series, key=lambda d: (d.views, d.day))
    text = (f"Over the last {len(series)} days the form was viewed {_times(views)} and sent "
            f"{_times(submissions)} ({conversion(views, submissions)} of views).")
    if busiest.views:
        text += f" The busiest day was {busiest.day:%B %d} with {_times(busiest.views, 'view')}."
    return text


@blueprint.get("/widgets/<widget_id>/stats")
@login_required
def stats(widget_id: str) -> str:
    """Show a widget's views and requests per day, by page and by campaign, for the last 30 days."""
    state = get_state()
    widget = get_widget(state.store, widget_id)
    if widget is None:
        abort(404, description="There is no widget with this id.")
    if state.views is not None:
        state.views.flush()  # what this process counted so far, so the page is current
    zone_name = widget.settings.time_zone
    today = local_day(time.time(), zone_name)
    series = daily_series(state.store, widget.id, DAYS, today)
    views = sum(d.views for d in series)
    submissions = sum(d.submissions for d in series)
    chart = svg_chart(series, f"Views and requests per day: {widget.name}", describe(series))
    pages = rows_of(totals_by(state.store, widget.id, "page", DAYS, today), pages=True)
    campaigns = rows_of(totals_by(state.store, widget.id, "campaign", DAYS, today), pages=False)
    return render_template(
        "rtr/admin/stats.html", widget=widget, zone=zone(zone_name).key, series=list(reversed(series)), chart=chart,
        views=views,
        submissions=submissions, rate=conversion(views, submissions), days=DAYS,
        pages=pages, pages_chart=bar_chart(pages, f"Views and requests by page: {widget.name}", "pages-chart"),
        campaigns=campaigns,
        campaigns_chart=bar_chart(campaigns, f"Views and requests by campaign: {widget.name}", "campaigns-chart"),
    )
