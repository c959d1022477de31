"""In Chromium: a practice gives a service and a location their own lists; errors and the saved page pass axe."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from widget.admin.passwords import create_admin
from widget.queries.widgets import get_widget
from widget.state import get_state

from .support.admin_pages import sign_in_page
from .support.axe import assert_accessible_page
from .support.host_pages import browser_page
from .support.routing import COUPLES, VEGAS
from .support.servers import ServerThread

pytestmark = pytest.mark.browser
USER, PASSWORD = "office", "a calm and long sentence"


def test_set_a_list_for_a_service_and_a_location(app: Flask, live_server: ServerThread, browser: Any) -> None:
    base = live_server.url()
    create_admin(get_state(app).store, USER, PASSWORD)
    with browser_page(browser, viewport={"width": 375, "height": 800}) as page:
        sign_in_page(page, base, USER, PASSWORD)
        page.goto(f"{base}/admin/widgets/demo")
        couples = page.locator("#services-0-notify_emails")
        assert page.locator("label[for=services-0-notify_emails]").inner_text() == (
            "Email requests for this service to, one address per line")
        couples.fill(f"{COUPLES}\nnot an address")
        page.locator("#locations-1-notify_emails").fill(f"{VEGAS}\n{COUPLES}")
        page.get_by_role("button", name="Save", exact=True).click()
        page.locator("#form-errors").wait_for()
        assert page.locator("#services-0-notify_emails-error").inner_text() == (
            "Line 2: This isn't a valid email address.")
        assert couples.get_attribute("aria-invalid") == "true"
        assert page.locator("#locations-1-notify_emails").input_value() == f"{VEGAS}\n{COUPLES}", "kept as typed"
        assert_accessible_page(page)

        couples.fill(COUPLES)
        page.get_by_role("button", name="Save", exact=True).click()
        page.wait_for_url(f"{base}/admin/widgets/demo*")
        page.locator("#form-errors").wait_for(state="detached")
        assert_accessible_page(page)
        assert_accessible_page(page, f"{base}/admin/")
    settings = get_widget(get_state(app).store, "demo").settings
    assert settings.services[0].notify_emails == [COUPLES]
    assert settings.locations[1].notify_emails == [VEGAS, COUPLES]
