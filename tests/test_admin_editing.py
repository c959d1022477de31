"""Editing without losing work, on the server's side: a test with what is on screen, rows without
saving, a preview and field messages that never fall back to the saved settings, colours as typed,
the snippet before the secret. The browser's side is in test_admin_editing_browser.py."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget.admin.editing import submitted_values
from widget.admin.settings_form import build_form
from widget.queries.audit import entries
from widget.queries.widgets import get_widget, list_widgets
from widget.settings import WidgetSettings, validate_settings
from widget.settings.colours import css_colour

from .support.admin_pages import EDIT, edit_form, error_of, read_form, store_of
from .support.admin_session import signed_in
from .support.smtp import SmtpServer

TEST = "/admin/widgets/demo/test"


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    return signed_in(app.test_client())


@pytest.fixture
def with_smtp(make_app: Callable[..., Flask]) -> Iterator[tuple[Flask, FlaskClient, SmtpServer]]:
    """An app sending email to a real SMTP server on loopback, and a signed-in admin."""
    with SmtpServer() as smtp:
        app = make_app(RTR_SMTP_HOST="127.0.0.1", RTR_SMTP_PORT=smtp.port, RTR_SMTP_SECURITY="none")
        app.test_cli_runner().invoke(args=["rtr", "demo"])
        yield app, signed_in(app.test_client()), smtp


def _saved_values(html: str) -> list[list[str]] | None:
    found = re.search(r'<script type="application/json" id="saved-values">(.*?)</script>', html, re.S)
    return json.loads(found.group(1)) if found else None


# Send a test with what is on screen ---------------------------------------------------------

def test_send_a_test_uses_the_unsaved_addresses_saves_nothing_and_keeps_the_edits(
        with_smtp: tuple[Flask, FlaskClient, SmtpServer]) -> None:
    app, client, smtp = with_smtp
    fields = edit_form(client)
    fields.update({"notify_emails": "typed-not-saved@example.com", "heading-en": "Typed, not saved"})
    response = client.post(TEST, data=fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Email: delivered." in html[html.index('id="test-outcome"'):]
    assert [r.rcpt_tos for r in smtp.received] == [["typed-not-saved@example.com"]]
    kept = read_form(html)
    assert kept["notify_emails"] == "typed-not-saved@example.com" and kept["heading-en"] == "Typed, not saved"
    saved = get_widget(store_of(app), "demo")
    assert saved.version == 1 and saved.settings.notify_emails != ["typed-not-saved@example.com"]
    assert ["heading-en", "Ready to rebuild?"] in _saved_values(html), "the page knows what is saved"
    assert "unsaved settings" in entries(store_of(app))[0][0].detail


def test_send_a_test_refuses_what_save_would_refuse_and_sends_nothing(
        with_smtp: tuple[Flask, FlaskClient, SmtpServer]) -> None:
    app, client, smtp = with_smtp
    fields = edit_form(client)
    fields.update({"notify_emails": "intake@example.com\nnot an address", "intro-en": "Kept as typed"})
    response = client.post(TEST, data=fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Line 2: This isn&#39;t a valid email address." in error_of(html, "notify_emails")
    assert "Not sent: first change the fields marked above. Nothing was saved." in html
    assert read_form(html)["intro-en"] == "Kept as typed"
    assert smtp.received == []
    assert get_widget(store_of(app), "demo").version == 1


def test_an_expired_send_a_test_keeps_the_edits(admin: FlaskClient, app: Flask) -> None:
    fields = edit_form(admin)
    fields.update({"csrf_token": "expired", "heading-en": "Typed before the page expired"})
    response = admin.post(TEST, data=fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "press Send a test again" in html
    assert read_form(html)["heading-en"] == "Typed before the page expired"


def test_the_send_a_test_button_posts_the_settings_form(admin: FlaskClient) -> None:
    html = admin.get(EDIT).get_data(as_text=True)
    button = re.search(r'<button[^>]*form="settings-form"[^>]*formaction="/admin/widgets/demo/test#delivery-tools"',
                       html, re.S)
    assert button, "Send a test must send what is on screen"


# Rows without saving, without JavaScript ----------------------------------------------------

def test_add_a_row_without_javascript_keeps_what_was_typed_and_saves_nothing(app: Flask, admin: FlaskClient) -> None:
    fields = edit_form(admin)
    rows_before = len({name.split("-")[1] for name in fields if name.startswith("services-")})
    fields.update({"heading-en": "Typed first", "services-3-name-en": "Typed in a blank row",
                   "row_action": "add:services"})
    response = admin.post(EDIT, data=fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    kept = read_form(html)
    assert kept["heading-en"] == "Typed first" and kept["services-3-name-en"] == "Typed in a blank row"
    assert len({name.split("-")[1] for name in kept if name.startswith("services-")}) == rows_before + 1
    assert f"Added an empty service (number {rows_before + 1}). Not saved yet" in html
    assert get_widget(store_of(app), "demo").version == 1
    assert _saved_values(html) is not None


def test_remove_a_row_without_javascript_renumbers_the_rest(app: Flask, admin: FlaskClient) -> None:
    fields = edit_form(admin)
    names = [fields[f"services-{i}-name-en"] for i in range(3)]
    fields.update({"services-2-name-en": "Edited third", "row_action": "remove:services-1"})
    html = admin.post(EDIT, data=fields).get_data(as_text=True)
    kept = read_form(html)
    assert [kept["services-0-name-en"], kept["services-1-name-en"]] == [names[0], "Edited third"]
    assert "Removed service 2." in html
    assert get_widget(store_of(app), "demo").version == 1
    del kept["csrf_token"]
    assert admin.post(EDIT, data={**kept, "csrf_token": fields["csrf_token"]}).status_code == 302
    saved = get_widget(store_of(app), "demo").settings.services
    assert [s.name.en for s in saved] == [names[0], "Edited third"]


def test_the_add_button_stops_at_the_limit(admin: FlaskClient) -> None:
    fields = edit_form(admin)
    for index in range(20):
        fields[f"locations-{index}-name-en"] = f"Office {index}"
    html = admin.post(EDIT, data={**fields, "row_action": "add:locations"}).get_data(as_text=True)
    assert "There can be at most 20 locations." in html
    assert re.search(r'value="add:locations"[^>]*data-row-add disabled', html, re.S)


def test_enter_in_a_field_presses_save_not_a_rows_remove_button(admin: FlaskClient) -> None:
    html = admin.get(EDIT).get_data(as_text=True)
    form = html[html.index('id="settings-form"'):]
    first_submit = re.search(r'<button type="submit"[^>]*>([^<]*)<', form)
    assert first_submit and first_submit.group(1) == "Save" and "name=" not in first_submit.group(0)


def test_every_row_list_has_a_blank_row_to_clone(admin: FlaskClient) -> None:
    html = admin.get(EDIT).get_data(as_text=True)
    for rows in ("services", "locations"):
        template = re.search(rf'id="{rows}".*?<template data-row-template>(.*?)</template>', html, re.S)
        assert template and f'name="{rows}-__index__-url"' in template.group(1)
        assert f'value="remove:{rows}-__index__"' in template.group(1)
    assert "Save to get more empty rows" not in html


# The preview and the field messages never fall back to the saved settings --------------------

def test_a_bad_colour_keeps_the_other_colours_as_typed_in_the_preview(admin: FlaskClient) -> None:
    fields = edit_form(admin)
    fields.update({"theme-accent_color": "#12", "theme-background_color": "#fefefe", "heading-en": "Typed"})
    html = admin.post("/admin/widgets/demo/preview", data=fields).get_data(as_text=True)
    assert "--rtr-accent:#7a3e5d" in html, "the bad colour shows its saved value"
    assert "#fefefe" in html and "Typed" in html, "the rest of the theme stays as typed"


def test_a_rule_across_settings_does_not_throw_the_preview_back(admin: FlaskClient) -> None:
    fields = edit_form(admin)
    fields.update({"webhook_url": "https://crm.example.com/hook", "webhook_format": "hubspot",
                   "heading-en": "Typed while choosing HubSpot", "theme-text_color": "#101010"})
    html = admin.post("/admin/widgets/demo/preview", data=fields).get_data(as_text=True)
    assert "Typed while choosing HubSpot" in html and "#101010" in html


def test_a_bad_row_entry_is_left_out_of_the_preview_and_the_rest_stays(admin: FlaskClient) -> None:
    fields = edit_form(admin)
    fields.update({"services-3-name-en": "A new one", "services-3-url": "not a link",
                   "services-0-name-en": "Renamed"})
    html = admin.post("/admin/widgets/demo/preview", data=fields).get_data(as_text=True)
    assert "Renamed" in html and "A new one" not in html


def test_the_check_names_each_field_and_warns_about_contrast(admin: FlaskClient) -> None:
    fields = edit_form(admin)
    fields.update({"theme-accent_color": "#12", "theme-text_color": "silver", "services-1-url": "nope",
                   "webhook_url": "http://127.0.0.1/internal"})
    response = admin.post("/admin/widgets/demo/check", data=fields)
    assert response.status_code == 200
    assert response.json["errors"] == {
        "theme-accent_color": "Use a colour like #7a3e5d, rgb(122, 62, 93) or a name like teal.",
        "services-1-url": "Use a full web address starting with http:// or https://.",
    }, "the webhook's address is looked up when saved, not while typing"
    assert [w.split(":")[0] for w in response.json["warnings"]] == ["Text on the card background"]
    del fields["csrf_token"]
    assert admin.post("/admin/widgets/demo/check", data=fields).status_code == 400


def test_the_saved_values_are_what_a_browser_submits_for_the_saved_form(app: Flask, admin: FlaskClient) -> None:
    with app.test_request_context():
        widget = get_widget(store_of(app), "demo")
        pairs = submitted_values(build_form(widget.name, widget.settings))
    submitted = {name: value for name, value in edit_form(admin).items() if name != "csrf_token"}
    assert dict(pairs) == submitted


# Colours as people type them -----------------------------------------------------------------

@pytest.mark.parametrize(("typed", "stored"), [
    ("#7A3E5D", "#7a3e5d"), ("7a3e5d", "#7a3e5d"), ("#FFF", "#fff"), ("teal", "#008080"), ("Ivory", "#fffff0"),
    ("rgb(122, 62, 93)", "#7a3e5d"), ("rgb(122 62 93)", "#7a3e5d"), ("rgb(100%, 0%, 0%)", "#ff0000"),
    ("rgba(1, 2, 3, 1)", "#010203"), ("hsl(120, 100%, 25%)", "#008000"), ("hsl(0deg 100% 50%)", "#ff0000"),
])
def test_colours_are_read_as_typed_and_stored_as_hex(typed: str, stored: str) -> None:
    assert css_colour(typed) == stored
    clean, errors = validate_settings({**WidgetSettings().model_dump(), "theme": {
        **WidgetSettings().theme.model_dump(), "accent_color": typed}})
    assert errors == {} and clean.theme.accent_color == stored


@pytest.mark.parametrize("typed", ["#12", "pinkish", "rgb(300, 0, 0)", "rgb(1, 2)", "hsl(10, 20, 30)", "url(x)"])
def test_what_is_no_colour_is_refused_with_the_forms_we_read(typed: str) -> None:
    assert css_colour(typed) is None
    _clean, errors = validate_settings({"theme": {"accent_color": typed}})
    assert errors["theme.accent_color"] == "Use a colour like #7a3e5d, rgb(122, 62, 93) or a name like teal."


def test_a_named_colour_saved_from_the_form_is_stored_as_hex(app: Flask, admin: FlaskClient) -> None:
    fields = edit_form(admin)
    fields["theme-background_color"] = "ivory"
    assert admin.post(EDIT, data=fields).status_code == 302
    assert get_widget(store_of(app), "demo").settings.theme.background_color == "#fffff0"
    assert read_form(admin.get(EDIT).get_data(as_text=True))["theme-background_color"] == "#fffff0"


# After creating a widget: the snippet first -------------------------------------------------

def test_a_new_widget_shows_its_snippet_before_its_secret(app: Flask, admin: FlaskClient) -> None:
    page = admin.get("/admin/widgets/new").get_data(as_text=True)
    html = admin.post("/admin/widgets/new", data={**read_form(page, "new-widget-form"), "name": "Third Practice"}
                      ).get_data(as_text=True)
    created = next(w for w in list_widgets(store_of(app)) if w.name == "Third Practice")
    snippet = html.find(f"data-widget=&#34;{created.id}&#34;")
    assert 0 < snippet < html.index(created.webhook_secret)
    assert html.count(created.webhook_secret) == 1
