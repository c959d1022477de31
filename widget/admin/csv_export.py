"""CSV export of the inbox (same filters), safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Response, request, stream_with_context

from ..i18n import language_name
from ..queries.audit import record
from ..queries.inbox import iter_leads
from ..state import get_state
from .auth import actor, login_required
from .blueprint import blueprint
from .leads import filter_from_args

#: Spreadsheets run a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A spreadsheet that splits on another separator than ours (``;`` in much of Europe, a tab, a line
#: break) starts a new cell after it: a formula start there, past spaces or quotes, is neutralised too.
FORMULA_AFTER_SEPARATOR = re.compile(r"([,;\t\r\n][ \"]*)(?=[=+\-@\t\r])")
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
COLUMNS = (
    "received_utc", "widget", "name", "email", "phone", "contact_method", "ok_to_email", "ok_to_text",
    "ok_to_voicemail", "service", "location", "message", "page_url", "preferred_language", *UTM_KEYS,
    "status", "contacted_utc", "delivered_utc", "deliveries", "lead_id",
)


def neutralise(value: Any) -> str:
    """Return the cell as text with ``'`` before every spot a spreadsheet could start a formula."""
    text = FORMULA_AFTER_SEPARATOR.sub(r"\1'", "" if value is None else str(value))
    return "'" + text if text.lstrip(' "').startswith(FORMULA_STARTS) else text


def _when(epoch: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch)) if epoch else ""


def _yes_no(value: Any) -> str:
    return "yes" if value else "no"


def lead_row(lead: dict[str, Any]) -> list[str]:
    """Return one lead as CSV cells in COLUMNS order, neutralised."""
    utm = lead.get("utm") or {}
    deliveries = "; ".join(f"{d['channel']}: {d['status']}" for d in lead.get("deliveries", []))
    cells = [
        _when(lead["created_at"]), lead["widget_id"], lead["name"], lead["email"], lead["phone"],
        lead["contact_method"], _yes_no(lead["ok_to_email"]), _yes_no(lead["ok_to_text"]),
        _yes_no(lead["ok_to_voicemail"]), lead["service"], lead["location"], lead["message"],
        lead["page_url"], f"{language_name(lead['language'])} ({lead['language']})",
        *(utm.get(key, "") for key in UTM_KEYS),
        lead["status"], _when(lead["contacted_at"]), _when(lead["delivered_at"]), deliveries, lead["public_id"],
    ]
    return [neutralise(cell) for cell in cells]


def write_csv(leads: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Yield the CSV text (BOM and header first, so spreadsheets read it as UTF-8) chunk by chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)  # so no separator inside a cell splits it
    buffer.write("\ufeff")
    writer.writerow(COLUMNS)
    for lead in leads:
        writer.writerow(lead_row(lead))
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

    def generate() -> Iterator[str]:
        with store.reading() as conn:
            yield from write_csv(iter_leads(conn, lead_filter))

    filename = time.strftime("leads-%Y-%m-%d.csv", time.gmtime())
    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
