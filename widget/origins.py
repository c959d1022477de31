"""Read web addresses and origins that come from outside: headers, query strings, settings, the CLI.

``urllib.parse`` raises ValueError on some input (an unmatched ``[`` in the host, a port that is
not a number or out of range). Every parse of outside input goes through this module, which
answers None instead, so each caller turns it into a 4xx or a message naming the field.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from urllib.parse import SplitResult, urlsplit

import idna
from publicsuffixlist import PublicSuffixList

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


# Allowed sites as people type them ----------------------------------------------------------------

#: Said for a site that can't be read; the admin puts "Line N:" before it.
NOT_A_SITE = "Type your website's address, like desertbloom.com or https://www.desertbloom.com."
LOOKS_LIKE_EMAIL = "That looks like an email address: type the website instead, like desertbloom.com."
NO_WILDCARDS = "Name each site on its own line (no *)."
SHARED_SUFFIX = "That is an ending many sites share (like .com or github.io): type the whole website address."
#: Hosts that are only ever on the practice's own computer: kept exactly as typed, no twin, http allowed alone.
LOCAL_HOSTS = ("localhost",)
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_SITE_LIMIT = 300


def site_origins(text: str) -> list[str] | str:
    """Return the origins a typed site stands for, or the message saying why it can't be read.

    Accepts what people type or paste: ``desertbloom.com``, ``www.desertbloom.com``,
    ``https://desertbloom.com/blog/post?x=1``, with spaces, capitals and a trailing dot. A name
    without a scheme is https. The www and bare names of one site are twins: either brings the
    other. A subdomain (``blog.desertbloom.com``) is only itself. A typed ``http://`` name also
    brings its https version, which is what browsers move to; ``localhost`` and IP addresses are
    kept exactly as typed (http when no scheme is typed). International names are stored in the
    ASCII (punycode) form browsers send. A port other than the scheme's default is kept.
    """
    try:
        return _site_origins(text)
    except _UnreadableSiteError as problem:
        return str(problem)


class _UnreadableSiteError(ValueError):
    """A typed site that can't be read; its text is the message to show."""


def _site_origins(text: str) -> list[str]:
    typed = "".join(text.split()).rstrip("/")
    if not typed or len(typed) > _SITE_LIMIT:
        raise _UnreadableSiteError(NOT_A_SITE)
    has_scheme = "://" in typed
    parts = split_url(typed if has_scheme else "https://" + typed.lstrip("/"))
    if parts is None or parts.scheme.lower() not in WEB_SCHEMES:
        raise _UnreadableSiteError(NOT_A_SITE)
    if parts.username is not None or parts.password is not None:
        raise _UnreadableSiteError(LOOKS_LIKE_EMAIL)
    host, scheme, port = _ascii_host(parts.hostname or ""), parts.scheme.lower(), parts.port
    if host in LOCAL_HOSTS or _is_ip(host):
        return [_join(scheme if has_scheme else "http", host, port)]
    if _suffixes().privatesuffix(host) is None:
        raise _UnreadableSiteError(SHARED_SUFFIX)
    schemes = ["https", "http"] if scheme == "http" else ["https"]
    return [_join(each, name, port) for each in schemes for name in (host, *_twins(host))]


def _ascii_host(host: str) -> str:
    host = host.rstrip(".").lower()
    if "*" in host:
        raise _UnreadableSiteError(NO_WILDCARDS)
    if _is_ip(host):
        return host
    try:
        host = host if host.isascii() else idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        raise _UnreadableSiteError(NOT_A_SITE) from None
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise _UnreadableSiteError(NOT_A_SITE)
    if len(labels) == 1 and host not in LOCAL_HOSTS:
        raise _UnreadableSiteError(NOT_A_SITE)
    return host


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _twins(host: str) -> list[str]:
    """Return the other name of the same site: ``www.`` added to a bare domain, or taken off."""
    site = _suffixes().privatesuffix(host)
    if host == site:
        return ["www." + host]
    if host == "www." + str(site):
        return [str(site)]
    return []


def _join(scheme: str, host: str, port: int | None) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    suffix = f":{port}" if port and port != DEFAULT_PORTS[scheme] else ""
    return f"{scheme}://{host}{suffix}"


@functools.cache
def _suffixes() -> PublicSuffixList:
    # Read once: the bundled Public Suffix List, so no network is needed.
    return PublicSuffixList()


def unicode_host(origin: str) -> str:
    """Return an origin with its punycode host written in Unicode, for people to read."""
    scheme, _, rest = origin.partition("://")
    if "xn--" not in rest:
        return origin
    try:
        host, colon, port = rest.partition(":")
        return f"{scheme}://{idna.decode(host)}{colon}{port}"
    except idna.IDNAError:
        return origin
