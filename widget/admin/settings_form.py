"""The widget settings form: every setting in ``widget.settings``, checked by ``validate_settings``.

The form only collects what was typed; ``validate_settings`` stays the single gate, and its
messages (keyed by setting paths such as ``steps.0.link_url``) are put back on the fields.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from wtforms import BooleanField, FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import Field

from ..settings import DETAIL_LEVELS, LANGUAGES, OPTIONAL_FIELDS, WEBHOOK_FORMATS, validate_settings
from .forms import AdminForm

MAX_ITEMS = 20
BLANK_ROWS = 2
TEXTS = ("practice_name", "heading", "intro", "waitlist_text", "response_time", "crisis_notice",
         "consent_text", "submit_label", "launcher_label", "thank_you_heading", "thank_you_text",
         "alert_email", "webhook_url", "hubspot_portal_id", "hubspot_form_guid")
CHOICES = ("language", "detail_level", "webhook_format")
FLAGS = ("accepting_new_clients", "confirmation_email")
LINE_LISTS = ("allowed_origins", "notify_emails")
LANGUAGE_NAMES = {"en": "English", "es": "Español (Spanish)"}
DETAIL_NAMES = {
    "full": "Everything the person wrote, including their message",
    "contact": "Contact details only (the message stays in the admin inbox)",
    "alert": "Only an alert that a request arrived (read it in the admin inbox)",
}
FORMAT_NAMES = {"generic": "Generic JSON (signed, Standard Webhooks)", "hubspot": "HubSpot form submission"}
FIELD_NAMES = {"phone": "Phone number", "contact_method": "Preferred way to be contacted",
               "service": "Which service", "location": "Which location", "message": "A short message"}


class StepForm(Form):
    title = StringField("Title")
    text = TextAreaField("Text")
    link_url = StringField("Link address", render_kw={"inputmode": "url", "placeholder": "https://"})
    link_label = StringField("Link text")


class ServiceForm(Form):
    name = StringField("Name")
    description = StringField("Short description")
    url = StringField("Page address", render_kw={"inputmode": "url", "placeholder": "https://"})


class LocationForm(Form):
    name = StringField("Name")
    city = StringField("City or area")
    url = StringField("Page address", render_kw={"inputmode": "url", "placeholder": "https://"})


class ThemeForm(Form):
    accent_color = StringField("Accent colour (buttons and links)", render_kw={"data-colour": "accent"})
    background_color = StringField("Card background colour", render_kw={"data-colour": "background"})
    text_color = StringField("Text colour", render_kw={"data-colour": "text"})
    radius = StringField("Corner rounding (0 to 32 pixels)", render_kw={"inputmode": "numeric"})
    font_stack = StringField("Fonts")


class FieldsForm(Form):
    phone = BooleanField(FIELD_NAMES["phone"])
    contact_method = BooleanField(FIELD_NAMES["contact_method"])
    service = BooleanField(FIELD_NAMES["service"])
    location = BooleanField(FIELD_NAMES["location"])
    message = BooleanField(FIELD_NAMES["message"])


class SettingsForm(AdminForm):
    """Every widget setting, grouped the way the edit page shows them."""

    name = StringField("Widget name (only admins see it)")
    practice_name = StringField("Practice name")
    heading = StringField("Heading")
    intro = TextAreaField("Introduction")
    steps = FieldList(FormField(StepForm), min_entries=3, max_entries=3)
    services = FieldList(FormField(ServiceForm), max_entries=MAX_ITEMS)
    locations = FieldList(FormField(LocationForm), max_entries=MAX_ITEMS)
    accepting_new_clients = BooleanField("Accepting new clients")
    waitlist_text = TextAreaField("Waitlist note (shown while not accepting new clients)")
    response_time = StringField("When you reply (completes “Someone will contact you …”)")
    crisis_notice = TextAreaField("Crisis notice (must mention 988 or 911)")
    consent_text = TextAreaField("Consent statement")
    submit_label = StringField("Send button text")
    launcher_label = StringField("Floating button text (button mode)")
    thank_you_heading = StringField("Thank-you heading")
    thank_you_text = TextAreaField("Thank-you text ({response_time} is replaced)")
    theme = FormField(ThemeForm)
    language = SelectField("Language of the form", choices=[SelectChoice(c, LANGUAGE_NAMES[c]) for c in LANGUAGES])
    allowed_origins = TextAreaField("Websites that may show the form, one per line")
    fields = FormField(FieldsForm)
    notify_emails = TextAreaField("Email new requests to, one address per line")
    detail_level = SelectField("What the email contains",
                               choices=[SelectChoice(c, DETAIL_NAMES[c]) for c in DETAIL_LEVELS])
    alert_email = StringField("Alert address for delivery problems", render_kw={"inputmode": "email"})
    confirmation_email = BooleanField("Email the person a short confirmation (no details of what they wrote)")
    webhook_url = StringField("Webhook address (CRM or automation)", render_kw={"inputmode": "url"})
    webhook_format = SelectField("Webhook format", choices=[SelectChoice(c, FORMAT_NAMES[c]) for c in WEBHOOK_FORMATS])
    hubspot_portal_id = StringField("HubSpot portal id")
    hubspot_form_guid = StringField("HubSpot form GUID")
    retention_days = StringField("Delete requests this many days after delivery (1 to 3650)",
                                 render_kw={"inputmode": "numeric"})

    #: Messages that belong to a whole group (``steps``, ``services``) or to no field.
    group_errors: dict[str, list[str]]
    #: Setting paths that failed, as ``validate_settings`` named them.
    setting_errors: dict[str, str]


def form_data(name: str, settings: dict[str, Any]) -> dict[str, Any]:
    """Return the form's initial data for saved settings (with blank rows to add services)."""
    data: dict[str, Any] = {key: settings.get(key, "") for key in (*TEXTS, *CHOICES, *FLAGS)}
    data.update(
        name=name, steps=settings["steps"], theme=settings["theme"], fields=settings["fields"],
        retention_days=str(settings["retention_days"]),
        allowed_origins="\n".join(settings["allowed_origins"]),
        notify_emails="\n".join(settings["notify_emails"]),
    )
    for key in ("services", "locations"):
        rows = list(settings[key])
        data[key] = rows + [{}] * min(BLANK_ROWS, MAX_ITEMS - len(rows))
    return data


def build_form(name: str, settings: dict[str, Any]) -> SettingsForm:
    """Return the form filled from saved settings."""
    data = form_data(name, settings)
    form = SettingsForm(formdata=None, data=data)
    for key in ("services", "locations"):
        while len(getattr(form, key).entries) < len(data[key]):
            getattr(form, key).append_entry({})
    _no_errors(form)
    return form


def submitted_form() -> SettingsForm:
    """Return the form filled from the request (what was typed, kept as typed)."""
    form = SettingsForm()
    _no_errors(form)
    return form


def _no_errors(form: SettingsForm) -> None:
    form.group_errors = {}
    form.setting_errors = {}


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _rows(field: FieldList, keys: tuple[str, ...]) -> tuple[list[dict[str, str]], list[int]]:
    """Return the non-blank rows and, for each, its index in the form."""
    rows, where = [], []
    for index, entry in enumerate(field.entries):
        values = {key: (entry.form[key].data or "").strip() for key in keys}
        if any(values.values()):
            rows.append(values)
            where.append(index)
    return rows, where


def raw_settings(form: SettingsForm) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """Return the settings as typed, for ``validate_settings``, and where each list row sits."""
    raw: dict[str, Any] = {key: form[key].data or "" for key in (*TEXTS, *CHOICES)}
    raw.update({key: bool(form[key].data) for key in FLAGS})
    raw.update({key: _lines(form[key].data) for key in LINE_LISTS})
    raw["steps"] = [{key: entry.form[key].data or "" for key in ("title", "text", "link_url", "link_label")}
                    for entry in form.steps.entries]
    raw["services"], service_rows = _rows(form.services, ("name", "description", "url"))
    raw["locations"], location_rows = _rows(form.locations, ("name", "city", "url"))
    raw["theme"] = {key: form.theme.form[key].data or "" for key in
                    ("accent_color", "background_color", "text_color", "radius", "font_stack")}
    raw["fields"] = {key: bool(form.fields.form[key].data) for key in OPTIONAL_FIELDS}
    raw["retention_days"] = (form.retention_days.data or "").strip()
    return raw, {"services": service_rows, "locations": location_rows}


def check(form: SettingsForm, resolve_webhook: bool = True) -> tuple[dict[str, Any], bool]:
    """Validate what was typed; put each message on its field; return (clean settings, ok).

    ``resolve_webhook=False`` skips the webhook's DNS lookup (the preview runs on every keystroke).
    """
    raw, rows = raw_settings(form)
    allow_private = current_app.config["RTR_WEBHOOK_ALLOW_PRIVATE"] if resolve_webhook else None
    clean, errors = validate_settings(raw, allow_private)
    name = (form.name.data or "").strip()
    if not name:
        errors["name"] = "Give the widget a name, e.g. the practice's name."
    elif len(name) > 200:
        errors["name"] = "Keep this under 200 characters."
    form.setting_errors = errors
    for path, message in errors.items():
        _attach(form, path, message, rows)
    return clean, not errors


def _attach(form: SettingsForm, path: str, message: str, rows: dict[str, list[int]]) -> None:
    parts = path.split(".")
    head = parts[0]
    field: Field | None = None
    if head in LINE_LISTS and len(parts) == 2:
        field, message = form[head], f"Line {int(parts[1]) + 1}: {message}"
    elif head in ("steps", "services", "locations") and len(parts) == 3:
        index = int(parts[1]) if head == "steps" else rows[head][int(parts[1])]
        field = getattr(form, head).entries[index].form[parts[2]]
    elif head in ("theme", "fields") and len(parts) == 2 and parts[1] in getattr(form, head).form:
        field = getattr(form, head).form[parts[1]]
    elif len(parts) == 1 and head in form and head not in ("steps", "services", "locations", "theme", "fields"):
        field = form[head]
    if field is None:
        form.group_errors.setdefault(head, []).append(message)
    else:
        field.errors = [*field.errors, message]
