"""Provider presets on the Email server page: they fill the form, save nothing, send nothing, skip no guard."""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget.admin import smtp_presets
from widget.admin.passwords import create_admin
from widget.delivery.smtp_config import PRIVATE_HOST, smtp_overrides, validate_smtp_overrides
from widget.state import get_state

from .support.admin_pages import read_form, sign_in_page
from .support.admin_session import signed_in
from .support.axe import assert_accessible_page
from .support.host_pages import browser_page
from .support.servers import ServerThread

USER, PASSWORD = "office", "a calm and long sentence"
SAVED = {"host": "127.0.0.1", "port": "2525", "security": "none", "username": "me@harborlight.example",
         "password": "the saved secret"}


# What the list holds ---------------------------------------------------------------------------------

@pytest.mark.parametrize("preset", smtp_presets.PRESETS, ids=lambda preset: preset.key)
def test_every_preset_is_a_server_the_page_accepts(preset: smtp_presets.Preset) -> None:
    clean, errors = validate_smtp_overrides(smtp_presets.filled(preset, {}))
    assert errors == {}
    assert clean["host"] == preset.host and re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", preset.host)
    assert (preset.port, preset.security) in ((465, "ssl"), (587, "starttls")), "encrypted, on its usual port"
    assert preset.provider.docs_url.startswith("https://") and preset.provider.note


def test_the_list_has_the_common_providers_and_ses_by_region() -> None:
    names = {preset.provider.name for preset in smtp_presets.PRESETS}
    assert {"Google Workspace", "Microsoft 365", "Fastmail", "Amazon SES", "Postmark"} <= names
    assert smtp_presets.find("ses-eu-west-1").host == "email-smtp.eu-west-1.amazonaws.com"
    assert smtp_presets.find("nope") is None


def test_a_fill_sets_a_shared_username_and_keeps_the_persons_own() -> None:
    google, sendgrid = smtp_presets.find("google"), smtp_presets.find("sendgrid")
    assert smtp_presets.filled(google, {"username": "me@harborlight.example"})["username"] == "me@harborlight.example"
    assert smtp_presets.filled(sendgrid, {"username": "me@harborlight.example"})["username"] == "apikey"
    assert smtp_presets.filled(google, {"username": "apikey"})["username"] == "", "SendGrid's is nobody's address"


# Filling the form (without JavaScript: the Fill in button reloads the page) ----------------------------

class NetworkWatch:
    """Every outgoing connection and name lookup made by one thread, seen through Python's audit hooks."""

    def __init__(self) -> None:
        self.thread: int | None = None
        self.events: list[tuple[str, Any]] = []
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        if self.thread == threading.get_ident() and event in ("socket.connect", "socket.getaddrinfo"):
            self.events.append((event, args[1:] if event == "socket.connect" else args[:2]))

    @contextmanager
    def watching(self) -> Iterator[list[tuple[str, Any]]]:
        self.events, self.thread = [], threading.get_ident()
        try:
            yield self.events
        finally:
            self.thread = None


@pytest.fixture(scope="module")
def network() -> NetworkWatch:
    return NetworkWatch()  # audit hooks can't be removed: one for the module, idle outside watching()


@pytest.fixture
def admin(make_app: Callable[..., Flask]) -> FlaskClient:
    app = make_app(RTR_SMTP_ALLOW_PRIVATE=True)
    client = signed_in(app.test_client())
    assert save(client, **SAVED).status_code == 302
    return client


def save(client: FlaskClient, query: str = "", **fields: str) -> Any:
    form = read_form(client.get("/admin/smtp" + query).get_data(as_text=True), "smtp-form")
    return client.post("/admin/smtp", data={**form, **fields})


def visible_notes(html: str) -> list[str]:
    return re.findall(r'<section class="card preset-note" data-preset-note="([a-z0-9]+)"[^>]*(?<!hidden)>', html)


def test_choosing_a_preset_fills_the_form_and_saves_or_sends_nothing(admin: FlaskClient,
                                                                      network: NetworkWatch) -> None:
    store = get_state(admin.application).store
    before = smtp_overrides(store)
    with network.watching() as events:
        response = admin.get("/admin/smtp?preset=ses-eu-west-1")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    form = read_form(html, "smtp-form")
    assert (form["host"], form["port"], form["security"]) == ("email-smtp.eu-west-1.amazonaws.com", "587", "starttls")
    assert form["username"] == SAVED["username"] and form["password"] == ""
    assert '<option value="ses-eu-west-1"' in html and re.search(r'value="ses-eu-west-1"[^>]*selected', html)
    assert visible_notes(html) == ["ses"] and "obtaining Amazon SES SMTP credentials" in html
    assert "Filled in Amazon SES&#39;s server. Nothing is saved yet" in html
    assert SAVED["password"] not in html
    assert smtp_overrides(store) == before, "filling saves nothing"
    assert events == [], "filling connects to no one, not even to look a name up"


def test_an_unknown_preset_names_the_field(admin: FlaskClient) -> None:
    response = admin.get("/admin/smtp?preset=carrier-pigeon")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<p class="error" id="preset-error">Choose your provider from the list.</p>' in html
    assert read_form(html, "smtp-form")["host"] == SAVED["host"], "the saved values are still shown"
    assert visible_notes(html) == []


def test_a_filled_preset_drops_the_password_typed_for_another_server(admin: FlaskClient) -> None:
    response = save(admin, "?preset=fastmail")
    assert response.status_code == 302
    page = admin.get("/admin/smtp").get_data(as_text=True)
    assert "the saved password was removed" in page
    saved = smtp_overrides(get_state(admin.application).store)
    assert (saved["host"], saved["port"], saved["security"]) == ("smtp.fastmail.com", 465, "ssl")
    assert "password" not in saved


def test_a_filled_preset_goes_through_the_private_address_check(make_app: Callable[..., Flask]) -> None:
    admin = signed_in(make_app().test_client())
    response = save(admin, "?preset=postmark", host="10.0.0.5")
    assert response.status_code == 400
    assert PRIVATE_HOST.replace("'", "&#39;") in response.get_data(as_text=True)
    assert smtp_overrides(get_state(admin.application).store) == {}


# In Chromium ---------------------------------------------------------------------------------------

@pytest.fixture
def office(app: Flask) -> Iterator[None]:
    create_admin(get_state(app).store, USER, PASSWORD)
    yield


@pytest.mark.browser
def test_in_the_browser_a_choice_fills_the_form_at_once_and_keeps_what_was_typed(
        app: Flask, office: None, live_server: ServerThread, browser: Any) -> None:
    base = live_server.url()
    with browser_page(browser) as page:
        sign_in_page(page, base, USER, PASSWORD)
        page.goto(f"{base}/admin/smtp")
        page.get_by_label("Sender").fill("Harbor Light <intake@harborlight.example>")
        page.get_by_label("Your email provider").select_option("sendgrid")
        assert page.get_by_label("SMTP server").input_value() == "smtp.sendgrid.net"
        assert page.get_by_label("Port", exact=True).input_value() == "587"
        assert page.get_by_label("Encryption").input_value() == "starttls"
        assert page.get_by_label("Username", exact=True).input_value() == "apikey"
        assert page.get_by_role("heading", name="Your SendGrid username and password").is_visible()
        assert "Nothing is saved yet" in page.locator("#preset-status").inner_text()
        page.get_by_label("Your email provider").select_option("ses-us-east-2")
        assert page.get_by_label("SMTP server").input_value() == "email-smtp.us-east-2.amazonaws.com"
        assert page.get_by_label("Username", exact=True).input_value() == "", "SendGrid's username is gone"
        assert not page.get_by_role("heading", name="Your SendGrid username and password").is_visible()
        assert page.url == f"{base}/admin/smtp", "no reload: what was typed stays"
        assert smtp_overrides(get_state(app).store) == {}
        page.get_by_label("Username", exact=True).fill("AKIAEXAMPLESMTPUSER")
        page.get_by_role("button", name="Save").click()
        page.locator(".flash-success").wait_for()
    saved = smtp_overrides(get_state(app).store)
    assert saved["host"] == "email-smtp.us-east-2.amazonaws.com" and saved["username"] == "AKIAEXAMPLESMTPUSER"
    assert saved["mail_from"] == "Harbor Light <intake@harborlight.example>"


@pytest.mark.browser
def test_without_javascript_the_fill_in_button_fills_the_form(app: Flask, office: None, live_server: ServerThread,
                                                             browser: Any) -> None:
    base = live_server.url()
    with browser_page(browser, java_script_enabled=False) as page:
        sign_in_page(page, base, USER, PASSWORD)
        page.goto(f"{base}/admin/smtp")
        page.get_by_label("Your email provider").select_option("microsoft365")
        page.get_by_role("button", name="Fill in the form").click()
        page.wait_for_url(f"{base}/admin/smtp?preset=microsoft365")
        assert page.get_by_label("SMTP server").input_value() == "smtp.office365.com"
        assert page.get_by_label("Encryption").input_value() == "starttls"
        assert page.get_by_role("heading", name="Your Microsoft 365 username and password").is_visible()
    assert smtp_overrides(get_state(app).store) == {}


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 375])
def test_the_page_with_a_provider_chosen_passes_axe(app: Flask, office: None, live_server: ServerThread,
                                                    browser: Any, width: int) -> None:
    base = live_server.url()
    with browser_page(browser, viewport={"width": width, "height": 800}) as page:
        sign_in_page(page, base, USER, PASSWORD)
        assert_accessible_page(page, f"{base}/admin/smtp?preset=google")
        assert_accessible_page(page, f"{base}/admin/smtp?preset=nope")
        page.goto(f"{base}/admin/smtp")
        page.get_by_label("Your email provider").select_option("ses-ap-southeast-2")
        assert_accessible_page(page)
