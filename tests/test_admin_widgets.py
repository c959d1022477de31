"""Admin widget pages: the settings form, validation messages, preview, snippets, delivery tools, audit."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget.admin.audit import entries
from widget.admin.auth import SESSION_KEY
from widget.admin.preview import contrast_ratio, contrast_warnings
from widget.admin.settings_form import build_form, check
from widget.extension import get_state
from widget.settings import default_settings, demo_settings
from widget.store import NewLead

from .support.delivery import add_leads, rows, settle
from .support.receiver import Receiver
from .support.smtp import SmtpServer

EDIT = "/admin/widgets/demo"


class FormReader(HTMLParser):
    """Collect the fields of one form as a browser would submit them."""

    def __init__(self, form_id: str | None) -> None:
        super().__init__()
        self.form_id, self.inside, self.depth = form_id, False, 0
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._first_option: str | None = None
        self._selected = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and (self.form_id is None or a.get("id") == self.form_id) and not self.fields:
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value") or "y"))
            elif a.get("type") not in ("submit", "button"):
                self.fields.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.append((name, ""))
        elif tag == "select" and name:
            self._select, self._first_option, self._selected = name, None, False
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self.fields.append((self._select, a.get("value", "")))
                self._selected = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            if not self._selected:
                self.fields.append((self._select, self._first_option or ""))
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            name, value = self.fields[-1]
            self.fields[-1] = (name, value + data)


def read_form(html: str, form_id: str | None = "settings-form") -> dict[str, str]:
    reader = FormReader(form_id)
    reader.feed(html)
    fields = dict(reader.fields)
    assert "csrf_token" in fields, "the form has no CSRF token"
    return {name: re.sub(r"^\r?\n", "", value) for name, value in fields.items()}


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    client = app.test_client()
    with client.session_transaction() as session:
        session[SESSION_KEY] = {"user": "ann", "seen": time.time()}
    return client


def edit_form(admin: FlaskClient, path: str = EDIT) -> dict[str, str]:
    return read_form(admin.get(path).get_data(as_text=True))


def error_of(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    return match.group(1) if match else ""


def store_of(app: Flask) -> Any:
    return get_state(app).store


# The form covers every setting ---------------------------------------------------------------

def test_form_has_a_field_for_every_setting(app: Flask) -> None:
    settings = default_settings()
    with app.test_request_context():
        form = build_form("x", settings)
        for key, value in settings.items():
            assert key in form, f"no form field for {key}"
            if key == "theme" or key == "fields":
                assert set(value) == set(form[key].form._fields), key
            if key == "steps":
                assert set(value[0]) == set(form.steps.entries[0].form._fields)
        assert set(form.services.entries[0].form._fields) == {"name", "description", "url"}
        assert set(form.locations.entries[0].form._fields) == {"name", "city", "url"}


def test_saving_the_page_unchanged_keeps_every_setting(app: Flask, admin: FlaskClient) -> None:
    fields = edit_form(admin)
    response = admin.post(EDIT, data=fields)
    assert response.status_code == 302
    widget = store_of(app).get_widget("demo")
    assert widget.settings == demo_settings() and widget.version == 1
    assert "Nothing changed" in admin.get(EDIT).get_data(as_text=True)


def test_every_setting_round_trips_through_the_form(app: Flask) -> None:
    settings = demo_settings()
    settings.update(allowed_origins=["https://www.example.com", "http://localhost:8000"],
                    notify_emails=["a@example.com", "b@example.com"], alert_email="ops@example.com",
                    webhook_url="https://hooks.example.com/x", webhook_format="hubspot",
                    hubspot_portal_id="12345", hubspot_form_guid="0" * 8 + "-0000-0000-0000-" + "0" * 12,
                    confirmation_email=True, accepting_new_clients=False, retention_days=30, language="es",
                    detail_level="full")
    settings["theme"].update(accent_color="#123456", radius=4)
    settings["fields"]["message"] = False
    with app.test_request_context():
        form = build_form("Harbor", settings)
        clean, ok = check(form)
    assert ok, form.setting_errors
    assert clean == settings


# Edit, validation messages, input kept -------------------------------------------------------

def test_edit_the_heading_saves_a_new_version_and_audits_the_setting_name(app: Flask, admin: FlaskClient) -> None:
    fields = edit_form(admin)
    fields["heading"] = "Ready when you are"
    fields["theme-accent_color"] = "#224466"
    assert admin.post(EDIT, data=fields).status_code == 302
    widget = store_of(app).get_widget("demo")
    assert widget.settings["heading"] == "Ready when you are" and widget.version == 2
    assert "Ready when you are" in app.test_client().get("/w/demo/frame").get_data(as_text=True)
    items, _ = entries(store_of(app))
    assert (items[0].actor, items[0].action, items[0].widget_id) == ("ann", "widget.settings", "demo")
    assert items[0].detail == "heading, theme.accent_color"
    assert "Ready when you are" not in items[0].detail


BAD_INPUT = [
    ("steps-0-link_url", "javascript:alert(1)", "starting with http:// or https://"),
    ("steps-1-link_url", "www.example.com/blog", "starting with http:// or https://"),
    ("services-0-url", "ftp://files.example.com/x", "starting with http:// or https://"),
    ("webhook_url", "file:///etc/passwd", "starting with http:// or https://"),
    ("theme-accent_color", "purple", "hex colour like #7a3e5d"),
    ("theme-text_color", "#12345", "hex colour like #7a3e5d"),
    ("theme-background_color", "rgb(0,0,0)", "hex colour like #7a3e5d"),
    ("allowed_origins", "https://www.example.com/blog", "Line 1: Use scheme://host[:port] only"),
    ("allowed_origins", "https://ok.example.com\nexample.com", "Line 2: Use scheme://host[:port] only"),
    ("allowed_origins", "ftp://example.com", "Line 1: Use scheme://host[:port] only"),
    ("notify_emails", "intake@example.com\nnot an address", "Line 2: This isn&#39;t a valid email address."),
    ("alert_email", "ops@", "This isn&#39;t a valid email address."),
    ("crisis_notice", "Please call us.", "988 or 911"),
    ("heading", "", "This can&#39;t be empty."),
    ("retention_days", "0", "whole number from 1 to 3650"),
    ("theme-radius", "round", "whole number from 0 to 32"),
    ("theme-font_stack", "Georgia; color: red", "font names separated by commas"),
    ("steps-2-title", "", "This can&#39;t be empty."),
    ("hubspot_form_guid", "nope", "copy it again from HubSpot"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_INPUT)
def test_bad_input_gets_a_message_on_its_field_and_keeps_what_was_typed(
        app: Flask, admin: FlaskClient, field: str, value: str, message: str) -> None:
    fields = edit_form(admin)
    fields[field] = value
    fields["intro"] = "Typed just now & kept <b>as text</b>"
    response = admin.post(EDIT, data=fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in error_of(html, field), html[html.find('class="summary"'):][:400]
    kept = read_form(html)
    assert kept[field] == value
    assert kept["intro"] == "Typed just now & kept <b>as text</b>"
    assert "Typed just now &amp; kept &lt;b&gt;as text&lt;/b&gt;" in html
    assert f'aria-describedby="{field}-error"' in html or f'{field}-error"' in html
    assert store_of(app).get_widget("demo").version == 1


def test_blank_service_rows_are_ignored_and_a_filled_one_is_added(app: Flask, admin: FlaskClient) -> None:
    fields = edit_form(admin)
    assert fields["services-3-name"] == "" and fields["services-4-name"] == ""
    fields["services-4-name"] = "Discernment counselling"
    fields["services-4-url"] = "https://example.com/discernment"
    assert admin.post(EDIT, data=fields).status_code == 302
    services = store_of(app).get_widget("demo").settings["services"]
    assert [s["name"] for s in services][-1] == "Discernment counselling" and len(services) == 4
    assert edit_form(admin)["services-5-name"] == ""


def test_a_bad_value_in_a_later_service_row_is_marked_on_that_row(admin: FlaskClient) -> None:
    fields = edit_form(admin)
    fields["services-1-name"] = fields["services-1-description"] = fields["services-1-url"] = ""
    fields["services-2-url"] = "not a link"
    html = admin.post(EDIT, data=fields).get_data(as_text=True)
    assert "http:// or https://" in error_of(html, "services-2-url")
    assert error_of(html, "services-1-url") == ""


# Preview and contrast ------------------------------------------------------------------------

def test_preview_renders_the_real_frame_with_unsaved_settings(app: Flask, admin: FlaskClient) -> None:
    fields = edit_form(admin)
    fields["heading"] = "Not saved yet"
    fields["theme-accent_color"] = "#0b5394"
    response = admin.post("/admin/widgets/demo/preview", data=fields)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Not saved yet" in html and "--rtr-accent:#0b5394" in html and "rtr-card" in html
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in csp and "form-action 'none'" in csp and "connect-src 'none'" in csp
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert store_of(app).get_widget("demo").settings["heading"] == "Ready to rebuild?"
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
    assert contrast_warnings(default_settings()["theme"]) == []
    warned = contrast_warnings({"accent_color": "#f0c0d0", "background_color": "#ffffff", "text_color": "#777777"})
    assert len(warned) == 3 and all("4.5:1" in w for w in warned)
    fields = edit_form(admin)
    fields["theme-text_color"] = "#999999"
    assert admin.post(EDIT, data=fields).status_code == 302
    html = admin.get(EDIT).get_data(as_text=True)
    assert "Text on the card background: contrast 2.7:1 is under the 4.5:1" in html


# Snippets ------------------------------------------------------------------------------------

def test_snippets_for_every_mode_with_paste_instructions(make_app: Callable[..., Flask]) -> None:
    app = make_app(RTR_PUBLIC_URL="https://widgets.example.org")
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    client = app.test_client()
    with client.session_transaction() as session:
        session[SESSION_KEY] = {"user": "ann", "seen": time.time()}
    html = client.get(EDIT).get_data(as_text=True)
    tag = '&lt;script async src=&#34;https://widgets.example.org/embed.js&#34; data-widget=&#34;demo&#34;'
    assert tag + "&gt;&lt;/script&gt;" in html
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
    created = next(w for w in store_of(app).list_widgets() if w.name == "Second Practice")
    assert created.settings["practice_name"] == "Second Practice"
    assert created.webhook_secret.startswith("whsec_") and created.webhook_secret in response.get_data(as_text=True)
    assert created.webhook_secret not in admin.get(f"/admin/widgets/{created.id}").get_data(as_text=True)
    assert admin.post("/admin/widgets/new", data={**read_form(page, "new-widget-form"), "name": " "}).status_code == 400


def test_duplicate_copies_settings_with_a_new_id_and_secret(app: Flask, admin: FlaskClient) -> None:
    token = read_form(admin.get("/admin/").get_data(as_text=True), None)["csrf_token"]
    response = admin.post("/admin/widgets/demo/duplicate", data={"csrf_token": token})
    assert response.status_code == 200
    copy = next(w for w in store_of(app).list_widgets() if w.id != "demo")
    original = store_of(app).get_widget("demo")
    assert copy.name == f"{original.name} (copy)" and copy.settings == original.settings
    assert copy.webhook_secret != original.webhook_secret and copy.webhook_secret in response.get_data(as_text=True)
    assert entries(store_of(app))[0][0].action == "widget.duplicated"


def test_delete_asks_first_then_removes_the_widget_and_its_requests(app: Flask, admin: FlaskClient) -> None:
    store = store_of(app)
    store.add_lead(store.get_widget("demo"), NewLead(name="Maya Quietname", email="maya@example.org",
                                                     consent_text="ok", consent_version="v"))
    page = admin.get("/admin/widgets/demo/delete")
    assert page.status_code == 200 and "1 request" in page.get_data(as_text=True)
    assert store.get_widget("demo") is not None
    response = admin.post("/admin/widgets/demo/delete", data=read_form(page.get_data(as_text=True), "delete-form"))
    assert response.status_code == 302 and response.location == "/admin/"
    assert store.get_widget("demo") is None
    with store.reading() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM rtr_leads").scalar_one() == 0
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM rtr_deliveries").scalar_one() == 0
    assert admin.get(EDIT).status_code == 404


# Delivery: secret rotation, send a test, SMTP page -------------------------------------------

def test_rotate_secret_shows_the_new_one_once(app: Flask, admin: FlaskClient) -> None:
    before = store_of(app).get_widget("demo").webhook_secret
    token = edit_form(admin)["csrf_token"]
    response = admin.post("/admin/widgets/demo/rotate-secret", data={"csrf_token": token})
    after = store_of(app).get_widget("demo")
    assert after.webhook_secret != before and after.previous_webhook_secret == before
    assert after.webhook_secret in response.get_data(as_text=True)
    assert after.webhook_secret not in admin.get(EDIT).get_data(as_text=True)
    assert entries(store_of(app))[0][0].action == "widget.secret_rotated"


def test_send_a_test_delivers_for_real_and_shows_the_outcomes(make_app: Callable[..., Flask]) -> None:
    with SmtpServer() as smtp, Receiver() as receiver:
        app = make_app(RTR_SMTP_HOST="127.0.0.1", RTR_SMTP_PORT=smtp.port, RTR_SMTP_SECURITY="none",
                       RTR_WEBHOOK_ALLOW_PRIVATE=True)
        app.test_cli_runner().invoke(args=["rtr", "demo"])
        client = app.test_client()
        with client.session_transaction() as session:
            session[SESSION_KEY] = {"user": "ann", "seen": time.time()}
        fields = edit_form(client)
        fields.update(notify_emails="intake@example.com", webhook_url=receiver.url())
        assert client.post(EDIT, data=fields).status_code == 302
        response = client.post("/admin/widgets/demo/test", data={"csrf_token": fields["csrf_token"]})
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        outcome = html[html.index('id="test-outcome"'):].split("</div>")[0]
        assert "Email: delivered." in outcome and "250" in outcome
        assert "Webhook: delivered." in outcome and "200" in outcome
        assert len(smtp.received) == 1
        assert receiver.received()[0].json["type"] == "webhook.test"
        shown = re.sub(r"<[^>]+>|\s+", " ", outcome).strip()
        print(f"\nsend a test shows: {shown}")


def test_send_a_test_shows_a_refused_webhook(admin: FlaskClient, app: Flask) -> None:
    with Receiver(mode="error") as receiver:
        app.config["RTR_WEBHOOK_ALLOW_PRIVATE"] = True
        fields = edit_form(admin)
        fields.update(notify_emails="", webhook_url=receiver.url())
        admin.post(EDIT, data=fields)
        html = admin.post("/admin/widgets/demo/test", data={"csrf_token": fields["csrf_token"]}).get_data(as_text=True)
    outcome = html[html.index('id="test-outcome"'):].split("</div>")[0]
    assert "Webhook: not delivered." in outcome and "500" in outcome and "Email" not in outcome


def test_smtp_password_is_never_shown_back(app: Flask, admin: FlaskClient) -> None:
    fields = read_form(admin.get("/admin/smtp").get_data(as_text=True), "smtp-form")
    fields.update(host="smtp.example.com", port="587", security="starttls", username="intake",
                  password="hunter2-but-longer", mail_from="Harbor Light <intake@example.com>")
    assert admin.post("/admin/smtp", data=fields).status_code == 302
    html = admin.get("/admin/smtp").get_data(as_text=True)
    assert "hunter2-but-longer" not in html and "smtp.example.com" in html and "A password is saved" in html
    again = read_form(html, "smtp-form")
    assert again["password"] == "" and again["host"] == "smtp.example.com"
    assert admin.post("/admin/smtp", data={**again, "port": "70000"}).status_code == 400
    assert admin.post("/admin/smtp", data=again).status_code == 302
    from widget.delivery.smtp_config import effective_smtp
    assert effective_smtp(app).password == "hunter2-but-longer"
    details = [e.detail for e in entries(store_of(app))[0] if e.action == "smtp.settings"]
    assert details and "password" in details[-1] and all("hunter2" not in d for d in details)


# Audit ---------------------------------------------------------------------------------------

def test_audit_page_lists_changes_and_never_lead_contents(app: Flask, admin: FlaskClient) -> None:
    store = store_of(app)
    store.add_lead(store.get_widget("demo"), NewLead(name="Maya Quietname", email="maya.q@example.org",
                                                     consent_text="ok", consent_version="v",
                                                     message="we are struggling"))
    fields = edit_form(admin)
    fields["heading"] = "A new heading"
    admin.post(EDIT, data=fields)
    html = admin.get("/admin/audit").get_data(as_text=True)
    assert "Changed settings" in html and "heading" in html and "ann" in html
    for secret in ("Quietname", "maya.q@example.org", "struggling", "A new heading"):
        assert secret not in html


@pytest.mark.parametrize("page", ["-5", "abc", "2", "99999999999999999999"])
def test_audit_page_numbers_never_break_the_page(admin: FlaskClient, page: str) -> None:
    response = admin.get(f"/admin/audit?page={page}")
    assert response.status_code == 200 and "<h1>Audit log</h1>" in response.get_data(as_text=True)


def test_a_webhook_switched_off_by_410_can_be_turned_back_on(app: Flask, admin: FlaskClient) -> None:
    store = store_of(app)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE rtr_widgets SET webhook_disabled_at = 1700000000 WHERE id = 'demo'")
    html = admin.get(EDIT).get_data(as_text=True)
    assert "The webhook is switched off" in html and "410 Gone" in html
    assert "The webhook is switched off" not in admin.get("/admin/").get_data(as_text=True), "no webhook URL"
    settings = dict(store.get_widget("demo").settings, webhook_url="https://crm.example.com/in")
    store.save_settings("demo", settings)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE rtr_widgets SET webhook_disabled_at = 1700000000 WHERE id = 'demo'")
    assert "The webhook is switched off" in admin.get("/admin/").get_data(as_text=True), "the list says so too"
    token = read_form(html)["csrf_token"]
    assert admin.post("/admin/widgets/demo/enable-webhook").location.endswith("#delivery-tools")
    assert store.get_widget("demo").webhook_disabled_at is not None
    admin.post("/admin/widgets/demo/enable-webhook", data={"csrf_token": token})
    assert store.get_widget("demo").webhook_disabled_at is None
    assert "The webhook is switched off" not in admin.get(EDIT).get_data(as_text=True)
    assert entries(store)[0][0].action == "widget.webhook_enabled"


@pytest.mark.parametrize("how", ["button", "new address"])
def test_requests_that_waited_while_the_webhook_was_off_reach_it_when_it_is_back(
        make_app: Callable[..., Flask], how: str) -> None:
    with Receiver(mode="gone") as gone, Receiver() as receiver:
        app = make_app(RTR_WEBHOOK_ALLOW_PRIVATE=True, RTR_RETRY_SCHEDULE=[0.0])
        app.test_cli_runner().invoke(args=["rtr", "demo"])
        client = app.test_client()
        with client.session_transaction() as session:
            session[SESSION_KEY] = {"user": "ann", "seen": time.time()}
        store = store_of(app)
        fields = edit_form(client)
        fields.update(notify_emails="", webhook_url=gone.url())
        assert client.post(EDIT, data=fields).status_code == 302
        add_leads(store, store.get_widget("demo"))
        settle(app)
        assert store.get_widget("demo").webhook_disabled_at is not None, "the 410 switched it off"
        add_leads(store, store.get_widget("demo"), 2)  # requests that arrive while it is off
        settle(app)
        assert [r["status"] for r in rows(store)] == ["disabled"] * 3
        if how == "button":
            gone.mode = "ok"  # the receiver wants requests again
            response = client.post("/admin/widgets/demo/enable-webhook", data={"csrf_token": fields["csrf_token"]},
                                   follow_redirects=True)
        else:
            fields["webhook_url"] = receiver.url("/new-hook")
            response = client.post(EDIT, data=fields, follow_redirects=True)
        assert "3 requests that waited while it was off are being sent now" in response.get_data(as_text=True)
        settle(app)
    assert [r["status"] for r in rows(store)] == ["delivered"] * 3
    arrived = gone.received() if how == "button" else receiver.received("/new-hook")
    assert len({r.webhook_id for r in arrived}) == 3
