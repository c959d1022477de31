"""Check and normalise email addresses, without network lookups."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


def check_email(value: str) -> str | None:
    """Return the normalised address, or None when it is not a valid email (no network lookups)."""
    try:
        address = validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return None
    # An RFC 2047 encoded-word is legal in a local part but is no one's real address, and older
    # Pythons decode it inside headers (CVE-2024-6923): refuse it wherever an address is entered.
    return None if "=?" in address else address
