"""Hostile content: every configured text and lead field comes out escaped, in HTML, email and CSV."""

from __future__ import annotations

import csv
import email
import io
import itertools
from email.message import EmailMessage
from email.policy import default as default_policy
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from widget.admin.passwords import create_admin
from widget.delivery.mailer import outbox_dir
from widget.queries.widgets import get_widget, save_settings
from widget.security import issue_form_token
from widget.settings import WidgetSettings, demo_settings, validate_settings

from .conftest import valid_lead
from .support.admin_session import signed_in
from .support.delivery import settle
from .support.host_pages import browser_page, fill_lead, frame_of, host_page, host_site
from .support.leads import public_id_of, submit
from .support.servers import ServerThread

JSON = {"Accept": "application/json"}
# Each fits the shortest text setting (60 characters) and marks any element it manages to inject.
PAYLOADS = [
    "<script data-xss>alert(1)</script>",
    '"><img src=x onerror=alert(1) data-xss>',
    "'><svg onload=alert(1) data-xss>",
    "</textarea><b data-xss>x</b>",
    "</title></style><b data-xss>x</b>",
    '<a href="javascript:alert(1)" data-xss>x</a>',
    '<iframe srcdoc="<b>x</b>" data-xss></iframe>',
    '" autofocus onfocus="alert(1)" data-xss="',
    "' onmouseover='alert(1)' data-xss='",
    "&lt;b data-xss&gt;x&lt;/b&gt;",
    "{{ 7*7 }} {% print 1 %} ${7*7} #{7*7}",
    "<!--<b data-xss>-->",
    "<math><mtext></p><b data-xss>x</b>",
    "\u202e<b data-xss>x</b>",
    "=HYPERLINK(\"https://evil.example\",\"<b data-xss>\")",
]
TEXT_KEYS = ["practice_name", "heading", "intro", "waitlist_text", "response_time", "consent_text", "submit_label",
             "launcher_label", "thank_you_heading", "thank_you_text"]
USER, PASSWORD = "office", "a long and calm sentence"


def hostile_settings(payloads: list[str], **changes: Any) -> WidgetSettings:
    """Return valid settings whose every text is one of payloads (cycling), with all fields shown."""
    pick = itertools.cycle(payloads).__next__

    def both(after: str = "") -> dict[str, str]:
        return {"en": pick() + after, "es": pick() + after}

    settings = demo_settings().model_dump()
    settings.update({key: both() for key in TEXT_KEYS if key != "practice_name"}, practice_name=pick())
    settings["crisis_notice"] = both(" Call or text 988.")
    settings["thank_you_text"] = both(" {response_time}")
    settings["accepting_new_clients"] = False
    for step in settings["steps"]:
        step.update(title=both(), text=both(), link_label=both(), link_url="https://example.com/?q=" + pick())
    settings["services"] = [{"name": both(), "description": both(), "url": "https://example.com/" + pick()}
                            for _ in range(2)]
    settings["locations"] = [{"name": both(), "city": both(), "url": "https://example.com/#" + pick()}]
    clean, errors = validate_settings({**settings, **changes})
    assert errors == {}, errors
    return clean


def use_settings(app: Flask, settings: WidgetSettings) -> None:
    save_settings(app.extensions["rtr"].store, "demo", settings)


def assert_escaped(html: str, payloads: list[str], where: str) -> None:
    """No payload appears raw; each one that was shown appears in its escaped form."""
    for payload in payloads:
        if str(escape(payload)) != payload:
            assert payload not in html, f"{where}: raw {payload!r}"
    injected = InjectedElements.find(html)
    assert injected == [], f"{where}: injected {injected}"


class InjectedElements(HTMLParser):
    """Collect the elements a payload managed to create (they carry a ``data-xss`` attribute)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if any(name == "data-xss" for name, _ in attrs):
            self.found.append(tag)

    @classmethod
    def find(cls, html: str) -> list[str]:
        parser = cls()
        parser.feed(html)
        parser.close()
        return parser.found


def _token(app: Flask) -> str:
    with app.test_request_context():
        return issue_form_token("demo")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_configured_texts_are_escaped_on_frame_page_and_thanks(app: Flask, client: FlaskClient,
                                                               payload: str) -> None:
    use_settings(app, hostile_settings([payload]))
    pages = {
        "frame": client.get("/w/demo/frame"),
        "Spanish frame": client.get("/w/demo/frame?lang=es"),
        "hosted page": client.get("/w/demo"),
        "thank-you page": client.post("/w/demo/leads", data=valid_lead(token=_token(app))),
        "frame after an error": client.post("/w/demo/leads", data=valid_lead(token=_token(app), email="x")),
    }
    for where, response in pages.items():
        html = response.get_data(as_text=True)
        assert response.status_code in (200, 201, 400), where
        assert_escaped(html, [payload], where)
        assert str(escape(payload)) in html, f"{where}: the text is shown, escaped"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_lead_fields_and_parameters_come_back_escaped(app: Flask, client: FlaskClient, payload: str) -> None:
    fields = {name: payload for name in ("name", "phone", "message", "page_url", "utm_source", "utm_campaign",
                                          "service", "location", "contact_method", "mode", "origin", "instance",
                                          "theme", "lang")}
    typed = client.post("/w/demo/leads", data={**fields, "email": payload, "token": _token(app), "consent": "y"})
    assert typed.status_code == 400
    html = typed.get_data(as_text=True)
    assert_escaped(html, [payload], "the form as typed")
    assert f'value="{escape(payload)}"' in html, "the name comes back as typed, escaped"
    query = "&".join(f"{key}={payload}" for key in ("origin", "instance", "theme", "lang", "page", "utm_source",
                                                     "service", "mode"))
    for path in ("/w/demo/frame", "/w/demo"):
        assert_escaped(client.get(f"{path}?{query}").get_data(as_text=True), [payload], path)
    answer = client.post("/w/demo/leads", data={**fields, "token": _token(app)}, headers=JSON)
    assert answer.mimetype == "application/json" and answer.headers["X-Content-Type-Options"] == "nosniff"


def _hostile_lead(app: Flask, client: FlaskClient, payload: str) -> str:
    """Store a lead made of payload through the real endpoint; return its public id (what links carry)."""
    settings = hostile_settings([payload], notify_emails=["intake@example.com"], detail_level="full",
                                confirmation_email=True)
    use_settings(app, settings)
    service = settings.services[0].name
    row_id = submit(client, name=payload, email="o'hara@example.org", phone="+1 (555) 010-2030", message=payload,
                    page_url="https://blog.example/?q=" + payload, utm_source=payload, service=service,
                    contact_method="email")
    return public_id_of(app.extensions["rtr"].store, row_id)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_admin_pages_escape_leads_and_settings(app: Flask, client: FlaskClient, payload: str) -> None:
    lead_id = _hostile_lead(app, client, payload)
    admin = signed_in(client)
    for path in ("/admin/", "/admin/leads", f"/admin/leads/{lead_id}", "/admin/widgets/demo",
                 "/admin/widgets/demo/stats", "/admin/widgets/demo/preview", f"/admin/leads/{lead_id}/delete",
                 "/admin/audit"):
        response = admin.get(path)
        assert response.status_code == 200, path
        assert_escaped(response.get_data(as_text=True), [payload], path)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_email_html_escapes_the_lead_and_settings(app: Flask, client: FlaskClient, payload: str) -> None:
    _hostile_lead(app, client, payload)
    settle(app)
    paths = sorted(Path(outbox_dir(app)).glob("*.eml"))
    assert len(paths) == 2, "the practice's email and the visitor's confirmation"
    for path in paths:
        message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
        assert isinstance(message, EmailMessage)
        html = message.get_body(("html",)).get_content()
        assert_escaped(html, [payload], f"email HTML ({message['Subject']})")
        assert str(escape(payload)) in html, "the name or practice is in the email, escaped"
        text = message.get_body(("plain",)).get_content()
        assert payload in text, "the plain-text part carries the text as typed"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_csv_export_keeps_values_as_data_and_defuses_formulas(app: Flask, client: FlaskClient,
                                                              payload: str) -> None:
    _hostile_lead(app, client, payload)
    response = signed_in(client).get("/admin/leads.csv")
    assert response.mimetype == "text/csv" and response.headers["Content-Disposition"].startswith("attachment")
    [header, row] = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    cell = row[header.index(next(h for h in header if h.lower() == "name"))]
    expected = "'" + payload if payload.startswith("=") else payload
    assert cell == expected
    assert not any(value.startswith(("=", "+", "-", "@")) for value in row), "no cell runs as a formula"


# In Chromium -------------------------------------------------------------------------------------

def _watch(page: Any) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {"dialogs": [], "csp": []}

    def on_dialog(dialog: Any) -> None:
        seen["dialogs"].append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda message: seen["csp"].append(message.text)
            if "Content Security Policy" in message.text else None)
    return seen


def _assert_clean(target: Any, seen: dict[str, list[str]], where: str) -> None:
    assert target.locator("[data-xss]").count() == 0, f"{where}: an injected element"
    assert target.evaluate("window.__violations") == [], f"{where}: CSP violations"
    assert seen["dialogs"] == [], f"{where}: a dialog fired"
    assert seen["csp"] == [], f"{where}: {seen['csp']}"


@pytest.mark.browser
def test_payloads_do_nothing_in_chromium_frame_and_hosted_page(app: Flask, live_server: ServerThread,
                                                                browser: Any) -> None:
    use_settings(app, hostile_settings(PAYLOADS))
    widget = live_server.url("localhost")
    snippet = "<script async src='{w}/embed.js' data-widget='demo'></script>"
    with host_site({"/post": host_page(widget, snippet)}) as site, browser_page(browser) as page:
        seen = _watch(page)
        page.goto(site + "/post?utm_source=" + PAYLOADS[0])
        frame = frame_of(page)
        assert frame.locator("h1").text_content() == get_widget(app.extensions["rtr"].store, "demo").settings.heading.en
        fill_lead(frame, PAYLOADS[1], "not an address")
        frame.locator("textarea[name=message]").fill(PAYLOADS[2])
        frame.locator(".rtr-submit").click()
        frame.wait_for_selector(".rtr-has-error")
        _assert_clean(frame, seen, "frame with errors")
        frame.locator("input[name=email]").fill("maya@example.org")
        frame.locator(".rtr-submit").click()
        frame.wait_for_selector("#rtr-thanks")
        _assert_clean(frame, seen, "frame thanks")
        _assert_clean(page, seen, "host page")
        page.goto(widget + "/w/demo?origin=" + PAYLOADS[3] + "&instance=" + PAYLOADS[4])
        page.wait_for_selector(".rtr-card")
        _assert_clean(page, seen, "hosted page")


@pytest.mark.browser
def test_payloads_do_nothing_without_javascript(app: Flask, live_server: ServerThread, browser: Any) -> None:
    use_settings(app, hostile_settings(PAYLOADS[5:]))
    with browser_page(browser, java_script_enabled=False) as page:
        seen = _watch(page)
        page.goto(live_server.url("localhost") + "/w/demo")
        page.locator("input[name=name]").fill(PAYLOADS[0])
        page.locator("input[name=email]").fill(PAYLOADS[1])
        page.locator(".rtr-submit").click()
        page.wait_for_selector(".rtr-has-error")
        assert page.locator("input[name=name]").input_value() == PAYLOADS[0]
        assert page.locator("[data-xss]").count() == 0 and seen["dialogs"] == [] and seen["csp"] == []


@pytest.mark.browser
def test_payloads_do_nothing_on_the_admin_pages(app: Flask, client: FlaskClient, live_server: ServerThread,
                                                browser: Any) -> None:
    lead_id = _hostile_lead(app, client, PAYLOADS[1])
    use_settings(app, hostile_settings(PAYLOADS, notify_emails=["intake@example.com"]))
    create_admin(app.extensions["rtr"].store, USER, PASSWORD)
    base = live_server.url()
    with browser_page(browser) as page:
        seen = _watch(page)
        page.goto(f"{base}/admin/leads")
        page.get_by_label("Username").fill(USER)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/admin/leads")
        for path in ("/admin/leads", f"/admin/leads/{lead_id}", "/admin/widgets/demo", "/admin/",
                     "/admin/widgets/demo/stats"):
            page.goto(base + path)
            _assert_clean(page, seen, path)
