"""Tell a person that something needs them: a dead delivery, a disabled webhook."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from email.utils import formatdate, make_msgid

from flask import Flask

from . import mailer
from .headers import header_text, new_message
from .mailer import usable_addresses
from .smtp_config import effective_smtp

log = logging.getLogger("widget.delivery.alerts")


def send_alert(app: Flask, subject: str, body: str, to: Iterable[str] = (), fallback_to: Iterable[str] = ()) -> None:
    """Email one plain alert to ``to`` (else RTR_ALERT_EMAIL, else ``fallback_to``); log, never raise.

    Without an SMTP server the alert is written as an .eml file like every other email.
    ``subject`` and ``body`` must not carry lead contents: alerts are not covered by the
    widget's detail level.
    """
    try:
        _send(app, subject, body, alert_recipients(app, to, fallback_to))
    except Exception:  # an alert about a failure must never become a second failure
        log.exception("Could not send the alert %r", header_text(subject))


def alert_recipients(app: Flask, to: Iterable[str] = (), fallback_to: Iterable[str] = ()) -> list[str]:
    """Return the first non-empty of: ``to`` (a widget's own alert address), RTR_ALERT_EMAIL, fallback_to.

    A practice that names its alert address gets its alerts, even where the installation has a default.
    """
    for candidates in (to, [app.config.get("RTR_ALERT_EMAIL") or ""], fallback_to):
        found = usable_addresses(candidates)
        if found:
            return found
    return []


def _send(app: Flask, subject: str, body: str, recipients: list[str]) -> None:
    settings = effective_smtp(app)
    if settings.configured and not recipients:
        log.warning("No alert address (RTR_ALERT_EMAIL or the widget's alert email); not sent: %s",
                    header_text(subject))
        return
    message = new_message()
    message["From"] = settings.mail_from
    if recipients:
        message["To"] = ", ".join(recipients)
    message["Subject"] = "[Ready to Rebuild] " + header_text(subject)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid("alert", domain="ready-to-rebuild")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body, cte="quoted-printable")
    outcome = mailer.deliver(app, message, recipients)
    if outcome.status == "delivered":
        log.info("Alert sent: %s (%s)", header_text(subject), outcome.detail)
    elif outcome.status == "saved_to_file":
        log.warning("Alert not sent, no email server is set up: %s (%s)", header_text(subject), outcome.detail)
    else:
        log.error("Alert not sent: %s (%s)", header_text(subject), outcome.detail)
