"""Tell a person that something needs them: a dead delivery, a disabled webhook."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import Flask

from . import mailer
from .mailer import ascii_domain, one_line
from .smtp_config import effective_smtp

log = logging.getLogger("widget.delivery.alerts")


def send_alert(app: Flask, subject: str, body: str, fallback_to: Iterable[str] = ()) -> None:
    """Email one plain alert to RTR_ALERT_EMAIL (else to ``fallback_to``); log, never raise.

    Without an SMTP server the alert is written as an .eml file like every other email.
    ``subject`` and ``body`` must not carry lead contents: alerts are not covered by the
    widget's detail level.
    """
    try:
        _send(app, subject, body, fallback_to)
    except Exception:  # an alert about a failure must never become a second failure
        log.exception("Could not send the alert %r", one_line(subject))


def alert_recipients(app: Flask, fallback_to: Iterable[str] = ()) -> list[str]:
    """Return RTR_ALERT_EMAIL when set, else the addresses the caller knows."""
    configured = str(app.config.get("RTR_ALERT_EMAIL") or "").strip()
    candidates = [configured] if configured else list(fallback_to)
    return [ascii_domain(one_line(address)) for address in candidates if one_line(address)]


def _send(app: Flask, subject: str, body: str, fallback_to: Iterable[str]) -> None:
    recipients = alert_recipients(app, fallback_to)
    settings = effective_smtp(app)
    if settings.configured and not recipients:
        log.warning("No alert address (RTR_ALERT_EMAIL or the widget's alert email); not sent: %s",
                    one_line(subject))
        return
    message = EmailMessage()
    message["From"] = settings.mail_from
    if recipients:
        message["To"] = ", ".join(recipients)
    message["Subject"] = "[Ready to Rebuild] " + one_line(subject)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid("alert", domain="ready-to-rebuild")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body, cte="quoted-printable")
    outcome = mailer.deliver(app, message, recipients)
    if outcome.status == "delivered":
        log.info("Alert sent: %s (%s)", one_line(subject), outcome.detail)
    else:
        log.error("Alert not sent: %s (%s)", one_line(subject), outcome.detail)
