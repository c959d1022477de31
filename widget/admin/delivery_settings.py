"""Delivery tools: rotate the webhook secret, "Send a test", and the installation-wide SMTP page.

Recipients, detail level, alert address, webhook URL, format and HubSpot ids are widget settings,
edited in the settings form; this module holds what acts on the outside world.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..config import SMTP_SECURITY_CHOICES
from ..delivery import email as email_channel
from ..delivery import webhook as webhook_channel
from ..delivery.base import Outcome
from ..delivery.smtp_config import effective_smtp, save_smtp_overrides, smtp_overrides
from ..models import Widget
from ..queries.audit import record
from ..queries.widgets import rotate_webhook_secret
from ..routing import every_address
from ..state import get_state
from . import smtp_presets
from .auth import actor, login_required
from .blueprint import blueprint
from .forms import ActionForm, AdminForm, csrf_failed
from .session import flash
from .settings_form import check, submitted_form
from .widget_page import expired_button, load_widget
from .widgets import render_edit, send_waiting_webhooks

SECURITY_NAMES = {"": "Use the server's setting", "none": "None (port 25, local relays only)",
                  "starttls": "STARTTLS (usually port 587)", "ssl": "SSL/TLS (usually port 465)"}


class SmtpForm(AdminForm):
    host = StringField("SMTP server", description="For example smtp.example.com. Empty: use the server's setting.")
    port = StringField("Port", render_kw={"inputmode": "numeric"}, description="Empty or 0: the usual one.")
    security = SelectField("Encryption",
                           choices=[SelectChoice(k, SECURITY_NAMES[k]) for k in ("", *SMTP_SECURITY_CHOICES)])
    username = StringField("Username", render_kw={"autocomplete": "off"})
    password = PasswordField("Password", render_kw={"autocomplete": "new-password"},
                             description="Never shown again. Leave empty to keep the saved one.")
    clear_password = BooleanField("Remove the saved password")
    ca_certificate = TextAreaField("Extra trusted CA certificate (PEM)", render_kw={"rows": 4, "spellcheck": "false"},
                                   description="Only for a mail server with a private CA: paste its certificate.")
    mail_from = StringField("Sender", description="Like Harbor Light <intake@example.com>.")


@blueprint.post("/widgets/<widget_id>/rotate-secret")
@login_required
def rotate_secret(widget_id: str) -> Any:
    """Give the widget a new webhook secret and show it once."""
    widget = load_widget(widget_id)
    if not ActionForm().validate_on_submit():
        return expired_button(widget)
    store = get_state().store
    secret = rotate_webhook_secret(store, widget.id)
    record(store, actor(), "widget.secret_rotated", widget_id=widget.id)
    return render_edit(load_widget(widget.id), new_secret=secret)


@blueprint.post("/widgets/<widget_id>/test")
@login_required
def send_test(widget_id: str) -> Any:
    """Run a real delivery to the addresses and webhook on screen (saved or not); save nothing.

    The button posts the whole settings form, checked as Save checks it; the page comes back with
    what was typed. A post without the settings (a page from an older version) tests the saved ones.
    """
    widget = load_widget(widget_id)
    if "practice_name" not in request.form:
        if not ActionForm().validate_on_submit():
            return expired_button(widget)
        return render_edit(widget, test_outcomes=_run_test(widget, widget), test_ran=True)
    form = submitted_form()
    form.validate()
    clean, ok = check(form)
    if csrf_failed(form):
        return render_edit(widget, form, status=400, settings=clean, test_ran=True,
                           test_problem="This page was open too long; press Send a test again.")
    if not ok:
        return render_edit(widget, form, status=400, settings=clean, test_ran=True,
                           test_problem="Not sent: first change the fields marked above. Nothing was saved.")
    on_screen = dataclasses.replace(widget, settings=clean, name=(form.name.data or "").strip())
    return render_edit(widget, form, settings=clean, test_outcomes=_run_test(widget, on_screen), test_ran=True)


def _run_test(saved: Widget, on_screen: Widget) -> list[tuple[str, Outcome]]:
    """Send a test email and webhook event with on_screen's settings; audit it under the saved widget."""
    outcomes: list[tuple[str, Outcome]] = []
    if every_address(on_screen.settings):
        outcomes.append(("Email", email_channel.send_test(on_screen)))
    if on_screen.settings.webhook_url:
        outcomes.append(("Webhook", webhook_channel.send_test(on_screen)))
    channels = ", ".join(f"{name.lower()} {outcome.status}" for name, outcome in outcomes)
    unsaved = " (unsaved settings)" if on_screen.settings != saved.settings else ""
    record(get_state().store, actor(), "widget.test_sent", (channels or "nothing configured") + unsaved,
           widget_id=saved.id)
    return outcomes


@blueprint.post("/widgets/<widget_id>/enable-webhook")
@login_required
def enable_webhook(widget_id: str) -> Any:
    """Turn a webhook back on after its receiver answered 410 Gone."""
    widget = load_widget(widget_id)
    if not ActionForm().validate_on_submit():
        return expired_button(widget, "#delivery-tools")
    store = get_state().store
    sentence = send_waiting_webhooks(store, widget.id)
    record(store, actor(), "widget.webhook_enabled", widget_id=widget.id)
    flash("The webhook is on again. " + sentence, "success")
    return redirect(url_for("rtr_admin.edit_widget", widget_id=widget.id) + "#delivery-tools")


@blueprint.route("/smtp", methods=["GET", "POST"])
@login_required
def smtp() -> Any:
    """Edit the installation-wide email server; the saved password is never sent back."""
    store = get_state().store
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    saved = smtp_overrides(store)
    shown = {**{k: v for k, v in saved.items() if k != "password"}, "port": str(saved.get("port") or "")}
    chosen = request.args.get("preset", "") if request.method == "GET" else ""
    preset = smtp_presets.find(chosen)
    if preset:  # the Fill in button without JavaScript: show the provider's values, save nothing
        shown.update(smtp_presets.filled(preset, saved))
    form = SmtpForm(data=shown)
    if form.validate_on_submit():
        values = {name: form[name].data for name in ("host", "port", "security", "username", "password",
                                                     "ca_certificate", "mail_from")}
        values["clear_password"] = bool(form.clear_password.data)
        errors = save_smtp_overrides(app, values)
        for name, message in errors.items():
            if name in form:
                form[name].errors = [*form[name].errors, message]
        if not errors:
            _saved(store, values, had_password=bool(saved.get("password")))
            return redirect(url_for("rtr_admin.smtp"))
    form.password.data = ""
    effective = effective_smtp(app)
    preset_error = "Choose your provider from the list." if chosen and not preset else ""
    return render_template("rtr/admin/smtp.html", form=form, effective=effective.public(),
                           saved_password=bool(saved.get("password")),
                           deployment_login=bool(app.config.get("RTR_SMTP_PASSWORD")) and effective.guarded,
                           presets=smtp_presets, preset=preset, preset_error=preset_error,
                           ), 400 if form.errors or preset_error else 200


def _saved(store: Any, values: dict[str, Any], had_password: bool) -> None:
    """Audit the save and tell the admin, including when the saved password had to go."""
    changed = sorted(k for k in values if k != "clear_password" and values[k] and k != "password")
    if values["password"] or values["clear_password"]:
        changed.append("password")
    dropped = had_password and not values["password"] and not values["clear_password"] \
        and not smtp_overrides(store).get("password")
    record(store, actor(), "smtp.settings", ", ".join(changed + (["password dropped"] if dropped else [])))
    flash("Saved the email server settings.", "success")
    if dropped:
        flash("The server, port or username changed, so the saved password was removed: a password only goes "
              "to the server it was typed for. Type it again.", "info")
