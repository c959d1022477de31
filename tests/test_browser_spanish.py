"""The whole Spanish path in Chromium: a data-lang="es" card, an error, the thank-you, and both emails."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from widget.delivery.worker import stop_thread
from widget.queries.widgets import get_widget, save_settings

from .support.english import english_left, visible_text
from .support.host_pages import browser_page, frame_of, host_page, host_site, stored_leads
from .support.servers import ServerThread
from .support.settings import changed
from .support.smtp import Received, SmtpServer

pytestmark = pytest.mark.browser

PRACTICE = "Harbor Light Couples Therapy"
PERSON = "Lucía Hernández"
INLINE = "<script async src='{w}/embed.js' data-widget='demo' data-lang='es'></script>"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def mail_app(make_app: Callable[..., Flask], smtp: SmtpServer) -> Iterator[Flask]:
    """The demo practice (an English widget with Spanish texts) delivering by email, from a worker thread."""
    app = make_app(RTR_WORKER="thread", RTR_SMTP_HOST="127.0.0.1", RTR_SMTP_PORT=smtp.port, RTR_SMTP_SECURITY="none",
                   RTR_MAIL_FROM="Harbor Light <intake@harbor.example>", RTR_PUBLIC_URL="http://localhost")
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    store = app.extensions["rtr"].store
    save_settings(store, "demo", changed(get_widget(store, "demo").settings, confirmation_email=True))
    yield app
    stop_thread(app)


def spoken(frame: Any) -> str:
    """Return every word the card shows or a screen reader says, as it is now."""
    return visible_text(frame.content())


def two_emails(smtp: SmtpServer) -> list[Received]:
    deadline = time.monotonic() + 15
    while len(smtp.received) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(smtp.received) == 2, f"{len(smtp.received)} emails arrived"
    return smtp.received


def bodies(got: Received) -> str:
    message = got.message
    return "\n".join(message.get_body((kind,)).get_content() for kind in ("plain", "html"))


def test_a_spanish_reader_goes_all_the_way_in_spanish(mail_app: Flask, smtp: SmtpServer, browser: Any) -> None:
    settings = get_widget(mail_app.extensions["rtr"].store, "demo").settings
    with ServerThread(mail_app) as server, host_site({"/post": host_page(server.url("localhost"), INLINE)}) as site, \
            browser_page(browser) as page:
        page.goto(site + "/post")
        frame = frame_of(page)
        assert frame.evaluate("document.documentElement.lang") == "es"
        assert page.evaluate("document.querySelector('iframe').title") == "Solicitar una consulta gratuita"
        card = spoken(frame)
        assert "¿Es momento de reconstruir?" in card and "Terapia de pareja" in card and "marque el 2" in card
        assert english_left(card, settings, names=(PRACTICE,)) == []

        frame.locator("input[name=name]").fill(PERSON)
        frame.locator("input[name=email]").fill("lucia@")
        frame.locator("select[name=location]").select_option(label="Sesiones en línea")
        frame.locator(".rtr-submit").click()
        frame.wait_for_selector("#email-error:not([hidden])")
        assert frame.locator("#email-error").inner_text() == (
            "Parece que a ese correo electrónico le falta algo. ¿Podría revisarlo?")
        assert frame.locator("#consent-error").inner_text() == (
            "Marque la casilla para que podamos comunicarnos con usted.")
        assert english_left(spoken(frame), settings, names=(PRACTICE, PERSON, "lucia@")) == []

        frame.locator("input[name=email]").fill("lucia@example.org")
        frame.locator("input[name=consent]").check()
        frame.locator(".rtr-submit").click()
        frame.wait_for_selector("#rtr-thanks")
        thanks = frame.locator("#rtr-thanks").inner_text()
        assert "Gracias por comunicarse con nosotros" in thanks and "en un plazo de un día hábil" in thanks
        assert english_left(spoken(frame), settings, names=(PRACTICE, PERSON)) == []

    [lead] = stored_leads(mail_app)
    assert (lead.language, lead.location) == ("es", "Online sessions")
    assert lead.consent_text.startswith("Acepto que el consultorio")
    received = {got.rcpt_tos[0]: got for got in two_emails(smtp)}
    confirmation, practice = received["lucia@example.org"], received["intake@example.com"]
    assert confirmation.message["Subject"] == f"Recibimos su solicitud — {PRACTICE}"
    assert english_left(bodies(confirmation), settings, names=(PRACTICE, "988lifeline.org")) == []
    assert practice.message["Subject"] == f"New consultation request in Spanish — {PRACTICE}"
    assert "Language: Spanish (they wrote in Spanish: please reply in Spanish)" in bodies(practice)
