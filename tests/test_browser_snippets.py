"""Every attribute the admin's snippets carry does something, and the loader speaks the card's language."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from widget.admin.snippets import snippets
from widget.i18n import strings_for
from widget.queries.widgets import get_widget, save_settings
from widget.settings import WidgetSettings

from .support.host_pages import EVENTS, browser_page, frame_of, host_page, host_site, wait_until
from .support.servers import ServerThread
from .support.settings import changed
from .support.snippet_pages import admin_snippets, blog_post, data_attributes, settled_card

pytestmark = pytest.mark.browser

LAUNCHER = "button[aria-haspopup=dialog]"
# Captures the iframe's name the moment the loader inserts it, before its card has loaded.
FIRST_TITLE = """
new MutationObserver((changes, observer) => {
  const iframe = document.querySelector('iframe');
  if (iframe) { window.__firstTitle = iframe.title; observer.disconnect(); }
}).observe(document, {childList: true, subtree: true});
"""


def frames(page: Any) -> list[dict[str, str]]:
    """Return each iframe's mode, widget path and the id of the element it sits in."""
    return page.evaluate("""[...document.querySelectorAll('iframe')].map(f => ({
        mode: new URL(f.src).searchParams.get('mode'), path: new URL(f.src).pathname,
        parent: f.parentElement.id || f.parentElement.tagName}))""")


def check_widget(page: Any) -> None:
    assert {frame["path"] for frame in frames(page)} == {"/w/demo/frame"}


def check_target(page: Any) -> None:
    [inline] = [frame for frame in frames(page) if frame["mode"] == "inline"]
    assert inline["parent"] == "rtr-demo", "the card renders into the snippet's own box"


def check_mode(page: Any) -> None:
    assert sorted(frame["mode"] for frame in frames(page)) == ["button", "inline", "popup"]
    page.wait_for_selector(LAUNCHER, state="visible")


def check_open_link(page: Any) -> None:
    # Clicking right after scrolling can reach the cross-site iframe that was under the pointer a moment
    # before (Chromium routes input to out-of-process frames by the last composited frame): settle first.
    page.locator("[data-rtr-open]").scroll_into_view_if_needed()
    page.wait_for_timeout(200)
    page.click("[data-rtr-open]")
    # Any dialog of the widget will do: with the floating button on the same page, its dialog opens.
    wait_until(lambda: page.evaluate("document.querySelector('dialog[open] iframe')?.src.includes('/w/demo/frame')"),
               "the snippet's link to open the card over the page")
    page.keyboard.press("Escape")


#: What the loader must do for each data-* attribute a snippet may carry.
CHECKS = {"data-widget": check_widget, "data-target": check_target, "data-mode": check_mode,
          "data-rtr-open": check_open_link}


def test_every_snippet_attribute_is_acted_on(app: Flask, live_server: ServerThread, browser: Any) -> None:
    widget = live_server.url("localhost")
    pasted = admin_snippets(app, browser, widget)
    with app.test_request_context(base_url=widget):
        produced = {snippet.mode: snippet.code for snippet in snippets(get_widget(app.extensions["rtr"].store, "demo"))}
    carried = set().union(*(data_attributes(code) for code in produced.values()))
    assert carried <= set(CHECKS), f"no check for {sorted(carried - set(CHECKS))}: what should the loader do?"
    assert carried == set().union(*(data_attributes(code) for code in pasted.values()))

    # A practice's post with the card, the floating button and its own link, as the admin hands them out.
    body = pasted["inline"] + pasted["button"] + pasted["popup"]
    with host_site({"/post": blog_post(body)}) as site, browser_page(browser) as page:
        page.add_init_script(EVENTS)
        page.goto(site + "/post")
        wait_until(lambda: page.evaluate("window.__events.filter(e => e[0] === 'ready').length") == 3, "3 cards")
        settled_card(page)  # clicks land where they aim once the card stops growing
        for name in sorted(carried):
            CHECKS[name](page)


def test_a_pasted_data_label_names_the_launcher(live_server: ServerThread, browser: Any) -> None:
    # Button snippets handed out before carried the practice's label; the host may still set one.
    widget = live_server.url("localhost")
    body = "<script async src='{w}/embed.js' data-widget='demo' data-mode='button' data-label='Talk to Ana'></script>"
    with host_site({"/post": host_page(widget, body)}) as site, browser_page(browser) as page:
        page.goto(site + "/post")
        launcher = page.wait_for_selector(LAUNCHER, state="visible")
        assert launcher.inner_text() == "Talk to Ana"
        assert page.evaluate("window.__violations") == []


def dialog_words(page: Any) -> dict[str, str]:
    """Return the words a screen reader hears for the launcher, the iframe and the dialog."""
    page.wait_for_selector(LAUNCHER, state="visible")
    return page.evaluate(f"""({{
        launcher: document.querySelector('{LAUNCHER}').textContent, title: document.querySelector('iframe').title,
        dialog: document.querySelector('dialog').ariaLabel, first: window.__firstTitle}})""")


def test_data_lang_gives_the_host_page_spanish_words(live_server: ServerThread, browser: Any) -> None:
    widget = live_server.url("localhost")
    body = "<script async src='{w}/embed.js' data-widget='demo' data-mode='button' data-lang='es'></script>"
    spanish = strings_for("es")
    with host_site({"/post": host_page(widget, body)}) as site, browser_page(browser) as page:
        page.add_init_script(FIRST_TITLE)
        page.goto(site + "/post")
        words = dialog_words(page)
    assert words == {"first": "Solicitar una consulta gratuita", "title": spanish["frame_title"],
                     "dialog": spanish["frame_title"], "launcher": "¿Es momento de reconstruir?"}
    assert words["launcher"] == WidgetSettings().launcher_label.es, "the practice's launcher label, in Spanish"


def test_a_spanish_widget_speaks_spanish_without_data_lang(app: Flask, live_server: ServerThread,
                                                            browser: Any) -> None:
    store = app.extensions["rtr"].store
    demo = get_widget(store, "demo")
    save_settings(store, "demo", changed(demo.settings, language="es",
                                         launcher_label={"en": "Shall we talk?", "es": "¿Hablamos?"}))
    widget = live_server.url("localhost")
    body = "<script async src='{w}/embed.js' data-widget='demo' data-mode='button'></script>"
    with host_site({"/post": host_page(widget, body)}) as site, browser_page(browser) as page:
        page.add_init_script(FIRST_TITLE)
        page.goto(site + "/post")
        words = dialog_words(page)
        frame = frame_of(page)
        assert frame.evaluate("document.documentElement.lang") == "es"
    # Before the card answers the loader can't know the widget's language; then the card tells it.
    assert words == {"first": "Request a free consultation", "title": "Solicitar una consulta gratuita",
                     "dialog": "Solicitar una consulta gratuita", "launcher": "¿Hablamos?"}
