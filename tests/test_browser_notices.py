"""Error notices show where the person is looking: on a phone, the Send button is a screen or more below the
message, so a 429 (or any notice without a field of its own) is scrolled into view and focused, with and
without JavaScript, on the hosted page and in the iframe on a practice's page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask

from .conftest import form_token, valid_lead
from .support.host_pages import browser_page, fill_lead, frame_of, host_page, host_site, stored_leads
from .support.servers import ServerThread

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 667}
INLINE = "<p>Trust can be rebuilt.</p><script async src='{w}/embed.js' data-widget='demo'></script>"


@pytest.fixture
def limited(make_app: Callable[..., Flask]) -> Flask:
    """The demo widget whose one request a minute from this computer (127.0.0.1) is already used."""
    app = make_app(RTR_SUBMIT_LIMIT="1 per minute")
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    client = app.test_client()
    response = client.post("/w/demo/leads", data=valid_lead(token=form_token(client), name="Earlier"),
                           headers={"Accept": "application/json"})
    assert response.status_code == 201
    return app


def _in_view(box: dict[str, float] | None) -> bool:
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


@contextmanager
def _hosted(app: Flask, browser: Any, javascript: bool) -> Iterator[Any]:
    with ServerThread(app) as server, browser_page(browser, viewport=PHONE, java_script_enabled=javascript) as page:
        page.goto(server.url("localhost") + "/w/demo")
        yield page


@pytest.mark.parametrize("javascript", [True, False], ids=["fetch", "no-js"])
def test_a_429_on_the_hosted_page_at_phone_width_is_on_screen(limited: Flask, browser: Any,
                                                              javascript: bool) -> None:
    with _hosted(limited, browser, javascript) as page:
        fill_lead(page, "Maya Rivera", "maya@example.org")
        summary = page.locator("#rtr-summary")
        page.locator(".rtr-submit").scroll_into_view_if_needed()
        assert page.locator(".rtr-form").bounding_box()["y"] < 0, "the message's place is above the screen"
        page.locator(".rtr-submit").click()
        summary.filter(has_text="wait a minute").wait_for(state="visible")
        assert _in_view(summary.bounding_box()), summary.bounding_box()
        assert page.evaluate("document.activeElement.id") == "rtr-summary"
        assert page.locator("input[name=name]").input_value() == "Maya Rivera"
    assert [lead.name for lead in stored_leads(limited)] == ["Earlier"]


def test_a_429_in_the_iframe_on_a_practices_page_at_phone_width_is_on_screen(limited: Flask, browser: Any) -> None:
    with (ServerThread(limited) as server,
          host_site({"/post": host_page(server.url("localhost"), "<p>" + "Long article. " * 400 + "</p>" + INLINE)})
          as site, browser_page(browser, viewport=PHONE) as page):
        page.goto(site + "/post")
        frame = frame_of(page)
        fill_lead(frame, "Maya Rivera", "maya@example.org")
        frame.locator(".rtr-submit").scroll_into_view_if_needed()
        assert frame.locator(".rtr-form").bounding_box()["y"] < 0, "the message's place is above the screen"
        frame.locator(".rtr-submit").click()
        summary = page.frame_locator("iframe").locator("#rtr-summary")
        summary.filter(has_text="wait a minute").wait_for(state="visible")
        assert _in_view(summary.bounding_box()), summary.bounding_box()
        assert frame.evaluate("document.activeElement.id") == "rtr-summary"
        assert page.evaluate("window.__violations") == []


def test_a_token_notice_without_a_field_is_focused_too(make_app: Callable[..., Flask], browser: Any) -> None:
    app = make_app(RTR_MIN_FORM_SECONDS=30, RTR_FORM_MAX_AGE=60)  # sent "too fast" to be a person
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    with _hosted(app, browser, javascript=True) as page:
        fill_lead(page, "Maya Rivera", "maya@example.org")
        page.locator(".rtr-submit").scroll_into_view_if_needed()
        page.locator(".rtr-submit").click()
        summary = page.locator("#rtr-summary")
        summary.filter(has_text="press the button again").wait_for(state="visible")
        assert _in_view(summary.bounding_box()) and page.evaluate("document.activeElement.id") == "rtr-summary"
        page.locator(".rtr-submit").click()  # at once: the new token is past the trap
        page.wait_for_selector("#rtr-thanks")
    assert [lead.name for lead in stored_leads(app)] == ["Maya Rivera"]
