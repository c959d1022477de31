"""The lead inbox: list and filter, detail with every delivery attempt, replay, contacted, delete."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, current_app, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from wtforms import HiddenField

from ..delivery.email import PRACTICE_LANGUAGE
from ..delivery.queue import REPLAYABLE, replay
from ..delivery.reason import MAIN_LIST, route_taken
from ..delivery.smtp_config import effective_smtp
from ..delivery.worker import wake_worker
from ..i18n import translate
from ..models import Widget
from ..queries.audit import record
from ..queries.handling import HANDLEABLE
from ..queries.handling import mark_handled as handle_delivery
from ..queries.inbox import STATUSES, LeadFilter, count_leads, list_leads
from ..queries.leads import delete_leads, get_lead, set_contacted
from ..queries.widgets import get_widget, list_widgets
from ..routing import EmailRoute
from ..state import get_state
from .auth import actor, login_required
from .blueprint import blueprint
from .forms import ActionForm, AdminForm
from .session import flash
from .times import zone_of

PAGE_SIZE = 25
STATUS_LABELS = {
    "new": "New", "contacted": "Contacted", "pending": "Delivery pending",
    "failed": "Delivery failed", "saved_to_file": "Email not sent (saved as a file)",
    "handled": "Delivery marked as handled", "delivered": "Delivered",
}
#: Plain words for the admin: the stored names (``dead``, ``retry``) are the code's, not a therapist's.
CHANNEL_LABELS = {"email": "Email to the practice", "webhook": "Webhook", "confirmation": "Confirmation to the visitor"}
DELIVERY_LABELS = {"pending": "sending", "delivered": "delivered", "dead": "failed",
                   "disabled": "waiting: webhook switched off",
                   "saved_to_file": "not sent: saved as a file (email is not set up)", "resolved": "marked as handled"}
ATTEMPT_LABELS = {"delivered": "Delivered", "retry": "Failed; will try again", "dead": "Failed; no more tries",
                  "disabled": "Webhook switched off", "saved_to_file": "Not sent; saved as a file"}


class ContactedForm(AdminForm):
    contacted = HiddenField()


def filter_from_args(args: MultiDict[str, str]) -> tuple[LeadFilter, dict[str, str]]:
    """Read the inbox filters from the query string; bad values are dropped with a message."""
    errors: dict[str, str] = {}
    status = args.get("status", "")
    if status and status not in STATUSES:
        errors["status"] = "Unknown status; showing every status."
        status = ""
    dates: dict[str, dt.date | None] = {}
    for key in ("since", "until"):
        raw = args.get(key, "").strip()
        try:
            dates[key] = dt.date.fromisoformat(raw) if raw else None
        except ValueError:
            errors[key] = "Use a date like 2026-01-31; this one was ignored."
            dates[key] = None
    widget_id = args.get("widget", "").strip()[:64]
    return LeadFilter(widget_id=widget_id, status=status, since=dates["since"], until=dates["until"],
                      zone_name=zone_of(widget_id)), errors


def _filter_args(lead_filter: LeadFilter) -> dict[str, str]:
    args = {"widget": lead_filter.widget_id, "status": lead_filter.status,
            "since": lead_filter.since.isoformat() if lead_filter.since else "",
            "until": lead_filter.until.isoformat() if lead_filter.until else ""}
    return {key: value for key, value in args.items() if value}


@blueprint.get("/leads")
@login_required
def inbox() -> str:
    """List leads newest first, filtered by widget, status and date, a page at a time."""
    store = get_state().store
    lead_filter, errors = filter_from_args(request.args)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    with store.reading() as conn:
        total = count_leads(conn, lead_filter)
        pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        page = min(page, pages)
        rows = list_leads(conn, lead_filter, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    widgets = list_widgets(store)
    return render_template(
        "rtr/admin/leads.html", leads=rows, total=total, page=page, pages=pages, errors=errors,
        lead_filter=lead_filter, filter_args=_filter_args(lead_filter), widgets=widgets,
        widget_names={w.id: w.name for w in widgets}, statuses=STATUS_LABELS, delivery_labels=DELIVERY_LABELS,
        retention=[(w.name, w.settings.retention_days) for w in widgets
                   if not lead_filter.widget_id or w.id == lead_filter.widget_id],
    )


def _load(lead_id: str) -> dict[str, Any]:
    """Return the lead a link names by its public id, or answer a 404 that says where to look."""
    with get_state().store.reading() as conn:
        lead = get_lead(conn, lead_id)
    if lead is None and lead_id.isdigit():
        # A link from before requests had public ids: its number may belong to someone else now.
        abort(404, description="This link is from an older version and no longer opens a request. "
                               "Find the request in the inbox (filter by widget and date).")
    if lead is None:
        abort(404, description="This request no longer exists (it may have been deleted).")
    return lead


@blueprint.get("/leads/<lead_id>")
@login_required
def lead_detail(lead_id: str) -> Any:
    """Show one lead, its deliveries and every attempt (time, channel, outcome, error)."""
    lead = _load(lead_id)
    if lead["spam_reason"]:
        return redirect(url_for("rtr_admin.spam", _anchor=f"request-{lead_id}"))
    widget = get_widget(get_state().store, lead["widget_id"])
    contacted = ContactedForm(contacted="" if lead["status"] == "contacted" else "1")
    return render_template(
        "rtr/admin/lead_detail.html", lead=lead, widget=widget, action_form=ActionForm(),
        contacted_form=contacted, replayable=REPLAYABLE, handleable=HANDLEABLE, channel_labels=CHANNEL_LABELS,
        delivery_labels=DELIVERY_LABELS, attempt_labels=ATTEMPT_LABELS, email_set_up=_email_set_up(),
        retention=widget.settings.retention_days if widget else None,
        routed_because=_routed_because(lead, widget),
    )


def _routed_because(lead: dict[str, Any], widget: Widget | None) -> dict[int, str]:
    """Say why each email to the practice went to its list (a service's, a location's or the main one),
    by delivery id; nothing where routing plays no part or the lists changed since."""
    if widget is None:
        return {}
    emails = (delivery for delivery in lead["deliveries"] if delivery["channel"] == "email")
    routes = {delivery["id"]: route_taken(widget.settings, lead, delivery["target"]) for delivery in emails}
    return {delivery_id: _reason(route) for delivery_id, route in routes.items() if route is not None}


def _reason(route: EmailRoute) -> str:
    if not route.routed:
        return translate(PRACTICE_LANGUAGE, MAIN_LIST)  # the words the email itself says
    return f"Sent to this list because the person chose {' and '.join(filter(None, (route.service, route.location)))}."


def _email_set_up() -> bool:
    return effective_smtp(current_app._get_current_object()).configured  # type: ignore[attr-defined]


def _delivery(lead: dict[str, Any], delivery_id: int) -> dict[str, Any]:
    """Return the lead's delivery with that id, or answer 404."""
    for delivery in lead["deliveries"]:
        if delivery["id"] == delivery_id:
            return delivery
    abort(404, description="This delivery does not belong to this request.")


@blueprint.post("/leads/<lead_id>/deliveries/<int:delivery_id>/replay")
@login_required
def replay_delivery(lead_id: str, delivery_id: int) -> Response:
    """Queue a failed, parked, handled or saved-as-file delivery again from its first attempt."""
    lead = _load(lead_id)
    if not ActionForm().validate_on_submit():
        flash("That button had expired; press it again.", "error")
    elif _delivery(lead, delivery_id)["channel"] != "webhook" and not _email_set_up():
        flash("Email is not set up yet, so it would only be saved as a file again. Set up the email server "
              "first (Email server page), then press Send again.", "error")
    elif replay(get_state().store, [delivery_id]):
        wake_worker(current_app._get_current_object())  # type: ignore[attr-defined]
        flash("Sending again now. The attempts below update as the worker reports back.", "success")
    else:
        flash("Only failed deliveries can be sent again; this one is not failed.", "error")
    return redirect(url_for("rtr_admin.lead_detail", lead_id=lead_id, _anchor="deliveries"))


@blueprint.post("/leads/<lead_id>/deliveries/<int:delivery_id>/handled")
@login_required
def mark_handled(lead_id: str, delivery_id: int) -> Response:
    """Mark a delivery that did not arrive as handled (say, the practice called the person itself)."""
    lead = _load(lead_id)
    delivery = _delivery(lead, delivery_id)
    store = get_state().store
    if not ActionForm().validate_on_submit():
        flash("That button had expired; press it again.", "error")
    elif handle_delivery(store, lead["id"], delivery_id, actor()):
        record(store, actor(), "delivery.handled", f"request {lead_id}: {delivery['channel']} delivery "
               f"({delivery['status']}) marked as handled", lead["widget_id"])
        flash("Marked as handled. The request now follows the widget's retention period.", "success")
    else:
        flash("Only a delivery that failed, waits for the webhook or was saved as a file can be marked as "
              "handled; this one is not.", "error")
    return redirect(url_for("rtr_admin.lead_detail", lead_id=lead_id, _anchor="deliveries"))


@blueprint.post("/leads/<lead_id>/contacted")
@login_required
def mark_contacted(lead_id: str) -> Response:
    """Mark the lead as contacted, or back as new."""
    lead = _load(lead_id)
    form = ContactedForm()
    if not form.validate_on_submit():
        flash("That button had expired; press it again.", "error")
    else:
        contacted = form.contacted.data == "1"
        set_contacted(get_state().store, lead["id"], contacted)
        flash("Marked as contacted." if contacted else "Marked as not contacted yet.", "success")
    return redirect(url_for("rtr_admin.lead_detail", lead_id=lead_id))


@blueprint.route("/leads/<lead_id>/delete", methods=["GET", "POST"])
@login_required
def delete_lead(lead_id: str) -> Any:
    """Ask for confirmation, then delete the lead with its deliveries and their attempts."""
    lead = _load(lead_id)
    form = ActionForm()
    if form.validate_on_submit():
        store = get_state().store
        with store.engine.begin() as conn:
            delete_leads(conn, [lead["id"]])
        record(store, actor(), "lead.deleted", f"request {lead_id} with {len(lead['deliveries'])} deliveries",
               lead["widget_id"])
        flash("The request and its delivery records are deleted.", "success")
        return redirect(url_for("rtr_admin.inbox"))
    status = 400 if form.errors else 200
    return render_template("rtr/admin/lead_delete.html", lead=lead, form=form), status
