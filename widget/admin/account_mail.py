"""Emails about accounts (an invitation, a password reset link), sent through the mailer every email uses.

Links in them start with RTR_PUBLIC_URL, never with the Host header of the request that asked for
them: anyone can send a password reset request with ``Host: evil.example`` and would then receive
the link's token when the admin clicked it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, request, url_for

from ..delivery import mailer
from ..delivery.email import compose
from ..delivery.smtp_config import effective_smtp
from ..links import public_base_url

log = logging.getLogger("widget.admin.account_mail")
_running: list[threading.Thread] = []


def link(app: Flask, endpoint: str, token: str, trust_request: bool = False) -> str | None:
    """Return the absolute link to endpoint with token, on RTR_PUBLIC_URL; None when it is not set.

    ``trust_request``: without RTR_PUBLIC_URL, use the address this (signed-in) request came to.
    """
    path = url_for(endpoint, token=token)
    base = public_base_url(app)
    if base:
        return base + path
    return request.host_url.rstrip("/") + path if trust_request else None


@dataclass(frozen=True)
class Sent:
    """How an account email went: ``sent`` to an email server (which took it), or not, and why."""

    sent: bool
    detail: str


def send(app: Flask, to: str, subject: str, template: str, context: dict[str, Any]) -> Sent:
    """Send one account email now (the caller needs an app context); never raise.

    Without an email server it is written as an .eml file like every email, which is not sent.
    """
    try:
        message = compose(app, [to], subject, template, context)
    except Exception as error:  # a broken host template: say so, don't fail the page
        log.exception("Could not build the %s email", template)
        return Sent(False, f"could not build the email ({type(error).__name__}); see the server log")
    outcome = mailer.deliver(app, message, mailer.usable_addresses([to]))
    if outcome.status != "delivered":
        return Sent(False, outcome.detail)
    if not effective_smtp(app).configured:
        return Sent(False, "no email server is set up (the Email server page, or RTR_SMTP_HOST), so it was "
                           "saved as a file on the server instead")
    return Sent(True, outcome.detail)


def in_background(app: Flask, task: Callable[[], None]) -> None:
    """Run task in a thread with an app context, so a request answers before (and whatever) it does."""

    def run() -> None:
        try:
            with app.app_context():
                task()
        except Exception:  # a background failure is logged, never raised into nowhere
            log.exception("An account email task failed")

    thread = threading.Thread(target=run, name="rtr-account-mail", daemon=True)
    _running[:] = [*(t for t in _running if t.is_alive()), thread]
    thread.start()


def wait_for_background(timeout: float = 10.0) -> None:
    """Wait for account email tasks started so far (tests, and a clean shutdown)."""
    for thread in list(_running):
        thread.join(timeout)
