"""axe-core in the widget's frame (every mode, with errors, after thanks) and on the host's loader parts."""

from __future__ import annotations

from typing import Any

import pytest

from .support.axe import WCAG, violations
from .support.host_pages import browser_page, frame_of, host_page, host_site, wait_until
from .support.servers import ServerThread

pytestmark = pytest.mark.browser

@pytest.mark.parametrize("mode", ["inline", "button", "popup"])
def test_frame_has_no_axe_violations(live_server: ServerThread, browser: Any, mode: str) -> None:
    widget = live_server.url("localhost")
    body = f"<script async src='{{w}}/embed.js' data-widget='demo' data-mode='{mode}'></script>"
    with host_site({"/post": host_page(widget, body)}) as site, browser_page(browser) as page:
        page.goto(site + "/post")
        frame = frame_of(page)
        if mode != "inline":
            page.evaluate("ReadyToRebuild.open('demo')")
        assert violations(frame) == []

        frame.locator("input[name=email]").fill("nope")
        frame.locator(".rtr-submit").click()
        frame.wait_for_selector("#email-error:not([hidden])")
        assert violations(frame) == [], "with validation errors shown"


@pytest.mark.parametrize("width", [1280, 360])
def test_dark_theme_and_a_phone_screen_have_no_axe_violations(live_server: ServerThread, browser: Any,
                                                               width: int) -> None:
    with browser_page(browser, viewport={"width": width, "height": 800}) as page:
        page.goto(live_server.url("localhost") + "/w/demo?theme=dark")
        assert violations(page) == []
        page.locator(".rtr-submit").click()
        page.wait_for_selector("#email-error:not([hidden])")
        assert violations(page) == [], "with validation errors shown"
        width_used = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width_used[0] <= width_used[1], "nothing scrolls sideways"


def test_thank_you_view_and_hosted_page_have_no_axe_violations(live_server: ServerThread, browser: Any) -> None:
    with browser_page(browser) as page:
        page.goto(live_server.url("localhost") + "/w/demo")
        assert violations(page) == []
        page.locator("input[name=name]").fill("Ari")
        page.locator("input[name=email]").fill("ari@example.org")
        page.locator("input[name=consent]").check()
        page.locator(".rtr-submit").click()
        page.wait_for_selector("#rtr-thanks")
        assert violations(page) == [], "on the thank-you view"
        page.evaluate("document.querySelector('#rtr-thanks h2').textContent = ''")
        assert [v.split(":")[0] for v in violations(page)] == ["empty-heading"], "axe must catch a planted fault"


def test_the_page_for_an_unknown_widget_has_no_axe_violations(live_server: ServerThread, browser: Any) -> None:
    with browser_page(browser) as page:
        page.goto(live_server.url("localhost") + "/w/no-such-widget")
        assert page.locator("h1").inner_text() == "This form isn't available right now"
        assert violations(page) == []


def test_loader_parts_on_the_host_page_are_accessible(live_server: ServerThread, browser: Any) -> None:
    widget = live_server.url("localhost")
    body = ("<script async src='{w}/embed.js' data-widget='demo' data-mode='button'></script>"
            "<script async src='{w}/embed.js' data-widget='demo' data-id='card'></script>")
    with host_site({"/post": host_page(widget, body)}) as site, browser_page(browser) as page:
        page.goto(site + "/post")
        page.wait_for_selector("button[aria-haspopup=dialog]")
        wait_until(lambda: page.evaluate("document.querySelectorAll('iframe').length") == 2, "both frames")
        parts = "{include: [['iframe'], ['button[aria-haspopup]']]}"
        only_host = {**WCAG, "iframes": False}
        assert violations(page, parts, only_host) == []
        page.click("button[aria-haspopup=dialog]")
        assert violations(page, "{include: [['dialog']]}", only_host) == [], "the open dialog"
        names = page.evaluate("[...document.querySelectorAll('iframe')].map(f => f.title)")
    assert names == ["Request a free consultation"] * 2
