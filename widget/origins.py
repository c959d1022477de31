"""Read web addresses and origins that come from outside: headers, query strings, settings, the CLI.

``urllib.parse`` raises ValueError on some input (an unmatched ``[`` in the host, a port that is
not a number or out of range). Every parse of outside input goes through this module, which
answers None instead, so each caller turns it into a 4xx or a message naming the field.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

WEB_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}


def split_url(text: str) -> SplitResult | None:
    """Return the parts of a URL whose host and port can be read, else None."""
    try:
        parts = urlsplit(text.strip())
        parts.port  # noqa: B018  (reading it raises ValueError for a port that is not a number)
    except ValueError:
        return None
    return parts


def is_web_address(text: str) -> bool:
    """True when text is a full http:// or https:// address with a host name."""
    parts = split_url(text)
    return parts is not None and parts.scheme in WEB_SCHEMES and bool(parts.hostname)


def normalise_origin(text: str) -> str | None:
    """Return ``scheme://host[:port]`` in lower case, or None when text is not exactly an origin."""
    parts = split_url(text)
    if parts is None or parts.scheme not in WEB_SCHEMES or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        return None
    return _origin(parts)


def origin_of(url: str) -> str | None:
    """Return the origin of a full http(s) address (say, a Referer), or None."""
    parts = split_url(url)
    if parts is None or parts.scheme not in WEB_SCHEMES or not parts.hostname:
        return None
    return _origin(parts)


def _origin(parts: SplitResult) -> str:
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    suffix = f":{port}" if port and port != DEFAULT_PORTS[parts.scheme] else ""
    return f"{parts.scheme}://{host}{suffix}"
