"""Email headers that can't break out of their line, on every Python version we support.

Python's email package before 3.11.10 and 3.12.5 (CVE-2024-6923) decodes an RFC 2047
encoded-word such as ``=?utf-8?q?x=0D=0ABcc:_evil@example.com?=`` when it refolds a header, and
writes the CR LF it carries as a real line break: a visitor's name could add a Bcc or replace the
body. Every message we build and send uses ``POLICY``, the one place each header value passes,
twice: when it is stored and when it is written out. Text becomes one line and every ``=?`` (the
only way an encoded-word can start) becomes ``= ?``, so no parser finds anything to decode. An
address that would need changing to be safe is refused (ValueError) instead.

This module uses the standard library only (a test runs it under every Python on the machine).
"""

from __future__ import annotations

import re
from email.headerregistry import Address, Group
from email.message import EmailMessage
from email.policy import EmailPolicy
from typing import Any

#: Control characters, C1 controls (NEL included) and Unicode line breaks: never inside a header.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
ENCODED_WORD_START = "=?"


def header_text(value: object) -> str:
    """Return value as one header-safe line: no control characters, no encoded-word starts."""
    text = " ".join(CONTROL.sub(" ", str(value)).split())
    return text.replace(ENCODED_WORD_START, "= ?")


def is_header_safe(text: str) -> bool:
    """Tell whether text can go into a header exactly as it is."""
    return header_text(text) == text


def header_address(address: Address) -> Address:
    """Return address with a header-safe display name; raise ValueError if the address itself is unsafe."""
    if not is_header_safe(address.addr_spec):
        raise ValueError("an email address with a line break or an encoded-word can't go into a header")
    return Address(display_name=header_text(address.display_name), addr_spec=address.addr_spec)


class HeaderSafePolicy(EmailPolicy):
    """EmailPolicy that makes every header value header-safe when it is stored and when it is written."""

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:
        return super().header_store_parse(name, _safe_value(value))

    def fold(self, name: str, value: Any) -> str:
        return super().fold(name, self._rebuilt_if_unsafe(name, value))

    def fold_binary(self, name: str, value: Any) -> bytes:
        return super().fold_binary(name, self._rebuilt_if_unsafe(name, value))

    def _rebuilt_if_unsafe(self, name: str, value: Any) -> Any:
        # A message built under another policy may hold decoded line breaks or encoded-words.
        if is_header_safe(str(value)):
            return value
        return self.header_factory(name, header_text(value))


def _safe_value(value: Any) -> Any:
    if isinstance(value, Address):
        return header_address(value)
    if isinstance(value, Group):
        return Group(header_text(value.display_name) if value.display_name else None,
                     [header_address(address) for address in value.addresses])
    if isinstance(value, (list, tuple)):
        return [_safe_value(item) for item in value]
    return header_text(value)


#: The policy every message is built with (the SMTP line ending; utf8 is chosen when sending).
POLICY = HeaderSafePolicy(linesep="\r\n")


def new_message() -> EmailMessage:
    """Return an empty message whose headers all go through the header-safe policy."""
    return EmailMessage(policy=POLICY)


def wire_policy(utf8: bool) -> HeaderSafePolicy:
    """Return the policy to write a message for SMTP or an .eml file (SMTPUTF8 when utf8)."""
    return POLICY.clone(utf8=utf8) if utf8 else POLICY
