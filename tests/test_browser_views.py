"""Honest views in a real browser: a view is the card seen, not the frame loaded (issue 13.6).

A practice's post on 127.0.0.1 embeds the widget from localhost (cross-origin, as on a real site).
Views are counted from the frame's beacon, gathered by the web process and written in batches;
each test writes what the process holds (``flush``) before reading the counts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from widget.admin.passwords import create_admin
from widget.queries.page_stats import ViewKey, add_views
from widget.schema import daily_stats, page_stats

from .support.admin_pages import sign_in_page
from .support.axe import assert_accessible_page
from .support.host_pages import browser_page, frame_of, host_page, host_site, wait_until
from .support.servers import ServerThread

pytestmark = pytest.mark.browser

# A long post (the host page's CSP allows no inline style): the inline card starts well below the first screen.
BELOW_THE_FOLD = ("<p>Trust grows back in small, kept promises.</p>" * 120
                  + "<script async src='{w}/embed.js' data-widget='demo'></script><p>Thanks for reading.</p>")
BUTTON = "<script async src='{w}/embed.js' data-widget='demo' data-mode='button'></script>"
POPUP = ("<p><a id='talk' href='#' data-rtr-open='demo'>Talk to us</a></p>"
         "<script async src='{w}/embed.js' data-widget='demo' data-mode='popup'></script>")
LAUNCHER = "button[aria-haspopup=dialog]"


def views(app: Flask) -> int:
    """Write what the web process holds, then return the demo widget's views (every day)."""
    state = app.extensions["rtr"]
    if getattr(state, "views", None):
        state.views.flush()
    with state.store.reading() as conn:
        return int(conn.execute(select(daily_stats.c.views).where(daily_stats.c.widget_id == "demo")).scalar() or 0)


def page_rows(app: Flask) -> list[tuple[str, str, int]]:
    state = app.extensions["rtr"]
    state.views.flush()
    with state.store.reading() as conn:
        rows = conn.execute(select(page_stats.c.page, page_stats.c.campaign, page_stats.c.views)
                            .where(page_stats.c.widget_id == "demo").order_by(page_stats.c.page)).all()
    return [tuple(row) for row in rows]


def settle(page: Any) -> None:
    """Give the frame time to observe and send: two of the host page's frames, then a fetch's round trip.

    (The card's own frame may be throttled while off screen, so its animation frames are not waited for.)
    """
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 500))))")


def test_an_inline_card_below_the_fold_counts_only_once_scrolled_into_view(
        app: Flask, live_server: ServerThread, browser: Any) -> None:
    widget = live_server.url("localhost")
    with host_site({"/blog/trust": host_page(widget, BELOW_THE_FOLD)}) as site, \
            browser_page(browser, viewport={"width": 1280, "height": 720},
                                               screen={"width": 1280, "height": 720}) as page:
        page.goto(site + "/blog/trust?utm_campaign=spring&utm_source=newsletter&email=maya%40example.org")
        frame = frame_of(page)
        frame.wait_for_selector("[data-seen]", state="attached")
        settle(page)
        assert views(app) == 0, "loaded below the fold is not seen"

        page.evaluate("window.scrollBy(0, 1500)")  # the card's top edge only: less than half of it shows
        settle(page)
        assert views(app) == 0, "a sliver of the card is not the card seen"

        page.locator("iframe").scroll_into_view_if_needed()
        wait_until(lambda: views(app) == 1, "the view once the card is on screen")
        page.evaluate("window.scrollTo(0, 0)")
        page.locator("iframe").scroll_into_view_if_needed()
        settle(page)
        assert views(app) == 1, "scrolling past again is the same page view"
        assert page_rows(app) == [(f"{site}/blog/trust", "spring", 1)], "origin and path only, and the campaign"
        assert page.evaluate("window.__violations") == []


@pytest.mark.parametrize("viewport", [{"width": 375, "height": 667}, {"width": 1280, "height": 720}])
def test_a_card_taller_than_the_screen_counts_once_it_fills_half_of_it(
        app: Flask, live_server: ServerThread, browser: Any, viewport: dict[str, int]) -> None:
    widget = live_server.url("localhost")
    with host_site({"/post": host_page(widget, BELOW_THE_FOLD)}) as site, \
            browser_page(browser, viewport=viewport, screen=viewport) as page:
        page.goto(site + "/post")
        frame_of(page)
        card_height = page.evaluate("document.querySelector('iframe').getBoundingClientRect().height")
        assert card_height > viewport["height"], "the card is taller than the screen here"
        top = page.evaluate("document.querySelector('iframe').getBoundingClientRect().top + scrollY")
        page.evaluate(f"window.scrollTo(0, {top} - {viewport['height']} * 0.7)")  # 30 % of the screen is card
        settle(page)
        assert views(app) == 0
        page.evaluate(f"window.scrollTo(0, {top} - {viewport['height']} * 0.4)")  # 60 % of the screen is card
        wait_until(lambda: views(app) == 1, "the view once the card fills more than half the screen")


@pytest.mark.parametrize("snippet", [BUTTON, POPUP], ids=["button", "popup"])
def test_a_dialog_counts_when_opened_not_when_preloaded(
        app: Flask, live_server: ServerThread, browser: Any, snippet: str) -> None:
    widget = live_server.url("localhost")
    with host_site({"/post": host_page(widget, snippet)}) as site, browser_page(browser) as page:
        page.goto(site + "/post")
        frame = frame_of(page)
        frame.wait_for_selector("[data-seen]", state="attached")
        settle(page)
        assert views(app) == 0, "a preloaded dialog is not seen"
        if snippet is BUTTON:
            page.wait_for_selector(LAUNCHER).click()
        else:
            page.click("#talk")
        wait_until(lambda: page.evaluate("document.querySelector('dialog').open"), "the dialog to open")
        wait_until(lambda: views(app) == 1, "the view once the dialog opened")
        page.keyboard.press("Escape")
        wait_until(lambda: not page.evaluate("document.querySelector('dialog').open"), "the dialog to close")
        page.click("#talk") if snippet is POPUP else page.wait_for_selector(LAUNCHER).click()
        settle(page)
        assert views(app) == 1, "opening it again in the same page view is the same view"


def test_two_loads_of_the_page_count_two_views(app: Flask, live_server: ServerThread, browser: Any) -> None:
    widget = live_server.url("localhost")
    inline = "<script async src='{w}/embed.js' data-widget='demo'></script>"
    with host_site({"/post": host_page(widget, inline)}) as site, browser_page(browser) as page:
        for load in (1, 2):
            page.goto(site + "/post")
            frame_of(page)
            wait_until(lambda load=load: views(app) == load, f"view {load}")
        assert page_rows(app) == [(f"{site}/post", "", 2)]


@pytest.mark.parametrize("width", [1280, 375])
def test_the_views_page_with_its_breakdowns_passes_axe(app: Flask, live_server: ServerThread, browser: Any,
                                                       width: int) -> None:
    state = app.extensions["rtr"]
    create_admin(state.store, "office", "a calm and long sentence")
    today = dt.datetime.now(dt.UTC).date().isoformat()
    long_post = "https://practice.example/blog/" + "a-very-long-post-title-" * 4
    add_views(state.store, {
        ViewKey("demo", today, long_post, "spring-newsletter"): 40,
        ViewKey("demo", today, "https://practice.example/blog/short", ""): 12,
        ViewKey("demo", today, "", "spring-newsletter"): 3,
    })
    base = live_server.url("localhost")
    with browser_page(browser, viewport={"width": width, "height": 800}) as page:
        sign_in_page(page, base, "office", "a calm and long sentence", landing="/admin/widgets/demo/stats")
        assert page.locator("#pages-table tbody tr").count() == 3
        assert page.locator("#campaigns-table tbody tr").count() == 2
        assert page.locator("svg.bars[role=img]").count() == 2
        assert_accessible_page(page)
