"""The loader on a real host page: a practice's site on 127.0.0.1 embeds the widget from localhost."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from widget.i18n import strings_for
from widget.queries.widgets import create_widget, get_widget

from .conftest import Clock
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
from .support.settings import changed

pytestmark = pytest.mark.browser

FIRST_HEIGHT = """
new MutationObserver((changes, observer) => {
  const iframe = document.querySelector('iframe');
  if (iframe) { window.__firstHeight = getComputedStyle(iframe).height; observer.disconnect(); }
}).observe(document, {childList: true, subtree: true});
"""
INLINE = "<script async src='{w}/embed.js' data-widget='demo'></script><p id='after'>Read on.</p>"


def height_gap(page: Any, frame: Any, index: int = 0) -> float:
    """Return how far the iframe's height is from its content's height, in CSS pixels."""
    outer = page.evaluate(f"document.querySelectorAll('iframe')[{index}].getBoundingClientRect().height")
    inner = frame.evaluate("document.getElementById('rtr-root').getBoundingClientRect().height")
    return abs(outer - inner)


def test_inline_mode_submits_and_stores_the_lead(app: Flask, live_server: ServerThread, browser: Any) -> None:
    widget = live_server.url("localhost")
    with host_site({"/blog/trust": host_page(widget, INLINE)}) as site, browser_page(browser) as page:
        page.add_init_script(EVENTS)
        page.goto(site + "/blog/trust?utm_source=newsletter&utm_campaign=spring&ref=x")
        frame = frame_of(page)
        assert frame.url.startswith(widget + "/w/demo/frame?")
        fill_lead(frame, "Maya Rivera", "maya@example.org")
        frame.locator(".rtr-submit").click()
        frame.wait_for_selector("#rtr-thanks")
        wait_until(lambda: page.evaluate("window.__events.some(e => e[0] === 'submitted')"), "rtr:submitted")
        events = page.evaluate("window.__events")
        assert page.evaluate("window.__violations") == []
        assert page.context.cookies() == []

    [lead] = stored_leads(app)
    assert (lead.widget_id, lead.name, lead.email) == ("demo", "Maya Rivera", "maya@example.org")
    assert lead.page_url == site + "/blog/trust"
    assert lead.utm == {"utm_source": "newsletter", "utm_campaign": "spring"}
    assert [name for name, _ in events] == ["ready", "submitted"]
    assert all("maya" not in detail.lower() for _, detail in events), "events must carry no personal data"


@pytest.mark.parametrize("width", [1280, 360])
def test_validation_error_keeps_input_and_height_follows(app: Flask, live_server: ServerThread,
                                                         browser: Any, width: int) -> None:
    widget = live_server.url("localhost")
    with (host_site({"/post": host_page(widget, INLINE)}) as site,
          browser_page(browser, viewport={"width": width, "height": 800}) as page):
        page.add_init_script(FIRST_HEIGHT)
        page.goto(site + "/post")
        frame = frame_of(page)
        wait_until(lambda: height_gap(page, frame) <= 2, "the iframe to take its content's height")
        loaded = page.evaluate("document.querySelector('iframe').getBoundingClientRect().height")
        reserved = float(page.evaluate("window.__firstHeight").removesuffix("px"))
        print(f"\nreserved {reserved:.0f}px, loaded card {loaded:.0f}px ({width}px window): page shifts "
              f"{loaded - reserved:+.0f}px")
        assert abs(loaded - reserved) < 150, "the reserved height should be close to the demo card's"

        frame.locator("input[name=name]").fill("Sam")
        frame.locator("input[name=email]").fill("not an address")
        frame.locator(".rtr-submit").click()
        frame.wait_for_selector("#email-error:not([hidden])")
        assert frame.locator("input[name=name]").input_value() == "Sam"
        assert frame.locator("input[name=email]").input_value() == "not an address"
        wait_until(lambda: height_gap(page, frame) <= 2, "the iframe to follow the taller form")
        grown = page.evaluate("document.querySelector('iframe').getBoundingClientRect().height")
        assert grown > loaded, "the error messages should have made the card taller"

        frame.locator("input[name=email]").fill("sam@example.org")
        frame.locator("input[name=consent]").check()
        frame.locator(".rtr-submit").click()
        frame.wait_for_selector("#rtr-thanks")
        wait_until(lambda: height_gap(page, frame) <= 2, "the iframe to shrink to the thank-you view")
    assert [lead.name for lead in stored_leads(app)] == ["Sam"]


def test_host_page_scripts_cannot_read_the_form(live_server: ServerThread, browser: Any) -> None:
    widget = live_server.url("localhost")
    with host_site({"/post": host_page(widget, INLINE)}) as site, browser_page(browser) as page:
        page.goto(site + "/post")
        frame = frame_of(page)
        frame.locator("input[name=name]").fill("Private Person")
        outcome = page.evaluate("""() => {
          const iframe = document.querySelector('iframe');
          let error = 'none';
          try { iframe.contentWindow.document.querySelector('input').value; } catch (e) { error = e.name; }
          return {error, contentDocument: iframe.contentDocument === null,
                  leaked: document.documentElement.outerHTML.includes('Private Person')};
        }""")
    assert outcome == {"error": "SecurityError", "contentDocument": True, "leaked": False}


def test_forged_messages_and_unknown_popup_links_are_ignored(live_server: ServerThread, browser: Any) -> None:
    widget = live_server.url("localhost")
    body = INLINE + "<a id='fallback' href='{w}/w/demo' data-rtr-open='nowhere'>Request a consultation</a>"
    with host_site({"/post": host_page(widget, body)}) as site, browser_page(browser) as page:
        page.goto(site + "/post")
        frame = frame_of(page)
        wait_until(lambda: height_gap(page, frame) <= 2, "the iframe to take its content's height")
        before = page.evaluate("document.querySelector('iframe').style.height")
        page.evaluate("""() => new Promise(done => {
          window.postMessage({rtr: 1, type: 'height', instance: 'demo', height: 5}, '*');
          setTimeout(done, 200);
        })""")
        assert page.evaluate("document.querySelector('iframe').style.height") == before
        with page.expect_navigation():
            page.click("#fallback")
        assert page.url == widget + "/w/demo", "a link for no dialog must still lead to the hosted page"


def test_two_widgets_on_one_page_work_independently(app: Flask, live_server: ServerThread, browser: Any) -> None:
    store = app.extensions["rtr"].store
    demo = get_widget(store, "demo")
    settings = changed(demo.settings, practice_name="Second Practice",
                       heading={"en": "Second card", "es": "Segunda tarjeta"})
    create_widget(store, "Second Practice", settings, widget_id="second")
    widget = live_server.url("localhost")
    body = ("<div id='one'></div><div id='two'></div>"
            "<script async src='{w}/embed.js' data-widget='demo' data-target='#one'></script>"
            "<script async src='{w}/embed.js' data-widget='second' data-target='#two' data-lang='es'></script>")
    with host_site({"/two": host_page(widget, body)}) as site, browser_page(browser) as page:
        page.goto(site + "/two")
        frame_of(page, 1)
        two_frame = page.query_selector("#two iframe").content_frame()
        one = page.frame_locator("#one iframe")
        two = page.frame_locator("#two iframe")
        assert two.locator("h1").inner_text() == "Segunda tarjeta", "data-lang='es' reads the Spanish version"
        assert (one.locator("html").get_attribute("lang"), two.locator("html").get_attribute("lang")) == ("en", "es")
        fill_lead(two, "Ana Second", "ana@example.org")
        fill_lead(one, "Bo First", "bo@example.org")
        two.locator(".rtr-submit").click()
        two.locator("#rtr-thanks").wait_for()
        # The second card shrinks to its thank-you view; let the page settle before the next click.
        wait_until(lambda: height_gap(page, two_frame, 1) <= 2, "the second iframe to follow its thank-you view")
        assert one.locator("input[name=name]").input_value() == "Bo First"
        assert one.locator("#rtr-thanks").count() == 0
        one.locator(".rtr-submit").click()
        one.locator("#rtr-thanks").wait_for()
        assert page.context.cookies() == []
    assert sorted((lead.widget_id, lead.name) for lead in stored_leads(app)) == [
        ("demo", "Bo First"), ("second", "Ana Second")]


def test_queue_stub_calls_made_before_the_loader_are_replayed(live_server: ServerThread,
                                                               browser: Any) -> None:
    widget = live_server.url("localhost")
    stub = ("window.ReadyToRebuild=window.ReadyToRebuild||{q:[]};['open','close','mount','destroy']"
            ".forEach(function(m){ReadyToRebuild[m]=ReadyToRebuild[m]||function(){ReadyToRebuild.q.push([m,arguments])}});"
            "ReadyToRebuild.mount(document.getElementById('slot'),{widget:'demo',mode:'inline',id:'api'});")
    digest = base64.b64encode(hashlib.sha256(stub.encode()).digest()).decode()
    page_html = host_page(widget, f"<div id='slot'></div><script>{stub}</script>"
                                  "<script async src='{w}/embed.js'></script>")
    page_html = page_html.replace("script-src ", f"script-src 'sha256-{digest}' ")
    with host_site({"/stub": page_html}) as site, browser_page(browser) as page:
        page.goto(site + "/stub")
        frame = frame_of(page)
        assert "instance=api" in frame.url
        assert page.evaluate("ReadyToRebuild.loaded") == 1
        page.evaluate("ReadyToRebuild.destroy('api')")
        assert page.evaluate("document.querySelectorAll('iframe').length") == 0
        page.evaluate("ReadyToRebuild.mount('#slot', {widget: 'demo', id: 'by-selector'})")
        assert page.evaluate("document.querySelector('#slot iframe').src").count("instance=by-selector") == 1
        assert page.evaluate("window.__violations") == []


@pytest.mark.parametrize("javascript", [True, False], ids=["fetch", "no-js"])
def test_expired_token_rerenders_with_everything_kept(make_app: Callable[..., Flask], browser: Any,
                                                      javascript: bool, clock: Clock) -> None:
    app = make_app(RTR_FORM_MAX_AGE=1)
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    with ServerThread(app) as server, browser_page(browser, java_script_enabled=javascript) as page:
        page.goto(server.url("localhost") + "/w/demo")
        typed = {"name": "Lee Park", "email": "lee@example.org", "phone": "555 0100",
                 "message": "Evenings are best."}
        for name, value in typed.items():
            page.locator(f"[name={name}]").fill(value)
        page.locator("input[name=consent]").check()
        clock.advance(1.6)  # the form's token passes RTR_FORM_MAX_AGE; the new one can't, however slow the click
        page.locator(".rtr-submit").click()
        page.wait_for_selector("#rtr-summary:not([hidden])")
        assert page.locator("#rtr-summary").inner_text() == strings_for("en")["expired"]
        for name, value in typed.items():
            assert page.locator(f"[name={name}]").input_value() == value
        assert page.locator("input[name=consent]").is_checked()
        assert stored_leads(app) == []
        page.locator(".rtr-submit").click()
        page.wait_for_selector("#rtr-thanks")
    [lead] = stored_leads(app)
    assert (lead.name, lead.phone, lead.message) == ("Lee Park", "555 0100", "Evenings are best.")


def test_without_javascript_the_hosted_page_posts_and_thanks(app: Flask, live_server: ServerThread,
                                                             browser: Any) -> None:
    with browser_page(browser, java_script_enabled=False) as page:
        page.goto(live_server.url("localhost") + "/w/demo")
        fill_lead(page, "Noor", "noor@example.org")
        with page.expect_navigation():
            page.locator(".rtr-submit").click()
        assert page.url.endswith("/w/demo/leads")
        assert page.locator("#rtr-thanks").is_visible()
        assert page.locator(".rtr-crisis").is_visible()
        assert page.context.cookies() == []
    assert [lead.name for lead in stored_leads(app)] == ["Noor"]
