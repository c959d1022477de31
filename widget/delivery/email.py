"""The email channel: the lead email to the practice, the visitor's confirmation, a test email."""

from __future__ import annotations

import json
import logging
import time
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from flask import Flask, current_app, render_template

from ..email_address import check_email
from ..i18n import format_datetime, language_name, supported, template_helpers
from ..links import admin_lead_url
from ..models import Widget
from ..routing import email_route, every_address
from ..settings import WidgetSettings
from ..timezones import zone
from . import mailer
from .base import Job, Outcome
from .headers import header_text, is_header_safe, new_message
from .mailer import ascii_domain, usable_addresses
from .reason import why_sent
from .smtp_config import effective_smtp

log = logging.getLogger("widget.delivery.email")

#: The practice's email is written in English (the language its words are looked up in).
PRACTICE_LANGUAGE = "en"
CONTACT_FIELDS = ("name", "email", "phone", "contact_method", "ok_to_email", "ok_to_text",
                  "ok_to_voicemail", "service", "location", "page_url", "language")
FULL_FIELDS = (*CONTACT_FIELDS, "message", "utm")


def send_lead(job: Job) -> Outcome:
    """Email the new lead to the practice's notify addresses, at the widget's detail level."""
    return _send(job, build_lead_message)


def send_confirmation(job: Job) -> Outcome:
    """Email the visitor a thank-you with the response time and crisis notice, nothing they wrote."""
    if _safe_address(job.lead["email"]) is None:
        return Outcome("dead", "the visitor's email address can't be used in a header; nothing sent")
    return _send(job, build_confirmation_message)


def send_test(widget: Widget) -> Outcome:
    """Send a test email to every address the widget's requests may be emailed to, and return how it went."""
    recipients = _targets(every_address(widget.settings))
    if not recipients:
        return Outcome("dead", "This widget has no notification email addresses yet.")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        message = _message(app, recipients, "Test email — " + _practice(widget.settings),
                           make_msgid("test", domain="ready-to-rebuild"), time.time())
        context = {"practice_name": _practice(widget.settings), "widget": widget,
                   "smtp": effective_smtp(app).public()}
        _bodies(message, "test", context)
    except Exception as error:  # show the admin what went wrong instead of an error page
        log.exception("Could not build the test email for widget %s", widget.id)
        return Outcome("dead", f"could not build the test email ({type(error).__name__}); see the server log")
    outcome = mailer.deliver(app, message, recipients)
    if outcome.status == "saved_to_file":
        # A file on the server is no test of the practice's inbox: say so rather than "delivered".
        return Outcome("dead", "No email server is set up (the Email server page, or RTR_SMTP_HOST), so the "
                               f"test email was not sent ({outcome.detail}).")
    return outcome


def _send(job: Job, build: Any) -> Outcome:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        recipients = _targets(job.delivery["target"])
        if not recipients:
            return Outcome("dead", "no address this email could go to can be used in an email header; nothing sent")
        message = build(app, job, recipients)
    except Exception as error:  # a broken host template must not lose the lead: keep retrying
        log.exception("Could not build the %s email for delivery %s", job.delivery["channel"], job.delivery["id"])
        return Outcome("retry", f"could not build the email ({type(error).__name__}); see the server log")
    return mailer.deliver(app, message, recipients)


def build_lead_message(app: Flask, job: Job, recipients: list[str]) -> EmailMessage:
    """Return the lead email: Reply-To the visitor, bodies from ``rtr/email/lead.*``.

    It is written for the practice, in English; a request made in another language says so in the
    subject and the body (never at the ``alert`` level, which carries nothing about the person).
    """
    settings = job.widget.settings
    context = lead_context(app, job)
    subject = "New consultation request"
    if context["level"] != "alert" and context["lead"]["language"] != "en":
        subject += f" in {context['language_label']}"
    subject += " — " + _practice(settings)
    message = _message(app, recipients, subject, job.delivery["message_id"], job.lead["created_at"])
    reply_to = _safe_address(job.lead["email"], job.lead["name"])
    if reply_to is not None and context["level"] != "alert":  # alert: no personal data, headers included
        message["Reply-To"] = reply_to
    _bodies(message, "lead", context)
    return message


def build_confirmation_message(app: Flask, job: Job, recipients: list[str]) -> EmailMessage:
    """Return the visitor's confirmation from ``rtr/email/confirmation.*``, in the language they used."""
    settings = job.widget.settings
    language = supported(job.lead.get("language")) or settings.language
    practice_zone = zone(settings.time_zone)
    helpers = template_helpers(language, practice_zone)
    shown = settings.shown_in(language)
    practice = _practice(settings)
    subject = helpers["words"]["confirmation_subject"].format(practice=practice)
    visitor = _safe_address(job.lead["email"])
    message = _message(app, [str(visitor)], subject, job.delivery["message_id"], job.lead["created_at"])
    # Replies reach whoever the request was routed to (the Henderson office, not the main inbox).
    routed = email_route(settings, job.lead.get("service"), job.lead.get("location")).recipients
    practice_inbox = [a for a in routed if _safe_address(a) is not None]
    if practice_inbox:
        message["Reply-To"] = practice_inbox[0]
    context = {**helpers, "practice_name": practice, "response_time": shown.response_time or helpers["words"]["soon"],
               "crisis_notice": shown.crisis_notice, "settings": shown,
               "received_at": format_datetime(job.lead["created_at"], language, practice_zone)}
    _bodies(message, "confirmation", context)
    message["Content-Language"] = language  # after the bodies: setting content clears Content-* headers
    return message


def lead_context(app: Flask, job: Job) -> dict[str, Any]:
    """Return what the lead templates may show, cut to the widget's detail level."""
    level = job.widget.settings.detail_level
    fields = {"full": FULL_FIELDS, "contact": CONTACT_FIELDS, "alert": ()}[level]
    lead = {key: job.lead.get(key) for key in fields}
    if "utm" in lead and isinstance(lead["utm"], str):
        lead["utm"] = json.loads(lead["utm"] or "{}")
    language = str(job.lead.get("language") or "en")
    why = why_sent(job.widget.settings, job.lead, job.delivery["target"], PRACTICE_LANGUAGE,
                   name_choices=level != "alert")
    return {
        "why_sent": why,
        "level": level,
        "lead": lead,
        "has_message": bool(job.lead.get("message")),
        "language_label": language_name(language) if level != "alert" else "",
        "practice_name": _practice(job.widget.settings),
        "received_at": format_datetime(job.lead["created_at"], PRACTICE_LANGUAGE, zone(job.widget.settings.time_zone)),
        "admin_url": admin_lead_url(app, job.lead["public_id"]),
        "widget_name": job.widget.name,
    }


def _message(app: Flask, recipients: list[str], subject: str, message_id: str, sent_at: float) -> EmailMessage:
    message = new_message()
    message["From"] = effective_smtp(app).mail_from
    message["To"] = ", ".join(recipients)
    message["Subject"] = header_text(subject)
    message["Date"] = formatdate(sent_at, usegmt=True)
    message["Message-ID"] = header_text(message_id)
    message["Auto-Submitted"] = "auto-generated"
    return message


def _bodies(message: EmailMessage, name: str, context: dict[str, Any]) -> None:
    message.set_content(render_template(f"rtr/email/{name}.txt", **context), cte="quoted-printable")
    message.add_alternative(render_template(f"rtr/email/{name}.html", **context), subtype="html",
                            cte="quoted-printable")


def _safe_address(email: Any, name: Any = "") -> Address | None:
    """Return a header-safe Address, or None when the address is not one clean mailbox."""
    raw = str(email or "")
    if not is_header_safe(raw) or check_email(raw) is None:
        return None
    local, _, domain = ascii_domain(raw).rpartition("@")
    try:
        return Address(display_name=header_text(name), username=local, domain=domain)
    except (ValueError, IndexError):
        return None


def _targets(target: Any) -> list[str]:
    if isinstance(target, str):
        target = json.loads(target) if target.startswith("[") else [target]
    return usable_addresses(target)


def _practice(settings: WidgetSettings) -> str:
    return header_text(settings.practice_name)


def compose(app: Flask, recipients: list[str], subject: str, template: str, context: dict[str, Any]) -> EmailMessage:
    """Return an email outside any delivery (an invitation, a password reset) from ``rtr/email/<template>.*``."""
    message = _message(app, recipients, subject, make_msgid(template, domain="ready-to-rebuild"), time.time())
    _bodies(message, template, context)
    return message
