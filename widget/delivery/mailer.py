"""Hand a finished message to the SMTP server, or write it as an .eml file when there is none."""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
import time
from collections.abc import Iterable
from email.message import EmailMessage

from flask import Flask

from ..links import public_base_url
from ..ssrf import UnsafeURLError
from .base import Outcome
from .headers import is_header_safe, wire_policy
from .smtp_config import PRIVATE_HOST, SmtpSettings, effective_smtp
from .smtp_connect import CaUnusableError, connect, tls_context

log = logging.getLogger("widget.delivery.mailer")

LOOPBACK = ("localhost", "127.0.0.1", "::1")
ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>@]+>?")
UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


class SmtpRefusedError(Exception):
    """The server said no, or could not be reached; ``outcome`` says whether to try again."""

    def __init__(self, status: str, detail: str) -> None:
        super().__init__(detail)
        self.outcome = Outcome(status, detail)  # type: ignore[arg-type]


def usable_addresses(candidates: Iterable[object]) -> list[str]:
    """Return the candidates that can stand in a header as they are, with domains in ASCII (IDNA)."""
    addresses = (str(candidate).strip() for candidate in candidates)
    return [ascii_domain(address) for address in addresses if address and is_header_safe(address)]


def ascii_domain(address: str) -> str:
    """Return address with an internationalised domain in its ASCII (IDNA) form."""
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return address
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return address


def announce_outbox(app: Flask) -> None:
    """Say at start-up where emails go when no SMTP server is set (or links in them can't be opened)."""
    if not effective_smtp(app).configured:
        app.logger.warning(
            "No SMTP server configured (RTR_SMTP_HOST): emails are written as .eml files to %s",
            outbox_dir(app),
        )
    elif not public_base_url(app):
        app.logger.warning(
            "RTR_PUBLIC_URL is not set: the links in emails and alerts to a request's admin page are bare "
            "paths (/admin/leads/…) that no mail program can open. Set it, e.g. https://widgets.example.com"
        )


def outbox_dir(app: Flask) -> str:
    """Return the folder .eml files go to: ``<instance>/outbox``."""
    return os.path.join(app.instance_path, "outbox")


def deliver(app: Flask, message: EmailMessage, recipients: list[str]) -> Outcome:
    """Send message to recipients through the effective SMTP settings; never raise."""
    try:
        settings = effective_smtp(app)
        if not settings.configured:
            return write_eml(app, message)
        return send_smtp(settings, message, recipients)
    except SmtpRefusedError as failure:
        return failure.outcome
    except Exception as error:  # a bug here must cost a retry, never the lead
        log.exception("Unexpected error while sending %s", message["Message-ID"])
        return Outcome("retry", f"internal error while sending ({type(error).__name__}); see the server log")


def write_eml(app: Flask, message: EmailMessage) -> Outcome:
    """Write message as an .eml file in the outbox folder (replacing one with the same Message-ID).

    The outcome is ``saved_to_file``, never ``delivered``: nobody has received it.
    """
    folder = outbox_dir(app)
    os.makedirs(folder, exist_ok=True)
    stem = UNSAFE_FILENAME.sub("_", str(message["Message-ID"] or time.time_ns()).strip("<>"))
    path = os.path.join(folder, f"{stem}.eml")
    partial = path + ".part"
    try:
        with open(partial, "wb") as handle:
            handle.write(message.as_bytes(policy=wire_policy(needs_smtputf8(message, []))))
        os.replace(partial, path)
    except OSError as error:
        return Outcome("retry", f"could not write {path}: {error.strerror}")
    return Outcome("saved_to_file", f"not sent: no email server is set up; saved as {path}")


def send_smtp(settings: SmtpSettings, message: EmailMessage, recipients: list[str]) -> Outcome:
    """Run one SMTP session; raise SmtpRefusedError with the reply when it does not end in 250.

    What the admin sees says what to do, never what is inside the network: connection failures
    and non-SMTP answers all read the same, with the details in the server log.
    """
    try:
        context = tls_context(settings)
        with connect(settings, context) as smtp:
            _secure(smtp, settings, context)
            if settings.username:
                _login(smtp, settings)
            return _transmit(smtp, settings, message, recipients)
    except SmtpRefusedError:
        raise
    except CaUnusableError:
        raise SmtpRefusedError("retry", "the extra trusted CA certificate (RTR_SMTP_CA_FILE, or the one on the "
                                        "Email server page) could not be used; nothing sent.") from None
    except UnsafeURLError:
        raise SmtpRefusedError("retry", PRIVATE_HOST + " Nothing sent.") from None
    except ssl.SSLCertVerificationError as error:
        raise SmtpRefusedError("retry", f"the server's certificate was not trusted ({error.verify_message}); "
                                   "nothing sent. Add the private CA on the Email server page.") from None
    except smtplib.SMTPResponseException as error:
        if isinstance(error, smtplib.SMTPConnectError) or not 200 <= error.smtp_code < 600:
            raise _unreachable(settings, error) from None  # a greeting that is no SMTP: whatever listens there
        raise SmtpRefusedError(_status(error.smtp_code), reply(error.smtp_code, error.smtp_error)) from None
    except (smtplib.SMTPException, OSError) as error:
        raise _unreachable(settings, error) from None


def _unreachable(settings: SmtpSettings, error: Exception) -> SmtpRefusedError:
    log.warning("SMTP with %s:%s failed: %s: %s", settings.host, settings.port, type(error).__name__, error)
    return SmtpRefusedError("retry", "could not reach the email server, or it did not answer as one; nothing "
                                     "sent. The server log has the details.")


def _secure(smtp: smtplib.SMTP, settings: SmtpSettings, context: ssl.SSLContext) -> None:
    smtp.ehlo()
    if settings.security != "starttls":
        return
    if not smtp.has_extn("starttls"):
        raise SmtpRefusedError("retry", f"{settings.host}:{settings.port} does not offer STARTTLS, which "
                                   "RTR_SMTP_SECURITY=starttls requires; nothing sent.")
    smtp.starttls(context=context)
    smtp.ehlo()


def _login(smtp: smtplib.SMTP, settings: SmtpSettings) -> None:
    if settings.security == "none" and settings.host not in LOOPBACK:
        raise SmtpRefusedError("retry", "refusing to send the SMTP password unencrypted: set "
                                        "RTR_SMTP_SECURITY to starttls or ssl; nothing sent.")
    try:
        smtp.login(settings.username, settings.password)
    except smtplib.SMTPAuthenticationError as error:
        # A refused login says nothing about the message: keep retrying while the admin fixes it.
        raise SmtpRefusedError("retry", "login refused: " + reply(error.smtp_code, error.smtp_error)) from None


def _transmit(smtp: smtplib.SMTP, settings: SmtpSettings, message: EmailMessage,
              recipients: list[str]) -> Outcome:
    utf8 = needs_smtputf8(message, [settings.sender_address, *recipients])
    if utf8 and not smtp.has_extn("smtputf8"):
        raise SmtpRefusedError("dead", "an address has non-ASCII letters and the server does not offer "
                                       "SMTPUTF8; nothing sent.")
    options = ["SMTPUTF8", "BODY=8BITMIME"] if utf8 and smtp.has_extn("8bitmime") else ["SMTPUTF8"] if utf8 else []
    code, text = smtp.mail(settings.sender_address, options)
    if code != 250:
        raise SmtpRefusedError(_status(code), reply(code, text))
    refused = []
    for address in recipients:
        code, text = smtp.rcpt(address)
        if code not in (250, 251):
            refused.append((code, text))
    if len(refused) == len(recipients):
        worst = min(refused, key=lambda item: item[0] >= 500)
        raise SmtpRefusedError(_status(worst[0]), reply(*worst))
    code, text = smtp.data(message.as_bytes(policy=wire_policy(utf8)))
    if code != 250:
        raise SmtpRefusedError(_status(code), reply(code, text))
    detail = reply(code, text)
    if refused:
        detail += f"; {len(refused)} of {len(recipients)} recipients refused ({reply(*refused[0])})"
    return Outcome("delivered", detail)


def reply(code: int, text: bytes | str) -> str:
    """Return an SMTP reply for the admin, with any email address in it masked."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {ADDRESS.sub('<address>', ' '.join(text.split()))}".strip()


def needs_smtputf8(message: EmailMessage, envelope: list[str]) -> bool:
    """Tell whether an address (envelope or header) has a non-ASCII local part or domain."""
    addresses = list(envelope)
    for name in ("From", "To", "Reply-To"):
        header = message[name]
        addresses += [address.addr_spec for address in getattr(header, "addresses", ())]
    return not all(address.isascii() for address in addresses)


def _status(code: int) -> str:
    return "dead" if 500 <= code < 600 else "retry"
