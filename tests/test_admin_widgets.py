"""Admin widget pages: the settings form, validation messages, preview, snippets, create/delete, audit.

The delivery tools on the same page (test, secret, SMTP, 410) are in test_admin_delivery.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget.admin.audit import entries
from widget.admin.contrast import contrast_ratio, contrast_warnings
from widget.admin.form_mapping import kind_of
from widget.admin.settings_form import build_form, check
from widget.models import NewLead
from widget.queries.leads import add_lead
from widget.queries.widgets import get_widget, list_widgets
from widget.settings import WidgetSettings, demo_settings
from widget.state import resource_dir

from .support.admin_pages import EDIT, edit_form, error_of, read_form, store_of
from .support.admin_session import signed_in
from .support.settings import changed

ADMIN_JS = sorted((Path(resource_dir("static")) / "rtr" / "admin").glob("*.js"))


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    return signed_in(app.test_client())



# The form covers every setting ---------------------------------------------------------------

FORM_ONLY = {"name", "csrf_token"}  # the widget's own name, and the form's CSRF token


def _unmatched(model: type, form: Any, where: str = "") -> list[str]:
    """Return settings without a form field and form fields without a setting, by path."""
    settings, fields = set(model.model_fields), set(form._fields) - (FORM_ONLY if not where else set())
    problems = [f"setting {where}{name} has no form field" for name in sorted(settings - fields)]
    problems += [f"form field {where}{name} has no setting" for name in sorted(fields - settings)]
    for name in sorted(settings & fields):
        annotation, field = model.model_fields[name].annotation, form[name]
        kind = kind_of(annotation)
        if kind == "group":
            problems += _unmatched(annotation, field.form, f"{where}{name}.")
        elif kind == "rows":
            problems += _unmatched(get_args(annotation)[0], field.entries[0].form, f"{where}{name}.0.")
    return problems


def test_every_setting_has_a_form_field_and_every_form_field_a_setting(app: Flask) -> None:
    with app.test_request_context():
        form = build_form("x", WidgetSettings())
        assert _unmatched(WidgetSettings, form) == []


def test_a_setting_missing_from_the_form_is_found(app: Flask) -> None:
    class Wider(WidgetSettings):
        timezone: str = "UTC"

    with app.test_request_context():
        form = build_form("x", WidgetSettings())
        form.theme.form._fields.pop("radius")
        assert _unmatched(Wider, form) == ["setting timezone has no form field",
                                           "setting theme.radius has no form field"]
        form.theme.form._fields["shadow"] = form.theme.form.font_stack
        assert "form field theme.shadow has no setting" in _unmatched(WidgetSettings, form)


def test_saving_the_page_unchanged_keeps_every_setting(app: Flask, admin: FlaskClient) -> None:
    fields = edit_form(admin)
    response = admin.post(EDIT, data=fields)
    assert response.status_code == 302
    widget = get_widget(store_of(app), "demo")
    assert widget.settings == demo_settings() and widget.version == 1
    assert "Nothing changed" in admin.get(EDIT).get_data(as_text=True)


def test_every_setting_round_trips_through_the_form(app: Flask) -> None:
    demo = demo_settings()
    settings = changed(demo, allowed_origins=["https://www.example.com", "http://localhost:8000"],
                       notify_emails=["a@example.com", "b@example.com"], alert_email="ops@example.com",
                       webhook_url="https://hooks.example.com/x", webhook_format="hubspot",
                       hubspot_portal_id="12345", hubspot_form_guid="0" * 8 + "-0000-0000-0000-" + "0" * 12,
                       confirmation_email=True, accepting_new_clients=False, retention_days=30, language="es",
                       detail_level="full", theme=dict(demo.theme, accent_color="#123456", radius=4),
                       fields=dict(demo.fields, message=False))
    with app.test_request_context():
        form = build_form("Harbor", settings)
        clean, ok = check(form)
    assert ok, form.setting_errors
    assert clean == settings


# Edit, validation messages, input kept -------------------------------------------------------

def test_edit_the_heading_saves_a_new_version_and_audits_the_setting_name(app: Flask, admin: FlaskClient) -> None:
    fields = edit_form(admin)
    fields["heading-en"] = "Ready when you are"
    fields["theme-accent_color"] = "#224466"
    assert admin.post(EDIT, data=fields).status_code == 302
    widget = get_widget(store_of(app), "demo")
    assert widget.settings.heading.en == "Ready when you are" and widget.version == 2
    assert "Ready when you are" in app.test_client().get("/w/demo/frame").get_data(as_text=True)
    items, _ = entries(store_of(app))
    assert (items[0].actor, items[0].action, items[0].widget_id) == ("ann", "widget.settings", "demo")
    assert items[0].detail == "heading.en, theme.accent_color"
    assert "Ready when you are" not in items[0].detail


BAD_INPUT = [
    ("steps-0-link_url", "javascript:alert(1)", "starting with http:// or https://"),
    ("steps-1-link_url", "www.example.com/blog", "starting with http:// or https://"),
    ("services-0-url", "ftp://files.example.com/x", "starting with http:// or https://"),
    ("webhook_url", "file:///etc/passwd", "starting with http:// or https://"),
    ("theme-accent_color", "purplish", "colour like #7a3e5d, rgb(122, 62, 93) or a name like teal"),
    ("theme-text_color", "#12345", "colour like #7a3e5d"),
    ("theme-background_color", "rgb(0,0,0,0.5)", "without transparency"),
    ("allowed_origins", "intake@example.com", "Line 1: That looks like an email address"),
    ("allowed_origins", "https://ok.example.com\nexample", "Line 2: Type your website&#39;s address"),
    ("allowed_origins", "ftp://example.com", "Line 1: Type your website&#39;s address"),
    ("notify_emails", "intake@example.com\nnot an address", "Line 2: This isn&#39;t a valid email address."),
    ("alert_email", "ops@", "This isn&#39;t a valid email address."),
    ("crisis_notice-en", "Please call us.", "988 or 911"),
    ("crisis_notice-es", "Por favor, llámenos.", "988 or 911"),
    ("heading-en", "", "Write this in English, the widget&#39;s language."),
    ("heading-en", "x" * 121, "Keep this under 120 characters (it has 121)."),
    ("heading-es", "Listo\npara empezar", "Keep this on one line."),
    ("retention_days", "0", "whole number from 1 to 3650"),
    ("theme-radius", "round", "whole number from 0 to 32"),
    ("theme-font_stack", "Georgia; color: red", "font names separated by commas"),
    ("steps-2-title-en", "", "Write this in English, the widget&#39;s language."),
    ("services-0-name-en", "", "Write this in English, the widget&#39;s language."),
    ("hubspot_form_guid", "nope", "copy it again from HubSpot"),
    # urllib raises on an unmatched "[": a message on the field, never a 500.
    ("steps-0-link_url", "http://[", "starting with http:// or https://"),
    ("services-1-url", "https://[::1/services", "starting with http:// or https://"),
    ("locations-0-url", "http://example.com:port/", "starting with http:// or https://"),
    ("webhook_url", "https://[crm.example.com/hook", "starting with http:// or https://"),
    ("allowed_origins", "https://ok.example.com\nhttps://[", "Line 2: Type your website&#39;s address"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_INPUT)
def test_bad_input_gets_a_message_on_its_field_and_keeps_what_was_typed(
        app: Flask, admin: FlaskClient, field: str, value: str, message: str) -> None:
    fields = edit_form(admin)
    fields[field] = value
    fields["intro-en"] = "Typed just now & kept <b>as text</b>"
    response = admin.post(EDIT, data=fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in error_of(html, field), html[html.find('class="summary"'):][:400]
    kept = read_form(html)
    assert kept[field] == value
    assert kept["intro-en"] == "Typed just now & kept <b>as text</b>"
    assert "Typed just now &amp; kept &lt;b&gt;as text&lt;/b&gt;" in html
    assert f'aria-describedby="{field}-error"' in html or f'{field}-error"' in html
    assert get_widget(store_of(app), "demo").version == 1


def test_blank_service_rows_are_ignored_and_a_filled_one_is_added(app: Flask, admin: FlaskClient) -> None:
    fields = edit_form(admin)
    assert fields["services-3-name-en"] == "" and fields["services-4-name-en"] == ""
    fields["services-4-name-en"] = "Discernment counselling"
    fields["services-4-url"] = "https://example.com/discernment"
    assert admin.post(EDIT, data=fields).status_code == 302
    services = get_widget(store_of(app), "demo").settings.services
    assert [s.name.en for s in services][-1] == "Discernment counselling" and len(services) == 4
    assert edit_form(admin)["services-5-name-en"] == ""


def test_a_bad_value_in_a_later_service_row_is_marked_on_that_row(admin: FlaskClient) -> None:
    fields = edit_form(admin)
    for name in ("services-1-name-en", "services-1-name-es", "services-1-description-en",
                 "services-1-description-es", "services-1-url"):
        fields[name] = ""
    fields["services-2-url"] = "not a link"
    html = admin.post(EDIT, data=fields).get_data(as_text=True)
    assert "http:// or https://" in error_of(html, "services-2-url")
    assert error_of(html, "services-1-url") == ""


# Preview and contrast ------------------------------------------------------------------------

def test_preview_renders_the_real_frame_with_unsaved_settings(app: Flask, admin: FlaskClient) -> None:
    fields = edit_form(admin)
    fields["heading-en"] = "Not saved yet"
    fields["theme-accent_color"] = "#0b5394"
    response = admin.post("/admin/widgets/demo/preview", data=fields)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Not saved yet" in html and "--rtr-accent:#0b5394" in html and "rtr-card" in html
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in csp and "form-action 'none'" in csp and "connect-src 'none'" in csp
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert get_widget(store_of(app), "demo").settings.heading.en == "Ready to rebuild?"
    with store_of(app).reading() as conn:
        views = conn.exec_driver_sql("SELECT COALESCE(SUM(views), 0) FROM rtr_daily_stats").scalar_one()
    assert views == 0


def test_preview_needs_the_csrf_token(admin: FlaskClient) -> None:
    fields = edit_form(admin)
    del fields["csrf_token"]
    assert admin.post("/admin/widgets/demo/preview", data=fields).status_code == 400


@pytest.mark.parametrize(("fore", "back", "ratio"), [
    ("#000000", "#ffffff", 21.0), ("#fff", "#fff", 1.0), ("#777777", "#ffffff", 4.48), ("#7a3e5d", "#fffaf6", 7.57),
])
def test_contrast_ratio_follows_wcag(fore: str, back: str, ratio: float) -> None:
    assert contrast_ratio(fore, back) == pytest.approx(ratio, abs=0.01 if ratio < 5 else 0.1)


def test_low_contrast_pairs_are_warned_about(admin: FlaskClient) -> None:
    assert contrast_warnings(WidgetSettings().theme.model_dump()) == []
    warned = contrast_warnings({"accent_color": "#f0c0d0", "background_color": "#ffffff", "text_color": "#777777"})
    assert len(warned) == 3 and all("4.5:1" in w for w in warned)
    fields = edit_form(admin)
    fields["theme-text_color"] = "#999999"
    assert admin.post(EDIT, data=fields).status_code == 302
    html = admin.get(EDIT).get_data(as_text=True)
    assert "Text on the card background: contrast 2.7:1 is under the 4.5:1" in html


def test_the_server_answers_the_contrast_warnings_for_the_colours_being_typed(admin: FlaskClient) -> None:
    fields = edit_form(admin)
    fields.update({"theme-text_color": "#aaaaaa", "theme-accent_color": "half typed #12", "heading-en": ""})
    response = admin.post("/admin/widgets/demo/check", data=fields)
    assert response.status_code == 200
    assert response.json["warnings"] == [
        "Text on the card background: contrast 2.2:1 is under the 4.5:1 that WCAG AA asks for; "
        "some visitors will struggle to read it."]
    del fields["csrf_token"]
    assert admin.post("/admin/widgets/demo/check", data=fields).status_code == 400
    assert signed_in(admin).post("/admin/widgets/demo/check", data={}).status_code == 400


def test_the_contrast_check_and_copying_are_written_once_and_without_exec_command() -> None:
    script = "\n".join(path.read_text() for path in ADMIN_JS)
    assert ADMIN_JS, "no admin scripts found"
    assert "execCommand" not in script, "document.execCommand is deprecated: use the Clipboard API"
    for formula in ("0.2126", "0.04045", "luminance"):
        assert formula not in script, "the contrast formula lives in widget/admin/contrast.py only"


def test_a_preview_of_half_typed_settings_keeps_the_saved_value_of_each_bad_one(admin: FlaskClient) -> None:
    fields = edit_form(admin)
    fields.update({"heading-en": "Typed heading", "steps-0-link_url": "http://[", "theme-accent_color": "#12"})
    response = admin.post("/admin/widgets/demo/preview", data=fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Typed heading" in html
    assert "--rtr-accent:#7a3e5d" in html and 'href="https://example.com/consultation"' in html


# Snippets ------------------------------------------------------------------------------------

def test_snippets_for_every_mode_with_paste_instructions(make_app: Callable[..., Flask]) -> None:
    app = make_app(RTR_PUBLIC_URL="https://widgets.example.org")
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    client = signed_in(app.test_client())
    html = client.get(EDIT).get_data(as_text=True)
    tag = '&lt;script async src=&#34;https://widgets.example.org/embed.js&#34; data-widget=&#34;demo&#34;'
    # Not measured yet (no browser here): the card's box is there, without a reserved height.
    assert "&lt;div id=&#34;rtr-demo&#34;&gt;&lt;/div&gt;\n" + tag + " data-target=&#34;#rtr-demo&#34;&gt;" in html
    assert tag + " data-mode=&#34;button&#34;" in html
    assert tag + " data-mode=&#34;popup&#34;" in html and "data-rtr-open=&#34;demo&#34;" in html
    assert "https://widgets.example.org/w/demo" in html
    for where in ("WordPress", "Squarespace", "Wix", "Custom HTML", "Code Injection", "Embed HTML"):
        assert where in html
    assert html.count('data-copy="#snippet-') == 4


def test_warning_when_no_allowed_origins(app: Flask, admin: FlaskClient) -> None:
    assert "No website addresses are set" in admin.get(EDIT).get_data(as_text=True)
    fields = edit_form(admin)
    fields["allowed_origins"] = "https://www.example.com"
    admin.post(EDIT, data=fields)
    assert "No website addresses are set" not in admin.get(EDIT).get_data(as_text=True)


# Create, duplicate, delete -------------------------------------------------------------------

def test_create_shows_the_secret_once(app: Flask, admin: FlaskClient) -> None:
    page = admin.get("/admin/widgets/new").get_data(as_text=True)
    response = admin.post("/admin/widgets/new", data={**read_form(page, "new-widget-form"), "name": "Second Practice"})
    assert response.status_code == 200
    created = next(w for w in list_widgets(store_of(app), ) if w.name == "Second Practice")
    assert created.settings.practice_name == "Second Practice"
    assert created.webhook_secret.startswith("whsec_") and created.webhook_secret in response.get_data(as_text=True)
    assert created.webhook_secret not in admin.get(f"/admin/widgets/{created.id}").get_data(as_text=True)
    assert admin.post("/admin/widgets/new", data={**read_form(page, "new-widget-form"), "name": " "}).status_code == 400


def test_duplicate_copies_settings_with_a_new_id_and_secret(app: Flask, admin: FlaskClient) -> None:
    token = read_form(admin.get("/admin/").get_data(as_text=True), None)["csrf_token"]
    response = admin.post("/admin/widgets/demo/duplicate", data={"csrf_token": token})
    assert response.status_code == 200
    copy = next(w for w in list_widgets(store_of(app), ) if w.id != "demo")
    original = get_widget(store_of(app), "demo")
    assert copy.name == f"{original.name} (copy)" and copy.settings == original.settings
    assert copy.webhook_secret != original.webhook_secret and copy.webhook_secret in response.get_data(as_text=True)
    assert entries(store_of(app))[0][0].action == "widget.duplicated"


def test_delete_asks_first_then_removes_the_widget_and_its_requests(app: Flask, admin: FlaskClient) -> None:
    store = store_of(app)
    add_lead(store, get_widget(store, "demo"), NewLead(name="Maya Quietname", email="maya@example.org",
                                                     consent_text="ok", consent_version="v"))
    page = admin.get("/admin/widgets/demo/delete")
    assert page.status_code == 200 and "1 request" in page.get_data(as_text=True)
    assert get_widget(store, "demo") is not None
    response = admin.post("/admin/widgets/demo/delete", data=read_form(page.get_data(as_text=True), "delete-form"))
    assert response.status_code == 302 and response.location == "/admin/"
    assert get_widget(store, "demo") is None
    with store.reading() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM rtr_leads").scalar_one() == 0
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM rtr_deliveries").scalar_one() == 0
    assert admin.get(EDIT).status_code == 404


# Audit ---------------------------------------------------------------------------------------

def test_audit_page_lists_changes_and_never_lead_contents(app: Flask, admin: FlaskClient) -> None:
    store = store_of(app)
    add_lead(store, get_widget(store, "demo"), NewLead(name="Maya Quietname", email="maya.q@example.org",
                                                     consent_text="ok", consent_version="v",
                                                     message="we are struggling"))
    fields = edit_form(admin)
    fields["heading-en"] = "A new heading"
    admin.post(EDIT, data=fields)
    html = admin.get("/admin/audit").get_data(as_text=True)
    assert "Changed settings" in html and "heading" in html and "ann" in html
    for secret in ("Quietname", "maya.q@example.org", "struggling", "A new heading"):
        assert secret not in html


@pytest.mark.parametrize("page", ["-5", "abc", "2", "99999999999999999999"])
def test_audit_page_numbers_never_break_the_page(admin: FlaskClient, page: str) -> None:
    response = admin.get(f"/admin/audit?page={page}")
    assert response.status_code == 200 and "<h1>Audit log</h1>" in response.get_data(as_text=True)
