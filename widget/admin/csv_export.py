"""CSV export of the inbox (same filters), safe to open in a spreadsheet.

Times are ISO 8601 with the offset of the practice's time zone (``2026-03-08T03:30:00-05:00``);
each lead names its widget. Every cell is quoted and formula starts are neutralised with ``'``;
a phone is first written the way people read it that can't start a formula (``(+1) 555 0100``),
so a readable number needs no apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from flask import Response, request, stream_with_context

from ..i18n import language_name
from ..queries.audit import record
from ..queries.inbox import iter_leads
from ..queries.widgets import list_widgets
from ..state import get_state
from ..timezones import iso_time, local_day
from .auth import actor, login_required
from .blueprint import blueprint
from .leads import filter_from_args
from .phone_cells import phone_cell

#: Spreadsheets run a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A spreadsheet that splits on another separator than ours (``;`` in much of Europe, a tab, a line
#: break) starts a new cell after it: a formula start there, past spaces or quotes, is neutralised too.
FORMULA_AFTER_SEPARATOR = re.compile(r"([,;\t\r\n][ \"]*)(?=[=+\-@\t\r])")
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
COLUMNS = (
    "received", "widget", "widget_id", "name", "email", "phone", "contact_method", "ok_to_email", "ok_to_text",
    "ok_to_voicemail", "service", "location", "message", "page_url", "preferred_language", *UTM_KEYS,
    "status", "contacted", "delivered", "deliveries", "lead_id",
)


def neutralise(value: Any) -> str:
    """Return the cell as text with ``'`` before every spot a spreadsheet could start a formula."""
    text = FORMULA_AFTER_SEPARATOR.sub(r"\1'", "" if value is None else str(value))
    return "'" + text if text.lstrip(' "').startswith(FORMULA_STARTS) else text


def _yes_no(value: Any) -> str:
    return "yes" if value else "no"


def lead_row(lead: dict[str, Any], widget_name: str = "", zone_name: str = "") -> list[str]:
    """Return one lead as CSV cells in COLUMNS order, times in zone_name, neutralised."""
    utm = lead.get("utm") or {}
    deliveries = "; ".join(f"{d['channel']}: {d['status']}" for d in lead.get("deliveries", []))
    cells = [
        iso_time(lead["created_at"], zone_name), widget_name or lead["widget_id"], lead["widget_id"], lead["name"],
        lead["email"], phone_cell(lead["phone"]),
        lead["contact_method"], _yes_no(lead["ok_to_email"]), _yes_no(lead["ok_to_text"]),
        _yes_no(lead["ok_to_voicemail"]), lead["service"], lead["location"], lead["message"],
        lead["page_url"], f"{language_name(lead['language'])} ({lead['language']})",
        *(utm.get(key, "") for key in UTM_KEYS),
        lead["status"], iso_time(lead["contacted_at"], zone_name), iso_time(lead["delivered_at"], zone_name),
        deliveries, lead["public_id"],
    ]
    return [neutralise(cell) for cell in cells]


def write_csv(leads: Iterable[dict[str, Any]], widgets: Mapping[str, tuple[str, str]] | None = None) -> Iterator[str]:
    """Yield the CSV text (BOM and header first, so spreadsheets read it as UTF-8) chunk by chunk.

    widgets maps a widget id to its name and time zone.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)  # so no separator inside a cell splits it
    buffer.write("\ufeff")
    writer.writerow(COLUMNS)
    for lead in leads:
        writer.writerow(lead_row(lead, *(widgets or {}).get(lead["widget_id"], ("", ""))))
        if buffer.tell() > 16384:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@blueprint.get("/leads.csv")
@login_required
def export_csv() -> Response:
    """Download the leads the inbox filters select, as CSV."""
    lead_filter, _errors = filter_from_args(request.args)
    store = get_state().store
    record(store, actor(), "leads.exported", "CSV export", lead_filter.widget_id or None)
    widgets = {w.id: (w.name, w.settings.time_zone) for w in list_widgets(store)}

    def generate() -> Iterator[str]:
        with store.reading() as conn:
            yield from write_csv(iter_leads(conn, lead_filter), widgets)

    filename = f"leads-{local_day(time.time()).isoformat()}.csv"  # the installation's today
    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
