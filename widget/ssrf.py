"""Keep webhooks from reaching inside the network (SSRF), and connect only to the address checked.

A URL is resolved once; every address it resolves to must be global. The request then goes out
through a urllib3 pool made for that very address (``pinned_pool``), while the Host header and TLS
SNI and certificate check keep the name, so DNS can't answer differently the second time. A pool
may be kept for later sends only while a fresh check gives the same address.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Cloud metadata services that are not link-local (AWS's IPv6 one, Alibaba's, Oracle's).
METADATA = [ipaddress.ip_network(n) for n in ("fd00:ec2::254/128", "100.100.100.200/32", "192.0.0.192/32")]
NAT64 = [ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48")]


class UnsafeURLError(ValueError):
    """The URL is not allowed as a webhook target; the message says why, for the admin."""


class ResolveError(OSError):
    """The host name did not resolve (possibly for a while): worth trying again later."""


@dataclass(frozen=True)
class Target:
    """A checked URL and the address to connect to."""

    url: str
    scheme: str
    host: str
    port: int
    address: str

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """Return the IPv4 address an IPv6 one carries (mapped, NAT64, 6to4, Teredo, compatible)."""
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if any(address in net for net in NAT64) or (int(address) >> 32 == 0 and int(address) > 0xFFFF):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    return None


def address_problem(address: IPAddress, allow_private: bool = False) -> str | None:
    """Return why the address may not be called, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None:
            return address_problem(inner, allow_private)
        if address.scope_id:
            return "an address with a zone index"
    if address.is_link_local or any(address in net for net in METADATA):
        return "a link-local or cloud metadata address"
    if address.is_loopback:
        return None if allow_private else "a loopback address"
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return "a reserved address"
    if allow_private and address.is_private:
        return None
    if not address.is_global:
        return "a private or internal address"
    return None


def check_url(url: str, allow_private: bool = False) -> Target:
    """Resolve the URL's host and return where to connect; raise UnsafeURLError or ResolveError."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeURLError(f"The webhook URL is not valid ({error}).") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeURLError("The webhook URL must start with http:// or https://.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeURLError("The webhook URL has no host name.")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        address = checked_address(host, port, allow_private)
    except UnsafeURLError as error:
        raise UnsafeURLError(f"The webhook host {host} points to {error}, which webhooks may not reach.") from None
    return Target(url=url, scheme=parts.scheme, host=host, port=port, address=address)


def checked_address(host: str, port: int, allow_private: bool = False) -> str:
    """Resolve host and return the address to connect to; raise UnsafeURLError naming what one of them is."""
    addresses = _resolve(host, port)
    for address in addresses:
        problem = address_problem(address, allow_private)
        if problem:
            raise UnsafeURLError(problem)
    return str(addresses[0])


def url_problem(url: str, allow_private: bool = False) -> str | None:
    """Return why a webhook URL may not be used (for a form's field message), or None.

    A host that does not resolve right now is not a problem here: DNS may be briefly down, and
    every send checks again.
    """
    try:
        check_url(url, allow_private)
    except UnsafeURLError as error:
        return str(error)
    except ResolveError:
        return None
    return None


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise ResolveError(f"The webhook host {host} could not be resolved ({error}).") from None
    seen: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address not in seen:
            seen.append(address)
    if not seen:
        raise ResolveError(f"The webhook host {host} has no address.")
    return seen


def pinned_pool(target: Target, maxsize: int = 10, http_class: type[HTTPConnectionPool] = HTTPConnectionPool,
                https_class: type[HTTPSConnectionPool] = HTTPSConnectionPool) -> HTTPConnectionPool:
    """Return a keep-alive urllib3 pool that connects only to ``target.address``.

    TLS sends the URL's host name (SNI) and checks the certificate against it (certifi's CA bundle);
    send ``Host: target.host_header`` with each request. urllib3 reads no proxy settings from the
    environment.
    """
    if target.scheme == "https":
        return https_class(target.address, target.port, maxsize=maxsize, retries=False,
                           server_hostname=target.host, assert_hostname=target.host,
                           cert_reqs="CERT_REQUIRED", ca_certs=certifi.where())
    return http_class(target.address, target.port, maxsize=maxsize, retries=False)
