"""The widget settings form: one field per ``WidgetSettings`` setting, checked by ``validate_settings``.

The form only collects what was typed; ``validate_settings`` stays the single gate, and its
messages (keyed by setting paths such as ``steps.0.link_url``) are put back on the fields. Fields
map to settings by name (``widget.admin.form_mapping``): a new setting needs its declaration in
the model and a field here, and a test fails while either is missing. A localised text is a
group with one input per language (``heading-en``, ``heading-es``), shown side by side.
"""

from __future__ import annotations

from flask import abort, current_app
from wtforms import BooleanField, FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..i18n import language_name
from ..settings import DETAIL_LEVELS, LANGUAGES, WEBHOOK_FORMATS, WidgetSettings, validate_settings
from ..settings.schema import WIDGET_NAME_LIMIT
from ..timezones import installation_zone, zone_names
from .form_mapping import attach_error, form_data, max_items, settings_typed
from .forms import AdminForm, csrf_failed

BLANK_ROWS = 2
#: The language menu names each language in itself, then in English: "Español (Spanish)".
LANGUAGE_NAMES = {code: language_name(code) if code == "en" else f"{language_name(code, code)} ({language_name(code)})"
                  for code in LANGUAGES}
DETAIL_NAMES = {
    "full": "Everything the person wrote, including their message",
    "contact": "Contact details only (the message stays in the admin inbox)",
    "alert": "Only an alert that a request arrived (read it in the admin inbox)",
}
FORMAT_NAMES = {"generic": "Generic JSON (signed, Standard Webhooks)", "hubspot": "HubSpot form submission"}


def zone_choices() -> list[SelectChoice]:
    """Return the time zone menu: the installation's first (empty value), then every IANA zone."""
    return [SelectChoice("", f"The installation's ({installation_zone()})"),
            *(SelectChoice(name, name.replace("_", " ")) for name in zone_names())]


FIELD_NAMES = {"phone": "Phone number", "contact_method": "Preferred way to be contacted",
               "service": "Which service", "location": "Which location", "message": "A short message"}


def _versions_form(field: type[StringField]) -> type[Form]:
    """Return a form with one input per language, each marked with its language (spelling, screen readers)."""
    inputs = {code: field(language_name(code), render_kw={"lang": code}) for code in LANGUAGES}
    return type(f"Versions{field.__name__}", (Form,), inputs)


LineVersions = _versions_form(StringField)
ParagraphVersions = _versions_form(TextAreaField)


def localised(label: str, paragraph: bool = False) -> FormField:
    """A localised text: its label over one input per language, side by side."""
    return FormField(ParagraphVersions if paragraph else LineVersions, label=label)


class StepForm(Form):
    title = localised("Title")
    text = localised("Text", paragraph=True)
    link_url = StringField("Link address", render_kw={"inputmode": "url", "placeholder": "https://"})
    link_label = localised("Link text")


class ServiceForm(Form):
    name = localised("Name")
    description = localised("Short description")
    url = StringField("Page address", render_kw={"inputmode": "url", "placeholder": "https://"})
    notify_emails = TextAreaField("Email requests for this service to, one address per line", render_kw={"rows": 2})


class LocationForm(Form):
    name = localised("Name")
    city = localised("City or area")
    online = BooleanField("Sessions happen online (telehealth)")
    url = StringField("Page address", render_kw={"inputmode": "url", "placeholder": "https://"})
    notify_emails = TextAreaField("Email requests for this location to, one address per line", render_kw={"rows": 2})


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
    heading = localised("Heading")
    intro = localised("Introduction", paragraph=True)
    steps = FieldList(FormField(StepForm), min_entries=max_items(WidgetSettings, "steps"),
                      max_entries=max_items(WidgetSettings, "steps"))
    services = FieldList(FormField(ServiceForm), max_entries=max_items(WidgetSettings, "services"))
    locations = FieldList(FormField(LocationForm), max_entries=max_items(WidgetSettings, "locations"))
    accepting_new_clients = BooleanField("Accepting new clients")
    waitlist_text = localised("Waitlist note (shown while not accepting new clients)", paragraph=True)
    response_time = localised("When you reply (completes “Someone will contact you …”)")
    crisis_notice = localised("Crisis notice (each language must mention 988 or 911)", paragraph=True)
    consent_text = localised("Consent statement", paragraph=True)
    submit_label = localised("Send button text")
    launcher_label = localised("Floating button text (button mode)")
    thank_you_heading = localised("Thank-you heading")
    thank_you_text = localised("Thank-you text ({response_time} is replaced)", paragraph=True)
    theme = FormField(ThemeForm)
    language = SelectField("The widget's language (visitors read it unless the snippet asks for another)",
                           choices=[SelectChoice(c, LANGUAGE_NAMES[c]) for c in LANGUAGES])
    time_zone = SelectField("Time zone (for times in the admin, emails and the CSV)", choices=zone_choices)
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


def build_form(name: str, settings: WidgetSettings) -> SettingsForm:
    """Return the form filled from saved settings, with blank rows to add services and locations."""
    form = SettingsForm(formdata=None, data={"name": name, **form_data(settings)})
    for field in form:
        if isinstance(field, FieldList) and field.min_entries != field.max_entries:
            for _ in range(min(BLANK_ROWS, field.max_entries - len(field.entries))):
                field.append_entry({})
    _no_errors(form)
    return form


def submitted_form() -> SettingsForm:
    """Return the form filled from the request (what was typed, kept as typed)."""
    form = SettingsForm()
    _no_errors(form)
    return form


def posted_form(expired: str) -> SettingsForm:
    """Return the form filled from the request, or answer 400 with ``expired`` when its CSRF token failed."""
    form = submitted_form()
    if not form.validate() and csrf_failed(form):
        abort(400, description=expired)
    return form


def _no_errors(form: SettingsForm) -> None:
    form.group_errors = {}
    form.setting_errors = {}


def check(form: SettingsForm, resolve_webhook: bool = True,
          fallback: WidgetSettings | None = None) -> tuple[WidgetSettings, bool]:
    """Validate what was typed; put each message on its field; return (settings, ok).

    ``resolve_webhook=False`` skips the webhook's DNS lookup (the preview runs on every keystroke).
    When something is wrong, the settings carry ``fallback``'s value for each failing setting.
    """
    raw, rows = settings_typed(form, WidgetSettings)
    allow_private = current_app.config["RTR_WEBHOOK_ALLOW_PRIVATE"] if resolve_webhook else None
    clean, errors = validate_settings(raw, allow_private, fallback=fallback)
    name = (form.name.data or "").strip()
    if not name:
        errors["name"] = "Give the widget a name, e.g. the practice's name."
    elif len(name) > WIDGET_NAME_LIMIT:
        errors["name"] = f"Keep this under {WIDGET_NAME_LIMIT} characters."
    form.setting_errors = errors
    for path, message in errors.items():
        attach_error(form, path, message, rows)
    return clean, not errors
