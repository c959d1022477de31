"""Widget pages: list, create, edit (beside the live preview), duplicate and delete."""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, render_template, request, url_for

from ..db import Store
from ..delivery.queue import resume_webhook
from ..delivery.worker import wake_worker
from ..models import Widget
from ..queries.audit import record
from ..queries.card_heights import stored
from ..queries.leads import count_for_widget
from ..queries.widgets import create_widget, delete_widget, list_widgets, save_settings
from ..routing import every_address
from ..settings import WidgetSettings, validate_settings
from ..state import get_state
from .audit import changed_paths
from .auth import actor, login_required
from .blueprint import blueprint
from .card_height import WIDTHS
from .contrast import contrast_warnings, form_colours
from .editing import change_rows, growable, row_template, submitted_values
from .forms import ActionForm, NewWidgetForm, csrf_failed
from .language_notes import gap_notes, notes_by_field
from .refused_sites import refused_by_widget, refused_sites
from .saved_emails import email_setup
from .session import flash
from .settings_form import LANGUAGE_NAMES, SettingsForm, build_form, check, submitted_form
from .snippets import snippets
from .widget_page import expired_button, load_widget


def send_waiting_webhooks(store: Store, widget_id: str) -> str:
    """Turn the widget's webhook back on, send what waited while it was off; say so in a sentence."""
    waiting = resume_webhook(store, widget_id)
    wake_worker(current_app._get_current_object())  # type: ignore[attr-defined]
    if not waiting:
        return "New requests will be sent to it."
    noun = "request that" if waiting == 1 else "requests that"
    return f"{waiting} {noun} waited while it was off are being sent now."


def render_edit(widget: Widget, form: SettingsForm | None = None, status: int = 200,
                settings: WidgetSettings | None = None, **extra: Any) -> Any:
    """Render the edit page: settings form, preview, snippets and delivery tools.

    ``form`` is what was typed when the page comes back from a POST that saved nothing (an error,
    a test, a row added); then the page carries the saved values for admin.js's unsaved-changes
    warning. ``settings`` (default: the saved ones) are what the language notes describe: on a
    refused save, the settings as typed.
    """
    saved = build_form(widget.name, widget.settings)
    notes = gap_notes(form or saved, settings or widget.settings)
    return render_template(
        "rtr/admin/widget_edit.html", widget=widget, form=form or saved, action_form=ActionForm(),
        snippets=snippets(widget), contrast=contrast_warnings(form_colours(form or saved)), card_widths=WIDTHS,
        card_measured=stored(get_state().store, widget.id), gap_notes=notes, field_notes=notes_by_field(notes),
        languages=LANGUAGE_NAMES, saved_values=submitted_values(saved) if form else None,
        row_templates={rows.name: row_template(rows) for rows in growable(form or saved)},
        refused_sites=refused_sites(widget), **extra,
    ), status


def created_page(widget: Widget, copied_from: Widget | None = None) -> str:
    """Show a new widget's snippet first, then its webhook secret (shown only this once)."""
    inline = snippets(widget)[0]
    return render_template("rtr/admin/widget_created.html", widget=widget, copied_from=copied_from, snippet=inline)


@blueprint.get("/", endpoint="widgets")
@login_required
def widget_list() -> str:
    """List every widget with its links, and whether email can leave this server."""
    widgets = list_widgets(get_state().store)
    return render_template("rtr/admin/widgets.html", widgets=widgets, refused=refused_by_widget(widgets),
                           action_form=ActionForm(), email=email_setup(current_app._get_current_object()),
                           every_address=every_address)


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
            widget = create_widget(get_state().store, name, settings)
            record(get_state().store, actor(), "widget.created", widget_id=widget.id)
            return created_page(widget)
    return render_template("rtr/admin/widget_new.html", form=form), 400 if form.errors else 200


@blueprint.route("/widgets/<widget_id>", methods=["GET", "POST"])
@login_required
def edit_widget(widget_id: str) -> Any:
    """Show and save every setting of one widget; on an error keep what was typed."""
    widget = load_widget(widget_id)
    if request.method != "POST":
        return render_edit(widget)
    form = submitted_form()
    if request.form.get("row_action"):  # the no-JavaScript Add and Remove buttons: change rows, save nothing
        return render_edit(widget, form, rows_changed=change_rows(form, request.form["row_action"]))
    form.validate()
    clean, ok = check(form)
    if csrf_failed(form) or not ok:
        return render_edit(widget, form, status=400, settings=clean)
    store = get_state().store
    name = (form.name.data or "").strip()
    changed = changed_paths(widget.settings.model_dump(), clean.model_dump())
    changed += ["name"] if name != widget.name else []
    if changed:
        save_settings(store, widget.id, clean, name=name)
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
    copy = create_widget(store, f"{widget.name} (copy)"[:200], widget.settings)
    record(store, actor(), "widget.duplicated", f"copied from {widget.id}", widget_id=copy.id)
    return created_page(copy, copied_from=widget)


@blueprint.route("/widgets/<widget_id>/delete", methods=["GET", "POST"], endpoint="delete_widget")
@login_required
def delete_widget_page(widget_id: str) -> Any:
    """Ask first; then delete the widget with its requests and their deliveries."""
    widget = load_widget(widget_id)
    form = ActionForm()
    store = get_state().store
    if form.validate_on_submit():
        delete_widget(store, widget.id)
        record(store, actor(), "widget.deleted", widget.name, widget_id=widget.id)
        flash(f"Deleted {widget.name} and its requests.", "success")
        return redirect(url_for("rtr_admin.widgets"))
    lead_count = count_for_widget(store, widget.id)
    status = 400 if form.errors else 200
    return render_template("rtr/admin/widget_delete.html", widget=widget, form=form, lead_count=lead_count), status
