"""Widget pages: list, create, edit (beside the live preview), duplicate and delete."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import delete, func, select
from werkzeug.wrappers import Response

from ..delivery.queue import resume_webhook
from ..delivery.worker import wake_worker
from ..extension import get_state
from ..lead_queries import delete_leads
from ..settings import validate_settings
from ..store import Store, Widget, daily_stats, leads, widgets
from . import blueprint
from .audit import changed_paths, record
from .auth import actor, login_required
from .contrast import contrast_warnings, form_colours
from .forms import ActionForm, NewWidgetForm, csrf_failed
from .settings_form import SettingsForm, build_form, check, submitted_form
from .snippets import snippets


def load_widget(widget_id: str) -> Widget:
    """Return the widget or answer 404."""
    widget = get_state().store.get_widget(widget_id)
    if widget is None:
        abort(404, description="There is no widget with this id.")
    return widget


def send_waiting_webhooks(store: Store, widget_id: str) -> str:
    """Turn the widget's webhook back on, send what waited while it was off; say so in a sentence."""
    waiting = resume_webhook(store, widget_id)
    wake_worker(current_app._get_current_object())  # type: ignore[attr-defined]
    if not waiting:
        return "New requests will be sent to it."
    noun = "request that" if waiting == 1 else "requests that"
    return f"{waiting} {noun} waited while it was off are being sent now."


def render_edit(widget: Widget, form: SettingsForm | None = None, status: int = 200, **extra: Any) -> Any:
    """Render the edit page: settings form, preview, snippets and delivery tools."""
    from .card_height import WIDTHS, stored

    form = form or build_form(widget.name, widget.settings)
    return render_template(
        "rtr/admin/widget_edit.html", widget=widget, form=form, action_form=ActionForm(),
        snippets=snippets(widget), contrast=contrast_warnings(form_colours(form)), card_widths=WIDTHS,
        card_measured=stored(get_state().store, widget.id), **extra,
    ), status


@blueprint.get("/", endpoint="widgets")
@login_required
def widget_list() -> str:
    """List every widget with its links."""
    return render_template("rtr/admin/widgets.html", widgets=get_state().store.list_widgets(),
                           action_form=ActionForm())


@blueprint.route("/widgets/new", methods=["GET", "POST"])
@login_required
def new_widget() -> Any:
    """Create a widget with the default texts; show its webhook secret once."""
    form = NewWidgetForm()
    if form.validate_on_submit():
        name = (form.name.data or "").strip()
        settings, errors = validate_settings({"practice_name": name})
        if errors:
            form.name.errors = [*form.name.errors, *errors.values()]
        else:
            widget = get_state().store.create_widget(name, settings)
            record(get_state().store, actor(), "widget.created", widget_id=widget.id)
            return render_template("rtr/admin/widget_created.html", widget=widget, copied_from=None)
    return render_template("rtr/admin/widget_new.html", form=form), 400 if form.errors else 200


@blueprint.route("/widgets/<widget_id>", methods=["GET", "POST"])
@login_required
def edit_widget(widget_id: str) -> Any:
    """Show and save every setting of one widget; on an error keep what was typed."""
    widget = load_widget(widget_id)
    if request.method != "POST":
        return render_edit(widget)
    form = submitted_form()
    form.validate()
    clean, ok = check(form)
    if csrf_failed(form) or not ok:
        return render_edit(widget, form, status=400)
    store = get_state().store
    name = (form.name.data or "").strip()
    changed = changed_paths(widget.settings.model_dump(), clean.model_dump())
    changed += ["name"] if name != widget.name else []
    if changed:
        store.save_settings(widget.id, clean, name=name)
        record(store, actor(), "widget.settings", ", ".join(changed), widget_id=widget.id)
        message = "Saved. Every page with the widget shows the new settings now."
        if widget.webhook_disabled_at and clean.webhook_url and "webhook_url" in changed:
            message += " The webhook is on again at its new address. " + send_waiting_webhooks(store, widget.id)
        flash(message, "success")
    else:
        flash("Nothing changed.", "info")
    return redirect(url_for("rtr_admin.edit_widget", widget_id=widget.id))


@blueprint.post("/widgets/<widget_id>/duplicate")
@login_required
def duplicate_widget(widget_id: str) -> Any:
    """Copy a widget's settings into a new widget (with its own id and webhook secret)."""
    widget = load_widget(widget_id)
    if not ActionForm().validate_on_submit():
        return expired_button(widget)
    store = get_state().store
    copy = store.create_widget(f"{widget.name} (copy)"[:200], widget.settings)
    record(store, actor(), "widget.duplicated", f"copied from {widget.id}", widget_id=copy.id)
    return render_template("rtr/admin/widget_created.html", widget=copy, copied_from=widget)


@blueprint.route("/widgets/<widget_id>/delete", methods=["GET", "POST"])
@login_required
def delete_widget(widget_id: str) -> Any:
    """Ask first; then delete the widget with its requests and their deliveries."""
    widget = load_widget(widget_id)
    form = ActionForm()
    store = get_state().store
    if form.validate_on_submit():
        with store.engine.begin() as conn:
            ids = conn.execute(select(leads.c.id).where(leads.c.widget_id == widget.id)).scalars().all()
            delete_leads(conn, ids)
            conn.execute(delete(daily_stats).where(daily_stats.c.widget_id == widget.id))
            conn.execute(delete(widgets).where(widgets.c.id == widget.id))
        record(store, actor(), "widget.deleted", widget.name, widget_id=widget.id)
        flash(f"Deleted {widget.name} and its requests.", "success")
        return redirect(url_for("rtr_admin.widgets"))
    with store.reading() as conn:
        lead_count = conn.execute(select(func.count()).select_from(leads)
                                  .where(leads.c.widget_id == widget.id)).scalar_one()
    status = 400 if form.errors else 200
    return render_template("rtr/admin/widget_delete.html", widget=widget, form=form, lead_count=lead_count), status


def expired_button(widget: Widget, anchor: str = "") -> Response:
    """Send the admin back to the widget with a note that the button's form expired."""
    flash("That button's form expired; please press it again.", "error")
    return redirect(url_for("rtr_admin.edit_widget", widget_id=widget.id) + anchor)
