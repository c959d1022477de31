"""In Chromium, each account flow end to end with the real SMTP sink: invite -> accept -> sign in; reset;
two-factor enrolment -> sign in with a code -> with a recovery code; staff see only the inbox; a removed
admin's copied cookie stops working. axe-core checks every new page at 1280 and 375 px."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from flask import Flask

from widget.admin.account_mail import wait_for_background
from widget.admin.passwords import create_admin
from widget.queries.accounts import get_admin
from widget.state import get_state

from .support.axe import assert_accessible_page
from .support.host_pages import browser_page, wait_until
from .support.servers import ServerThread
from .support.smtp import SmtpServer

pytestmark = pytest.mark.browser
OWNER, PASSWORD, NEW = "office", "a calm and long sentence", "another calm long sentence"
WIDTHS = (1280, 375)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def site(app: Flask, smtp: SmtpServer) -> Iterator[str]:
    """The app on a loopback port, emailing through the sink, its public URL its own address."""
    app.config.update(RTR_SMTP_HOST="127.0.0.1", RTR_SMTP_PORT=smtp.port, RTR_SMTP_SECURITY="none")
    create_admin(get_state(app).store, OWNER, PASSWORD, email="office@harbor.example")
    with ServerThread(app) as server:
        base = server.url("localhost")
        app.config["RTR_PUBLIC_URL"] = base
        yield base


def accessible_at_every_width(page: Any) -> None:
    """axe-core finds nothing on the page as it is now, at each width, and nothing scrolls sideways."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        assert_accessible_page(page)
    page.set_viewport_size({"width": WIDTHS[0], "height": 800})


def sign_in(page: Any, base: str, user: str, password: str) -> None:
    page.goto(f"{base}/admin/login")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/admin/login")


def emailed_link(smtp: SmtpServer, count: int, kind: str) -> str:
    wait_for_background()
    wait_until(lambda: len(smtp.received) >= count, f"email {count}")
    body = smtp.received[count - 1].message.get_body(("plain",)).get_content()
    return re.search(rf"http://\S+/admin/{kind}/\S+", body).group(0)


def test_invite_accept_and_sign_in(site: str, browser: Any, smtp: SmtpServer, app: Flask) -> None:
    with browser_page(browser) as owner:
        sign_in(owner, site, OWNER, PASSWORD)
        owner.get_by_role("link", name="Accounts").click()
        owner.wait_for_url(f"{site}/admin/accounts")
        accessible_at_every_width(owner)
        owner.get_by_label("Email address").fill("sam@harbor.example")
        owner.get_by_label("Role", exact=True).select_option("staff")
        owner.get_by_role("button", name="Send invitation").click()
        owner.get_by_role("heading", name="Invitation sent").wait_for()
        accessible_at_every_width(owner)
        owner.get_by_role("link", name="Back to accounts").click()
        assert "sam@harbor.example" in owner.locator("#invites").inner_text()
        accessible_at_every_width(owner)
    link = emailed_link(smtp, 1, "invite")
    assert link.startswith(site)
    with browser_page(browser) as sam:
        sam.goto(link)
        assert "office invited sam@harbor.example" in sam.inner_text("main")
        accessible_at_every_width(sam)
        sam.get_by_label("Username").fill("sam")
        sam.get_by_label("Password", exact=True).fill("short")
        sam.get_by_label("Type the password again").fill("short")
        sam.get_by_role("button", name="Create my account").click()
        sam.locator(".summary").wait_for()
        accessible_at_every_width(sam)
        assert sam.get_by_label("Username").input_value() == "sam", "what was typed is kept"
        sam.get_by_label("Password", exact=True).fill(NEW)
        sam.get_by_label("Type the password again").fill(NEW)
        sam.get_by_role("button", name="Create my account").click()
        sam.wait_for_url(f"{site}/admin/leads")
        assert "Welcome, sam!" in sam.inner_text(".flashes")
        sign_out(sam)
        sign_in(sam, site, "sam", NEW)
        sam.wait_for_url(f"{site}/admin/leads")
        sam.goto(link)
        assert "This invitation link no longer works" in sam.inner_text("main")
        accessible_at_every_width(sam)
    assert get_admin(get_state(app).store, "sam").role == "staff"


def test_reset_a_forgotten_password(site: str, browser: Any, smtp: SmtpServer) -> None:
    with browser_page(browser) as laptop, browser_page(browser) as phone:
        sign_in(laptop, site, OWNER, PASSWORD)
        laptop.wait_for_url(f"{site}/admin/")
        phone.goto(f"{site}/admin/login")
        phone.get_by_role("link", name="Forgot your password?").click()
        phone.wait_for_url(f"{site}/admin/reset")
        accessible_at_every_width(phone)
        phone.get_by_label("Email address").fill("office@harbor.example")
        phone.get_by_role("button", name="Send the link").click()
        phone.wait_for_url(f"{site}/admin/login")
        assert "If an admin account uses that address" in phone.inner_text(".flashes")
        phone.goto(emailed_link(smtp, 1, "reset"))
        assert "For the admin account office" in phone.inner_text("main")
        accessible_at_every_width(phone)
        phone.get_by_label("New password", exact=True).fill(NEW)
        phone.get_by_label("Type the new password again").fill(NEW)
        phone.get_by_role("button", name="Set my new password").click()
        phone.wait_for_url(f"{site}/admin/login")
        assert "Sign in with the new one" in phone.inner_text(".flashes")
        sign_in(phone, site, OWNER, NEW)
        phone.wait_for_url(f"{site}/admin/")
        laptop.goto(f"{site}/admin/")
        assert laptop.url.startswith(f"{site}/admin/login"), "the laptop was signed out"


def test_two_factor_enrol_then_sign_in_with_a_code_and_with_a_recovery_code(site: str, browser: Any) -> None:
    with browser_page(browser) as page:
        sign_in(page, site, OWNER, PASSWORD)
        page.get_by_role("link", name="Your account").click()
        accessible_at_every_width(page)
        page.get_by_role("link", name="Set up two-factor sign-in").click()
        page.wait_for_url(f"{site}/admin/account/two-factor")
        assert page.get_by_role("img", name="QR code to add this account to your authenticator app").is_visible()
        box = page.locator(".qr-code").bounding_box()
        assert box["width"] >= 150 and abs(box["width"] - box["height"]) < 1, "big enough to scan, square"
        accessible_at_every_width(page)
        secret = page.locator("#totp-key").inner_text().replace(" ", "")
        page.get_by_label("Code from the app").fill("123456" if pyotp.TOTP(secret).now() != "123456" else "654321")
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
        page.locator(".summary").wait_for()
        accessible_at_every_width(page)
        page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
        page.get_by_role("heading", name="Two-factor sign-in is on").wait_for()
        codes = page.locator("#recovery-codes code").all_inner_texts()
        assert len(codes) == 10
        accessible_at_every_width(page)
        page.get_by_role("link", name="I have saved them").click()
        sign_out(page)

        sign_in(page, site, OWNER, PASSWORD)
        page.wait_for_url(f"{site}/admin/login/code")
        accessible_at_every_width(page)
        page.get_by_label("Code").fill(pyotp.TOTP(secret).at(time.time() + 30))  # the step after enrolment's
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{site}/admin/")
        sign_out(page)

        sign_in(page, site, OWNER, PASSWORD)
        page.wait_for_url(f"{site}/admin/login/code")
        page.get_by_label("Code").fill(codes[0])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{site}/admin/")
        assert "9 recovery codes left" in page.inner_text(".flashes")
        page.goto(f"{site}/admin/account")
        assert "9 recovery codes" in page.inner_text("main")
        accessible_at_every_width(page)


def test_staff_see_only_the_inbox(site: str, browser: Any, app: Flask) -> None:
    create_admin(get_state(app).store, "sam", NEW, role="staff")
    with browser_page(browser) as page:
        sign_in(page, site, "sam", NEW)
        page.wait_for_url(f"{site}/admin/leads")
        assert page.locator("nav.nav a").all_inner_texts() == ["Inbox", "Your account"]
        response = page.goto(f"{site}/admin/widgets/demo")
        assert response.status == 403
        assert "This page is for the practice's owners" in page.inner_text("main")
        accessible_at_every_width(page)
        page.get_by_role("link", name="Go to the inbox").click()
        page.wait_for_url(f"{site}/admin/leads")
        assert page.goto(f"{site}/admin/accounts").status == 403


def test_a_removed_admins_copied_cookie_stops_working(site: str, browser: Any, app: Flask) -> None:
    create_admin(get_state(app).store, "sam", NEW, role="staff")
    with browser_page(browser) as sam, browser_page(browser) as thief, browser_page(browser) as owner:
        sign_in(sam, site, "sam", NEW)
        sam.wait_for_url(f"{site}/admin/leads")
        thief.context.add_cookies(sam.context.cookies())
        thief.goto(f"{site}/admin/leads")
        assert thief.url == f"{site}/admin/leads", "the copy works while the session lives"
        sign_in(owner, site, OWNER, PASSWORD)
        owner.goto(f"{site}/admin/accounts")
        owner.get_by_role("link", name="Remove sam").click()
        owner.wait_for_url(re.compile(r".*/admin/accounts/\d+/remove"))
        accessible_at_every_width(owner)
        owner.get_by_role("button", name="Yes, remove sam").click()
        owner.wait_for_url(f"{site}/admin/accounts")
        assert "sam is removed and signed out everywhere" in owner.inner_text(".flashes")
        for browser_page_ in (sam, thief):
            browser_page_.goto(f"{site}/admin/leads")
            assert browser_page_.url.startswith(f"{site}/admin/login"), "signed out"
