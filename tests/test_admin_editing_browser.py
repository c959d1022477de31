"""In Chromium: editing never loses work. The leave warning, Send a test with unsaved values, a
preview that keeps each field's last valid value, colour pickers, rows with and without JavaScript."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from widget.admin.passwords import create_admin
from widget.queries.widgets import get_widget
from widget.state import get_state

from .support.admin_pages import sign_in_page
from .support.axe import assert_accessible_page
from .support.host_pages import browser_page
from .support.receiver import Receiver
from .support.servers import ServerThread

pytestmark = pytest.mark.browser
USER, PASSWORD = "office", "a calm and long sentence"
EDIT = "/admin/widgets/demo"


@pytest.fixture
def admin_user(app: Flask) -> Iterator[None]:
    create_admin(get_state(app).store, USER, PASSWORD)
    yield


def _saved(app: Flask) -> Any:
    return get_widget(get_state(app).store, "demo")


def _leave(page: Any) -> None:
    """Follow a link away from the edit page, the way a person would."""
    page.get_by_role("link", name="Views and requests").click(no_wait_after=True)


def _type(page: Any, label: str, text: str) -> None:
    """Click into a field and type on the keyboard (a real gesture: browsers ask before leaving only after one)."""
    field = page.get_by_label(label, exact=True)
    field.click()
    field.press("End")
    page.keyboard.type(text)


def test_leaving_with_unsaved_changes_asks_first_and_only_then(app: Flask, admin_user: None,
                                                               live_server: ServerThread, browser: Any) -> None:
    base = live_server.url()
    asked: list[str] = []
    with browser_page(browser) as page:
        page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
        sign_in_page(page, base, USER, PASSWORD)
        page.goto(base + EDIT)
        page.get_by_label("Español (Spanish)").check()  # the preview's language is no edit
        page.locator("#preview-status", has_text="unsaved changes").wait_for()
        _leave(page)
        page.wait_for_url(f"{base}{EDIT}/stats")
        assert asked == []

        page.goto(base + EDIT)
        _type(page, "Heading, English", " Again")
        _leave(page)
        page.wait_for_timeout(300)
        assert asked == ["beforeunload"] and page.url == base + EDIT
        assert page.get_by_label("Heading, English", exact=True).input_value() == "Ready to rebuild? Again"

        page.get_by_role("button", name="Save", exact=True).click()
        page.locator(".flashes", has_text="Saved").wait_for()
        _leave(page)
        page.wait_for_url(f"{base}{EDIT}/stats")
        assert asked == ["beforeunload"], "no question after saving"

        page.goto(base + EDIT)
        _type(page, "Heading, English", " once more")
        page.get_by_label("Heading, English", exact=True).fill("Ready to rebuild? Again")
        _leave(page)
        page.wait_for_url(f"{base}{EDIT}/stats")
        assert asked == ["beforeunload"], "typed and undone is no change"


def test_send_a_test_uses_what_is_on_screen_and_the_page_keeps_it(app: Flask, admin_user: None,
                                                                  live_server: ServerThread, browser: Any) -> None:
    base = live_server.url()
    app.config["RTR_WEBHOOK_ALLOW_PRIVATE"] = True
    asked: list[str] = []
    with Receiver() as receiver, browser_page(browser) as page:
        page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
        sign_in_page(page, base, USER, PASSWORD)
        page.goto(base + EDIT)
        page.get_by_label("Webhook address (CRM or automation)").fill(receiver.url())
        _type(page, "Heading, English", " (not saved)")
        page.get_by_role("button", name="Send a test").click()
        page.locator("#test-outcome", has_text="Webhook: delivered.").wait_for()
        assert receiver.received()[0].json["type"] == "webhook.test"
        assert asked == [], "sending a test is not leaving"
        assert page.get_by_label("Webhook address (CRM or automation)").input_value() == receiver.url()
        assert page.get_by_label("Heading, English", exact=True).input_value() == "Ready to rebuild? (not saved)"
        assert _saved(app).settings.webhook_url == "" and _saved(app).version == 1
        _leave(page)
        page.wait_for_timeout(300)
        assert asked == ["beforeunload"], "the edits are still unsaved after the test"


def test_the_preview_keeps_each_fields_last_valid_value_and_shows_its_error(
        app: Flask, admin_user: None, live_server: ServerThread, browser: Any) -> None:
    from playwright.sync_api import expect

    base = live_server.url()
    with browser_page(browser) as page:
        sign_in_page(page, base, USER, PASSWORD)
        page.goto(base + EDIT)
        preview = page.frame_locator("#preview-frame")
        colour = page.get_by_label("Text colour", exact=True)
        page.get_by_label("Heading, English", exact=True).fill("Typed heading")
        colour.fill("#222222")
        expect(preview.locator("body")).to_have_css("color", "rgb(34, 34, 34)")
        colour.fill("#22")
        error = page.locator("#theme-text_color-error")
        expect(error).to_have_text("Use a colour like #7a3e5d, rgb(122, 62, 93) or a name like teal.")
        expect(page.locator("#preview-status")).to_contain_text("1 field has a problem")
        expect(colour).to_have_attribute("aria-invalid", "true")
        assert "theme-text_color-error" in (colour.get_attribute("aria-describedby") or "")
        expect(preview.locator("body")).to_have_css("color", "rgb(34, 34, 34)")  # not the saved #2b2a33
        expect(preview.locator("h1")).to_have_text("Typed heading")
        page.get_by_label("Practice name", exact=True).fill("Typed practice")
        expect(preview.locator("body")).to_contain_text("Typed practice")
        expect(preview.locator("body")).to_have_css("color", "rgb(34, 34, 34)")
        colour.fill("#333333")
        expect(error).to_have_count(0)
        expect(preview.locator("body")).to_have_css("color", "rgb(51, 51, 51)")
        assert colour.get_attribute("aria-invalid") is None
        assert page.evaluate("window.__violations") == []


def test_colour_pickers_follow_the_text_and_the_text_follows_them(app: Flask, admin_user: None,
                                                                   live_server: ServerThread, browser: Any) -> None:
    from playwright.sync_api import expect

    base = live_server.url()
    with browser_page(browser) as page:
        sign_in_page(page, base, USER, PASSWORD)
        page.goto(base + EDIT)
        text = page.get_by_label("Accent colour (buttons and links)", exact=True)
        picker = page.get_by_label("Accent colour (buttons and links), picker")
        assert picker.input_value() == "#7a3e5d"
        picker.fill("#0b5394")
        expect(text).to_have_value("#0b5394")
        text.fill("teal")
        expect(picker).to_have_value("#008080")
        text.fill("rgb(255, 0, 0)")
        expect(picker).to_have_value("#ff0000")
        text.fill("#abc")
        expect(picker).to_have_value("#aabbcc")
        page.get_by_label("Card background colour", exact=True).fill("ivory")
        expect(page.get_by_label("Card background colour, picker")).to_have_value("#fffff0")
        expect(page.frame_locator("#preview-frame").locator(".rtr-card")).to_have_css("background-color",
                                                                                 "rgb(255, 255, 240)")
        page.get_by_role("button", name="Save", exact=True).click()
        page.locator(".flashes", has_text="Saved").wait_for()
        theme = _saved(app).settings.theme
        assert (theme.accent_color, theme.background_color) == ("#abc", "#fffff0")


def test_rows_are_added_and_removed_in_the_page_then_saved(app: Flask, admin_user: None,
                                                           live_server: ServerThread, browser: Any) -> None:
    from playwright.sync_api import expect

    base = live_server.url()
    before = [s.name.en for s in _saved(app).settings.services]
    with browser_page(browser) as page:
        sign_in_page(page, base, USER, PASSWORD)
        page.goto(base + EDIT)
        page.evaluate("window.__same_page = true")
        rows = page.locator("#services [data-row-list] > [data-row]")
        count = rows.count()
        page.get_by_role("button", name="Add a service").click()
        expect(rows).to_have_count(count + 1)
        focused = page.evaluate("document.activeElement.name")
        assert focused == f"services-{count}-name-en", focused
        page.keyboard.type("Discernment counselling")
        expect(page.locator("#services [data-row-status]")).to_have_text(
            f"Added service {count + 1}. Not saved yet: press Save to keep the change.")
        page.get_by_role("button", name="Remove service 1", exact=True).click()
        expect(rows).to_have_count(count)
        expect(rows.first.locator("> legend")).to_have_text("Service 1")
        expect(page.frame_locator("#preview-frame").locator("body")).to_contain_text("Discernment counselling")
        assert page.evaluate("window.__same_page") is True, "no reload"
        page.get_by_role("button", name="Save", exact=True).click()
        page.locator(".flashes", has_text="Saved").wait_for()
    after = [s.name.en for s in _saved(app).settings.services]
    assert after == [*before[1:], "Discernment counselling"]


def test_rows_without_javascript_keep_what_was_typed(app: Flask, admin_user: None,
                                                     live_server: ServerThread, browser: Any) -> None:
    base = live_server.url()
    with browser_page(browser, java_script_enabled=False) as page:
        sign_in_page(page, base, USER, PASSWORD)
        page.goto(base + EDIT)
        rows = page.locator("#services [data-row-list] > [data-row]")
        count = rows.count()
        page.get_by_label("Heading, English", exact=True).fill("Typed before adding")
        page.get_by_role("button", name="Add a service").click()
        page.locator("#services [data-row-status]", has_text="Added an empty service").wait_for()
        assert rows.count() == count + 1
        assert page.get_by_label("Heading, English", exact=True).input_value() == "Typed before adding"
        page.get_by_role("button", name="Remove service 1", exact=True).click()
        page.locator("#services [data-row-status]", has_text="Removed service 1.").wait_for()
        assert rows.count() == count
        assert page.get_by_label("Heading, English", exact=True).input_value() == "Typed before adding"
        page.get_by_role("button", name="Send a test").click()
        page.locator("#test-outcome").wait_for()
        assert page.get_by_label("Heading, English", exact=True).input_value() == "Typed before adding"
    assert _saved(app).version == 1


@pytest.mark.parametrize("width", [1280, 375])
def test_the_edit_page_passes_axe_while_editing(app: Flask, admin_user: None, live_server: ServerThread,
                                                browser: Any, width: int) -> None:
    base = live_server.url()
    with browser_page(browser, viewport={"width": width, "height": 800}) as page:
        sign_in_page(page, base, USER, PASSWORD)
        page.goto(base + EDIT)
        assert_accessible_page(page)
        page.get_by_role("button", name="Add a location").click()
        page.get_by_label("Text colour", exact=True).fill("#22")
        page.locator("#theme-text_color-error").wait_for()
        page.locator("#preview-status", has_text="has a problem").wait_for()
        assert_accessible_page(page)
