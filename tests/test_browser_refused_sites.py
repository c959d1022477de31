"""A site the widget doesn't allow, in a real browser: the visitor gets a link, the admin allows the site."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from widget.admin.passwords import create_admin
from widget.queries.widgets import get_widget, save_settings
from widget.state import get_state

from .support.admin_pages import sign_in_page
from .support.axe import assert_accessible_page, violations
from .support.host_pages import EVENTS, browser_page, frame_of, host_page, host_site, wait_until
from .support.servers import ServerThread
from .support.settings import changed

pytestmark = pytest.mark.browser
USER, PASSWORD = "office", "a calm and long sentence"
INLINE = "<script async src='{w}/embed.js' data-widget='demo'></script><p id='after'>Read on.</p>"
BUTTON = "<script async src='{w}/embed.js' data-widget='demo' data-mode='button'></script>"
POPUP = ("<script async src='{w}/embed.js' data-widget='demo' data-mode='popup'></script>"
         "<a id='own-link' href='{w}/w/demo' data-rtr-open='demo'>Ready to rebuild?</a>")


@pytest.fixture
def practice_only(app: Flask) -> Flask:
    """The demo widget allowed only on the practice's own site (the host pages here are elsewhere)."""
    store = get_state(app).store
    save_settings(store, "demo", changed(get_widget(store, "demo").settings, allowed_origins=["desertbloom.example"]))
    create_admin(store, USER, PASSWORD)
    return app


def _frame_height(page: Any) -> float:
    return page.evaluate("document.querySelector('iframe').getBoundingClientRect().height")


def test_an_unlisted_site_shows_a_link_the_admin_allows_it_and_the_card_shows(
        practice_only: Flask, live_server: ServerThread, browser: Any) -> None:
    widget = live_server.url("localhost")
    with (host_site({"/blog/trust": host_page(widget, INLINE)}) as site,
          browser_page(browser, viewport={"width": 1280, "height": 900}) as page):
        page.add_init_script(EVENTS)
        page.goto(site + "/blog/trust")
        frame = frame_of(page)
        link = frame.locator(".rtr-refused-link")
        assert link.get_attribute("href") == widget + "/w/demo"
        assert frame.locator("form").count() == 0
        wait_until(lambda: _frame_height(page) < 400, "the frame to shrink to the link instead of 1,700 px")
        assert violations(frame) == []
        assert page.evaluate("window.__violations") == [] and page.evaluate("window.__events") == []

        sign_in_page(page, widget, USER, PASSWORD)
        assert_accessible_page(page, widget + "/admin/")
        page.get_by_role("link", name="1 site tried to show this widget").click()
        section = page.locator("#refused-sites")
        assert site in section.inner_text() and "on " + site + "/blog/trust" in section.inner_text()
        assert_accessible_page(page)
        section.get_by_role("button", name=f"Allow {site}").click()
        page.wait_for_selector("text=the card shows there now")
        assert page.locator("#refused-sites").count() == 0
        assert site in page.locator("#allowed_origins").input_value()
        assert_accessible_page(page)

        page.goto(site + "/blog/trust")
        frame = frame_of(page)
        frame.wait_for_selector(".rtr-form")
        wait_until(lambda: page.evaluate("window.__events.some(e => e[0] === 'ready')"), "rtr:ready")


def test_a_refused_launcher_opens_the_link_and_a_refused_popup_link_opens_it_too(
        practice_only: Flask, live_server: ServerThread, browser: Any) -> None:
    widget = live_server.url("localhost")
    with (host_site({"/button": host_page(widget, BUTTON), "/popup": host_page(widget, POPUP)}) as site,
          browser_page(browser) as page):
        page.goto(site + "/button")
        page.get_by_role("button", name="Ready to rebuild?").click()
        frame = frame_of(page)
        assert frame.locator(".rtr-refused-link").is_visible()
        assert violations(frame) == []
        page.goto(site + "/popup")
        frame_of(page)  # loaded in its (closed) dialog
        page.locator("#own-link").click()
        wait_until(lambda: page.locator("dialog[open]").count() == 1, "the dialog to open")
        assert page.frame_locator("dialog iframe").locator(".rtr-refused-link").is_visible()
        assert page.evaluate("window.__violations") == []
