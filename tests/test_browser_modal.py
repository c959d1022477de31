"""The dialog modes: a floating launcher (button) and a popup opened by links or the JS API."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from .support.host_pages import (
    EVENTS,
    browser_page,
    fill_lead,
    frame_of,
    host_page,
    host_site,
    stored_leads,
    wait_until,
)
from .support.servers import ServerThread

pytestmark = pytest.mark.browser

BUTTON = ("<p><a id='intro' href='#top'>Back to the top</a></p>"
          "<script async src='{w}/embed.js' data-widget='demo' data-mode='button'></script>")
POPUP = ("<p><a id='talk' href='#' data-rtr-open='demo'>Talk to us about a free consultation</a></p>"
         "<script async src='{w}/embed.js' data-widget='demo' data-mode='popup'></script>")
LAUNCHER = "button[aria-haspopup=dialog]"
FOCUSABLE_COUNT = """[...document.querySelectorAll('a[href], button, input, select, textarea')]
  .filter(n => n.tabIndex >= 0 && !n.disabled && n.type !== 'hidden' && n.getClientRects().length).length"""


def focused_in_host(page: Any) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.tagName")


def focused_in_frame(frame: Any) -> str:
    return frame.evaluate("document.activeElement.id || document.activeElement.name || document.activeElement.tagName")


def dialog_open(page: Any) -> bool:
    return page.evaluate("document.querySelector('dialog').open")


def test_keyboard_only_launcher_opens_traps_focus_and_returns_it(live_server: ServerThread, browser: Any) -> None:
    widget = live_server.url("localhost")
    with host_site({"/post": host_page(widget, BUTTON)}) as site, browser_page(browser) as page:
        page.add_init_script(EVENTS)
        page.goto(site + "/post")
        launcher = page.wait_for_selector(LAUNCHER)
        assert launcher.inner_text() == "Ready to rebuild?"
        assert launcher.evaluate("b => getComputedStyle(b).position") == "fixed", "CSSOM styles pass the host CSP"
        frame = frame_of(page)
        for _ in range(4):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement === document.querySelector('{LAUNCHER}')"):
                break
        else:
            pytest.fail("Tab never reached the launcher")

        page.keyboard.press("Enter")
        wait_until(lambda: dialog_open(page), "the dialog to open")
        assert page.evaluate("document.querySelector('dialog').matches(':modal')"), "the page behind must be inert"
        wait_until(lambda: focused_in_frame(frame) == "rtr-close", "focus on the card's Close button")

        visited = []
        for _ in range(frame.evaluate(FOCUSABLE_COUNT)):  # radios in a group are one stop, so fewer
            page.keyboard.press("Tab")
            assert focused_in_host(page) == "IFRAME", "Tab must stay inside the dialog"
            visited.append(focused_in_frame(frame))
            if visited[-1] == "rtr-close":
                break
        assert visited[-2:] == ["BUTTON", "rtr-close"], "Tab from Send wraps to Close"
        assert {"name", "email", "consent"} <= set(visited)
        page.keyboard.press("Shift+Tab")
        assert frame.evaluate("document.activeElement.classList.contains('rtr-submit')")

        page.keyboard.press("Escape")
        wait_until(lambda: not dialog_open(page), "Escape to close the dialog")
        assert page.evaluate(f"document.activeElement === document.querySelector('{LAUNCHER}')")
        wait_until(lambda: page.evaluate("window.__events.some(e => e[0] === 'close')"), "rtr:close")
        names = [name for name, _ in page.evaluate("window.__events")]
    assert names == ["ready", "open", "close"]


def test_button_mode_submits_and_close_returns_focus(app: Flask, live_server: ServerThread, browser: Any) -> None:
    widget = live_server.url("localhost")
    with host_site({"/post": host_page(widget, BUTTON)}) as site, browser_page(browser) as page:
        page.add_init_script(EVENTS)
        page.goto(site + "/post?utm_medium=social")
        page.click(LAUNCHER)
        frame = frame_of(page)
        wait_until(lambda: dialog_open(page), "the dialog to open")
        fill_lead(frame, "Jordan Lee", "jordan@example.org")
        frame.locator(".rtr-submit").click()
        frame.wait_for_selector("#rtr-thanks")
        frame.locator("#rtr-close").click()
        wait_until(lambda: not dialog_open(page), "the Close button to close the dialog")
        assert page.evaluate(f"document.activeElement === document.querySelector('{LAUNCHER}')")
        wait_until(lambda: page.evaluate("window.__events.some(e => e[0] === 'close')"), "rtr:close")
        names = [name for name, _ in page.evaluate("window.__events")]
        assert page.context.cookies() == []
        assert page.evaluate("window.__violations") == []
    [lead] = stored_leads(app)
    assert (lead.name, lead.utm) == ("Jordan Lee", {"utm_medium": "social"})
    assert names == ["ready", "open", "submitted", "close"]


def test_a_launcher_with_any_data_id_appears_and_opens(live_server: ServerThread, browser: Any) -> None:
    # The frame echoes the loader's instance id exactly; a changed one would leave the launcher hidden.
    widget = live_server.url("localhost")
    body = "<script async src='{w}/embed.js' data-widget='demo' data-mode='button' data-id='Ana’s card #1'></script>"
    with host_site({"/post": host_page(widget, body)}) as site, browser_page(browser) as page:
        page.goto(site + "/post")
        page.wait_for_selector(LAUNCHER, state="visible").click()
        wait_until(lambda: dialog_open(page), "the dialog to open")
        page.evaluate("ReadyToRebuild.close('Ana’s card #1')")
        wait_until(lambda: not dialog_open(page), "close() by the same id")


def test_popup_opens_from_a_link_and_the_api(live_server: ServerThread, browser: Any) -> None:
    widget = live_server.url("localhost")
    with host_site({"/post": host_page(widget, POPUP)}) as site, browser_page(browser) as page:
        page.goto(site + "/post")
        frame_of(page)
        assert page.evaluate(f"document.querySelector('{LAUNCHER}')") is None, "popup mode has no launcher"
        page.focus("#talk")
        page.keyboard.press("Enter")
        wait_until(lambda: dialog_open(page), "the link to open the popup")
        page.keyboard.press("Escape")
        wait_until(lambda: not dialog_open(page), "Escape to close the popup")
        assert focused_in_host(page) == "talk"

        page.evaluate("ReadyToRebuild.open('demo')")
        assert dialog_open(page)
        page.mouse.click(5, 5)  # the dimmed backdrop, outside the card
        wait_until(lambda: not dialog_open(page), "a backdrop click to close the popup")
        page.evaluate("ReadyToRebuild.open('demo')")
        page.evaluate("ReadyToRebuild.close('demo')")
        assert not dialog_open(page)


@pytest.mark.parametrize(("preference", "animations"), [("reduce", 0), ("no-preference", 1)])
def test_opening_respects_prefers_reduced_motion(live_server: ServerThread, browser: Any, preference: str,
                                                 animations: int) -> None:
    widget = live_server.url("localhost")
    with host_site({"/post": host_page(widget, POPUP)}) as site, \
            browser_page(browser, reduced_motion=preference) as page:
        page.goto(site + "/post")
        frame_of(page)
        running = page.evaluate("ReadyToRebuild.open('demo'), document.getAnimations().length")
    assert running == animations


def test_demo_page_mounts_inline_button_and_popup(live_server: ServerThread, browser: Any) -> None:
    with browser_page(browser) as page:
        page.add_init_script(EVENTS)
        page.goto(live_server.url("localhost") + "/demo")
        wait_until(lambda: page.evaluate("window.__events.filter(e => e[0] === 'ready').length") == 3, "3 rtr:ready")
        modes = page.evaluate("[...document.querySelectorAll('iframe')]"
                              ".map(f => new URL(f.src).searchParams.get('mode'))")
        assert sorted(modes) == ["button", "inline", "popup"]
        page.click("[data-rtr-open]")
        wait_until(lambda: page.evaluate("document.querySelector('dialog[open] iframe').src.includes('mode=popup')"),
                   "the demo link to open the popup")
        assert page.evaluate("window.__violations") == []
