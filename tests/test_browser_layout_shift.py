"""The admin's inline snippet keeps a blog post still while the card loads (CLS), at desktop and phone widths,
and the admin hears when a save changed the card's height enough to paste the snippet again."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from widget.queries.widgets import create_widget
from widget.settings import WidgetSettings

from .support.servers import ServerThread
from .support.snippet_pages import admin_snippets, layout_shift, widget_page

pytestmark = pytest.mark.browser

#: Google's "good" CLS is 0.1; issue 11 asks for at most 0.02.
MOST_CLS = 0.02
#: The reserved height may miss the loaded card by this much (line wraps between measured widths).
MOST_MISS = 48


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("widget_id", ["demo", "small"])
def test_the_inline_snippet_reserves_the_cards_height(app: Flask, live_server: ServerThread, browser: Any,
                                                      widget_id: str, width: int) -> None:
    # Two cards of very different heights: the demo practice's, and a new widget's (no services, one field).
    store = app.extensions["rtr"].store
    create_widget(store, "Small Practice", WidgetSettings(practice_name="Small Practice"), widget_id="small")
    snippet = admin_snippets(app, browser, live_server.url("localhost"), widget_id)["inline"]
    cls, reserved, loaded = layout_shift(browser, snippet, width)
    print(f"\n{widget_id} at {width}px: CLS {cls:.3f}, reserved {reserved:.0f}px, loaded {loaded:.0f}px")
    assert cls <= MOST_CLS
    assert abs(reserved - loaded) <= MOST_MISS, "the snippet should reserve the card's own height"


def test_a_save_that_changes_the_cards_height_asks_for_the_snippet_again(app: Flask, live_server: ServerThread,
                                                                        browser: Any) -> None:
    base = live_server.url()
    with widget_page(app, browser, base) as page:
        before = page.input_value("#snippet-inline")
        assert page.locator("#card-height-notice").is_hidden()
        page.get_by_label("Introduction, English").fill("We listen first, then we plan together. " * 14)
        page.get_by_role("button", name="Save", exact=True).click()
        page.wait_for_url(f"{base}/admin/widgets/demo")
        assert "Saved" in page.inner_text(".flashes")
        notice = page.locator("#card-height-notice")
        notice.wait_for(state="visible")
        assert "copy it again and replace the one on your website" in notice.inner_text()
        after = page.input_value("#snippet-inline")
    first_px = lambda code: int(code.split("calc(")[1].split("px")[0])  # noqa: E731 - the height at 720 px
    assert first_px(after) > first_px(before), "the longer intro makes a taller card"
