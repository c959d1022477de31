"""In Chromium: an owner looks a person up, erases them after confirming, and picks a time zone; axe on each page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from widget.admin.passwords import create_admin
from widget.people import find_person
from widget.queries.widgets import create_widget, get_widget
from widget.settings import WidgetSettings

from .support.admin_pages import sign_in_page
from .support.axe import assert_accessible_page
from .support.delivery import settle
from .support.leads import submit
from .support.servers import ServerThread

pytestmark = pytest.mark.browser
USER, PASSWORD = "office", "a long and calm sentence"


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    app = make_app()
    store = app.extensions["rtr"].store
    settings = WidgetSettings(practice_name="Harbor Light", notify_emails=["intake@harbor.example"],
                              confirmation_email=True)
    create_widget(store, "Harbor Light", settings, widget_id="harbor")
    create_admin(store, USER, PASSWORD)
    return app


@pytest.mark.parametrize("width", [375, 1280])
def test_an_owner_finds_and_erases_a_person(browser: Any, live_server: ServerThread, app: Flask, width: int) -> None:
    client = app.test_client()
    submit(client, "harbor", name="Maya Reyes", email="maya@example.org", message="We keep fighting.")
    submit(client, "harbor", name="Sam Other", email="sam@example.org")
    settle(app)  # the worker writes both requests' emails to the outbox folder
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    base = live_server.url()
    sign_in_page(page, base, USER, PASSWORD, landing="/admin/")
    page.get_by_role("link", name="People's data").click()
    assert_accessible_page(page)
    page.get_by_label("The person's email address").fill("MAYA@Example.org")
    page.get_by_role("button", name="Find").click()
    page.get_by_text("1 request,").wait_for()
    assert page.get_by_text("Maya Reyes").is_visible() and not page.get_by_text("Sam Other").count()
    assert_accessible_page(page)

    page.get_by_role("button", name="Erase everything about MAYA@Example.org").click()
    page.get_by_text("Tick the box to confirm the erasure.").wait_for()
    assert_accessible_page(page)
    assert find_person(app, "maya@example.org").leads, "nothing erased before the box is ticked"
    page.get_by_label("I understand this erases all of it and can't be undone").check()
    page.get_by_role("button", name="Erase everything about MAYA@Example.org").click()
    page.get_by_text("Erased 1 request(s)").wait_for()
    assert find_person(app, "maya@example.org").empty and find_person(app, "sam@example.org").leads
    context.close()


def test_the_time_zone_is_picked_from_the_list(browser: Any, live_server: ServerThread, app: Flask) -> None:
    page = browser.new_page()
    base = live_server.url()
    sign_in_page(page, base, USER, PASSWORD, landing="/admin/widgets/harbor")
    page.get_by_label("Time zone (for times in the admin, emails and the CSV)").select_option("America/Denver")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    assert get_widget(app.extensions["rtr"].store, "harbor").settings.time_zone == "America/Denver"
    page.close()
