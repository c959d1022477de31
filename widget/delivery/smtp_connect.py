"""Open the SMTP connection: verifying TLS, and for a server set on the admin page, only a checked address.

A host or port chosen on the admin page is resolved and checked like a webhook's (no loopback,
private or metadata addresses, unless RTR_SMTP_ALLOW_PRIVATE), then the connection goes to that
very address while TLS still checks the certificate for the name, so DNS can't answer differently
the second time. The deployment's own RTR_SMTP_HOST is the operator's choice and is used as is.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from typing import Any

from ..ssrf import checked_address
from .smtp_config import SmtpSettings

log = logging.getLogger("widget.delivery.smtp")

SMTP_TIMEOUT = 30.0


class CaUnusableError(Exception):
    """The extra trusted CA could not be loaded (the reason goes to the server log only)."""


def tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    """Return a verifying TLS context, trusting the private CA (file or pasted certificate) too."""
    context = ssl.create_default_context()
    try:
        if settings.ca_file:
            context.load_verify_locations(cafile=settings.ca_file)
        if settings.ca_certificate:
            context.load_verify_locations(cadata=settings.ca_certificate)
    except (OSError, ssl.SSLError, ValueError) as error:
        # Missing file, unreadable, not a certificate: one answer for all, or the admin page could
        # tell which paths exist on the server.
        log.warning("The extra trusted CA for SMTP could not be loaded: %s", error)
        raise CaUnusableError() from None
    return context


def connect(settings: SmtpSettings, context: ssl.SSLContext) -> smtplib.SMTP:
    """Connect and read the greeting; raise UnsafeURLError for a guarded host at a forbidden address."""
    address = checked_address(settings.host, settings.port, settings.allow_private) if settings.guarded else None
    if settings.security == "ssl":
        return PinnedSMTPSSL(address, settings.host, settings.port, timeout=SMTP_TIMEOUT, context=context)
    return PinnedSMTP(address, settings.host, settings.port, timeout=SMTP_TIMEOUT)


class _Pinned(smtplib.SMTP):
    """Open the socket to the checked address (when there is one) instead of resolving the name again.

    The name stays smtplib's ``_host``, so STARTTLS and implicit TLS check the certificate for it.
    """

    def __init__(self, address: str | None, *args: Any, **kwargs: Any) -> None:
        self.pinned_address = address  # set first: the constructor connects
        super().__init__(*args, **kwargs)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return super()._get_socket(self.pinned_address or host, port, timeout)  # type: ignore[misc]


class PinnedSMTP(_Pinned):
    """smtplib.SMTP, pinned."""


class PinnedSMTPSSL(_Pinned, smtplib.SMTP_SSL):
    """smtplib.SMTP_SSL, pinned."""
