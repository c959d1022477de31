"""In Chromium: first-run setup, edit with the live preview, save, the host page shows it; copy; axe; 375 px."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from widget.admin.first_run import setup_token
from widget.admin.passwords import create_admin
from widget.queries.widgets import get_widget
from widget.state import get_state

from .support.admin_pages import sign_in_page
from .support.axe import assert_accessible_page
from .support.host_pages import browser_page, frame_of, host_page, host_site
from .support.servers import ServerThread

pytestmark = pytest.mark.browser
USER, PASSWORD = "office", "a calm and long sentence"


def sign_in(page: Any, base: str) -> None:
    sign_in_page(page, base, USER, PASSWORD)


@pytest.fixture
def admin_user(app: Flask) -> Iterator[None]:
    create_admin(get_state(app).store, USER, PASSWORD)
    yield


def test_setup_edit_preview_save_and_the_host_page_shows_it(app: Flask, live_server: ServerThread,
                                                            browser: Any) -> None:
    base = live_server.url("localhost")
    store = get_state(app).store
    with browser_page(browser, viewport={"width": 1280, "height": 900}) as page:
        page.goto(f"{base}/admin/")
        assert "No admin account exists yet" in page.inner_text("main")
        page.goto(f"{base}/admin/setup?token={setup_token(app)}")
        page.get_by_label("Username").fill(USER)
        page.get_by_label("Email address").fill("office@example.org")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Type the password again").fill(PASSWORD)
        page.get_by_role("button", name="Create my account").click()
        page.wait_for_url(f"{base}/admin/")
        assert "Your admin account is ready" in page.inner_text(".flashes")

        page.get_by_role("link", name="Harbor Light Couples Therapy", exact=True).click()
        page.wait_for_url(f"{base}/admin/widgets/demo")
        preview = page.frame_locator("#preview-frame")
        assert preview.locator("h1").inner_text() == "Ready to rebuild?"
        page.get_by_label("Heading, English", exact=True).fill("Let's begin again")
        preview.locator("h1", has_text="Let's begin again").wait_for()
        assert get_widget(store, "demo").settings.heading.en == "Ready to rebuild?", "the preview must not save"
        assert page.evaluate("window.__violations") == []

        page.get_by_role("button", name="Save", exact=True).click()
        page.wait_for_url(f"{base}/admin/widgets/demo")
        assert "Saved" in page.inner_text(".flashes")
        assert get_widget(store, "demo").settings.heading.en == "Let's begin again"

    script = "<script async src='{w}/embed.js' data-widget='demo'></script>"
    with host_site({"/blog": host_page(base, script)}) as site, browser_page(browser) as page:
        page.goto(site + "/blog")
        frame = frame_of(page)
        assert frame.locator("h1").inner_text() == "Let's begin again"


def test_preview_follows_colours_and_warns_about_contrast(app: Flask, admin_user: None, live_server: ServerThread,
                                                          browser: Any) -> None:
    from playwright.sync_api import expect

    base = live_server.url()
    with browser_page(browser) as page:
        sign_in(page, base)
        page.goto(f"{base}/admin/widgets/demo")
        assert page.locator("#contrast-warnings .warning").count() == 0
        page.get_by_label("Text colour", exact=True).fill("#aaaaaa")
        page.locator("#contrast-warnings .warning", has_text="Text on the card background").wait_for()
        preview = page.frame_locator("#preview-frame")
        expect(preview.locator("body")).to_have_css("color", "rgb(170, 170, 170)")
        page.get_by_label("Text colour", exact=True).fill("#222222")
        expect(page.locator("#contrast-warnings .warning")).to_have_count(0)
        expect(preview.locator("body")).to_have_css("color", "rgb(34, 34, 34)")


def test_copy_button_puts_the_snippet_on_the_clipboard(app: Flask, admin_user: None, live_server: ServerThread,
                                                       browser: Any) -> None:
    base = live_server.url()
    with browser_page(browser, permissions=["clipboard-read", "clipboard-write"]) as page:
        sign_in(page, base)
        page.goto(f"{base}/admin/widgets/demo")
        page.wait_for_selector("#snippets[data-measured=current]", state="attached")
        page.get_by_role("button", name="Copy the card in the page snippet").click()
        page.locator("#snippets .copy-status", has_text="Copied.").first.wait_for()
        copied = page.evaluate("navigator.clipboard.readText()")
        box, script = copied.split("\n")
        assert box.startswith('<div id="rtr-demo" style="padding-top:calc(') and box.endswith('"></div>')
        assert script == f'<script async src="{base}/embed.js" data-widget="demo" data-target="#rtr-demo"></script>'
        page.get_by_role("button", name="Copy the floating button snippet").click()
        assert 'data-mode="button"' in page.evaluate("navigator.clipboard.readText()")


NO_CLIPBOARD_API = "Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined});"


def test_without_the_clipboard_api_copy_selects_the_text_and_says_how(app: Flask, admin_user: None,
                                                                      live_server: ServerThread,
                                                                      browser: Any) -> None:
    """On a plain-http admin page browsers offer no Clipboard API: the text is selected, the status says Ctrl+C."""
    base = live_server.url()
    with browser_page(browser) as page:
        page.context.add_init_script(NO_CLIPBOARD_API)
        sign_in(page, base)
        page.goto(f"{base}/admin/widgets/demo")
        page.wait_for_selector("#snippets[data-measured=current]", state="attached")
        assert page.evaluate("navigator.clipboard") is None
        page.get_by_role("button", name="Copy the card in the page snippet").click()
        status = page.locator("#snippets .copy-status", has_text="Press Ctrl+C (or ⌘C) to copy the selected text.")
        status.first.wait_for()
        where, selected, whole = page.evaluate("""() => { const el = document.activeElement;
            return [el.id, el.value.substring(el.selectionStart, el.selectionEnd), el.value]; }""")
        assert where == "snippet-inline" and selected == whole
        assert f'<script async src="{base}/embed.js" data-widget="demo"' in selected
        assert "Copied." not in page.inner_text("#snippets")

        page.get_by_role("button", name="Make a new secret").click()
        secret = page.locator("#new-secret").inner_text()
        page.get_by_role("button", name="Copy secret").click()
        page.locator(".success-box [data-copy-status]", has_text="Press Ctrl+C").wait_for()
        assert page.evaluate("window.getSelection().toString()").strip() == secret


@pytest.mark.parametrize("width", [1280, 375])
def test_admin_pages_pass_axe_and_fit_the_width(app: Flask, live_server: ServerThread, browser: Any,
                                                width: int) -> None:
    base = live_server.url()
    started = time.monotonic()
    with browser_page(browser, viewport={"width": width, "height": 800}) as page:
        assert_accessible_page(page, f"{base}/admin/login")
        assert_accessible_page(page, f"{base}/admin/setup")
        assert_accessible_page(page, f"{base}/admin/setup?token={setup_token(app)}")
        create_admin(get_state(app).store, USER, PASSWORD)
        with get_state(app).store.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE rtr_widgets SET webhook_disabled_at = 1700000000 WHERE id = 'demo'")
        sign_in(page, base)
        assert_accessible_page(page)
        page.goto(f"{base}/admin/widgets/demo")
        assert page.locator("#webhook-disabled").is_visible()
        for path in ("/admin/widgets/demo", "/admin/widgets/new", "/admin/widgets/demo/delete", "/admin/smtp",
                     "/admin/audit", "/admin/password"):
            assert_accessible_page(page, base + path)
        page.goto(f"{base}/admin/widgets/demo")
        page.get_by_label("Heading, English", exact=True).fill("")
        page.get_by_label("Accent colour (buttons and links)", exact=True).fill("pinkish")
        page.get_by_role("button", name="Save", exact=True).click()
        page.locator("#form-errors").wait_for()
        assert_accessible_page(page)
        page.goto(f"{base}/admin/widgets/demo")
        page.get_by_role("button", name="Send a test").click()
        page.locator("#test-outcome").wait_for()
        assert_accessible_page(page)
        page.get_by_role("button", name="Make a new secret").click()
        page.locator("#new-secret").wait_for()
        assert_accessible_page(page)
        page.goto(f"{base}/admin/widgets/new")
        page.get_by_label("Practice name").fill("A second practice with a rather long name indeed")
        page.get_by_role("button", name="Create widget").click()
        page.locator("#new-secret").wait_for()
        assert_accessible_page(page)
        assert_accessible_page(page, f"{base}/admin/")
    print(f"\naxe: 13 admin pages, no violations at {width} px ({time.monotonic() - started:.1f} s)")
