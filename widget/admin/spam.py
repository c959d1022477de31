"""Suspected spam: requests the honeypot caught, out of the inbox; release one (it is delivered) or delete it."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from .. import signals
from ..queries.audit import record
from ..queries.leads import delete_leads
from ..queries.spam import count_spam, get_spam, list_spam, release
from ..queries.widgets import get_widget, list_widgets
from ..state import get_state
from .auth import actor, login_required
from .blueprint import blueprint
from .forms import ActionForm
from .session import flash

PAGE_SIZE = 25
EXPIRED_BUTTON = "That button had expired; press it again."
GONE = "That request is no longer under suspected spam (released or deleted already)."


@blueprint.get("/spam")
@login_required
def spam() -> str:
    """List suspected spam newest first, everything it holds shown, a page at a time."""
    store = get_state().store
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    with store.reading() as conn:
        total = count_spam(conn)
        pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        page = min(page, pages)
        rows = list_spam(conn, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    return render_template(
        "rtr/admin/spam.html", requests=rows, total=total, page=page, pages=pages, action_form=ActionForm(),
        widget_names={w.id: w.name for w in list_widgets(store)},
        days=current_app.config["RTR_SPAM_RETENTION_DAYS"],
    )


@blueprint.post("/spam/<lead_id>/release")
@login_required
def release_spam(lead_id: str) -> Response:
    """Move one request to the inbox and queue its deliveries under the widget's settings now."""
    store = get_state().store
    with store.reading() as conn:
        found = get_spam(conn, lead_id)
    widget = get_widget(store, found["widget_id"]) if found else None
    if not ActionForm().validate_on_submit():
        flash(EXPIRED_BUTTON, "error")
    elif found is None or widget is None or not release(store, widget, lead_id):
        flash(GONE, "error")
    else:
        record(store, actor(), "spam.released", f"request {lead_id}", widget.id)
        # Host subscribers hear of it as of any new lead; in thread mode this wakes the worker too.
        signals.send_safely(signals.lead_received, current_app._get_current_object(), lead_id=lead_id,
                            widget_id=widget.id)
        flash("Released: the request is in the inbox, and its deliveries are being sent now.", "success")
        return redirect(url_for("rtr_admin.lead_detail", lead_id=lead_id))
    return redirect(url_for("rtr_admin.spam"))


@blueprint.post("/spam/<lead_id>/delete")
@login_required
def delete_spam(lead_id: str) -> Response:
    """Delete one suspected spam request for good."""
    store = get_state().store
    if not ActionForm().validate_on_submit():
        flash(EXPIRED_BUTTON, "error")
        return redirect(url_for("rtr_admin.spam"))
    with store.engine.begin() as conn:
        found = get_spam(conn, lead_id)
        if found is not None:
            delete_leads(conn, [found["id"]])
    if found is None:
        flash(GONE, "error")
    else:
        record(store, actor(), "spam.deleted", f"request {lead_id}", found["widget_id"])
        flash("Deleted.", "success")
    return redirect(url_for("rtr_admin.spam"))
