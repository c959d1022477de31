"""The SSRF guard: which addresses webhooks may reach, and that a request goes to the checked one."""

from __future__ import annotations

import ipaddress
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import urllib3

from widget import ssrf

from .support.receiver import Receiver

REFUSED = [
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("::1", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("192.168.1.1", "private"),
    ("fc00::1", "private"),
    ("169.254.169.254", "metadata"),
    ("169.254.1.1", "link-local"),
    ("fe80::1", "link-local"),
    ("fd00:ec2::254", "metadata"),
    ("100.100.100.200", "metadata"),
    ("100.64.0.1", "private"),
    ("100.127.255.254", "private"),
    ("0.0.0.0", "reserved"),
    ("::", "reserved"),
    ("224.0.0.1", "reserved"),
    ("240.0.0.1", "reserved"),
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:10.0.0.1", "private"),
    ("::ffff:169.254.169.254", "metadata"),
    ("64:ff9b::7f00:1", "loopback"),
    ("64:ff9b::a9fe:a9fe", "metadata"),
    ("64:ff9b::c0a8:101", "private"),
    ("64:ff9b:1::a00:1", "private"),
    ("2002:7f00:1::", "loopback"),
    ("2002:a9fe:a9fe::", "metadata"),
    ("::127.0.0.1", "loopback"),
]
ALLOWED = ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]


@pytest.mark.parametrize(("address", "kind"), REFUSED)
def test_non_global_addresses_are_refused(address: str, kind: str) -> None:
    problem = ssrf.address_problem(ipaddress.ip_address(address))
    assert problem is not None
    word = {"metadata": "metadata", "link-local": "link-local", "loopback": "loopback",
            "private": "private", "reserved": "reserved"}[kind]
    assert word in problem


@pytest.mark.parametrize("address", ALLOWED)
def test_global_addresses_are_allowed(address: str) -> None:
    assert ssrf.address_problem(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "10.0.0.1", "192.168.0.9", "::ffff:127.0.0.1"])
def test_allow_private_opens_loopback_and_private(address: str) -> None:
    assert ssrf.address_problem(ipaddress.ip_address(address), allow_private=True) is None


@pytest.mark.parametrize("address", ["169.254.169.254", "fd00:ec2::254", "100.64.0.1", "0.0.0.0"])
def test_allow_private_still_refuses_metadata_and_shared_space(address: str) -> None:
    assert ssrf.address_problem(ipaddress.ip_address(address), allow_private=True) is not None


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "gopher://a/", "javascript:alert(1)",
                                 "//example.com/hook", "http:///nohost", "http://[::1/"])
def test_only_http_urls_with_a_host(url: str) -> None:
    with pytest.raises(ssrf.UnsafeURLError):
        ssrf.check_url(url)


@pytest.mark.parametrize("url", ["http://localhost:8080/hook", "http://LOCALHOST./hook", "http://2130706433/",
                                 "http://0x7f.1/", "http://0177.0.0.1/", "http://[::ffff:7f00:1]/",
                                 "http://169.254.169.254/latest/meta-data/", "https://10.0.0.5/hook"])
def test_names_and_odd_spellings_are_resolved_before_the_check(url: str) -> None:
    with pytest.raises(ssrf.UnsafeURLError) as caught:
        ssrf.check_url(url)
    assert "may not reach" in str(caught.value)


def test_unresolvable_host_is_a_resolve_error_not_unsafe() -> None:
    with pytest.raises(ssrf.ResolveError):
        ssrf.check_url("https://no-such-host.invalid/hook")


def test_check_url_returns_the_address_to_connect_to() -> None:
    target = ssrf.check_url("http://localhost:8123/hook", allow_private=True)
    assert target.address in ("127.0.0.1", "::1")
    assert (target.host, target.port, target.host_header) == ("localhost", 8123, "localhost:8123")


def post(target: ssrf.Target) -> int:
    """POST {} through the target's pinned pool as the webhook transport does; return the status."""
    with ssrf.pinned_pool(target) as pool:
        path = target.url.split(target.host_header, 1)[1]
        return pool.urlopen("POST", path, body=b"{}", headers={"Host": target.host_header}, timeout=5,
                            redirect=False).status


def test_the_request_connects_to_the_checked_address_and_keeps_the_host_name() -> None:
    """A name that does not resolve at all still reaches the pinned address: no second lookup."""
    with Receiver() as receiver:
        target = ssrf.Target(url=f"http://hooks.example.invalid:{receiver.port}/hook", scheme="http",
                             host="hooks.example.invalid", port=receiver.port, address="127.0.0.1")
        assert post(target) == 200
        [got] = receiver.received()
        assert got.headers["host"] == f"hooks.example.invalid:{receiver.port}"


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """An HTTPS server on 127.0.0.1 whose certificate names only hooks.example.test.

    It answers 204, or on ``/trickle`` a 204 whose status line and headers come a byte every 0.1 s.
    """
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-days", "1", "-subj", "/CN=hooks.example.test", "-addext", "subjectAltName=DNS:hooks.example.test",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    hosts: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            hosts.append(self.headers["Host"])
            if self.path == "/trickle":
                for byte in b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n":
                    self.wfile.write(bytes([byte]))
                    time.sleep(0.1)
                return
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], str(cert), hosts
    server.shutdown()
    server.server_close()


def test_https_pins_the_address_but_verifies_the_certificate_for_the_name(
        tls_server: tuple[int, str, list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    port, ca_file, hosts = tls_server
    monkeypatch.setattr(ssrf.certifi, "where", lambda: ca_file)
    target = ssrf.Target(url=f"https://hooks.example.test:{port}/hook", scheme="https", host="hooks.example.test",
                         port=port, address="127.0.0.1")
    assert post(target) == 204
    assert hosts == [f"hooks.example.test:{port}"]


def test_https_certificate_for_another_name_is_refused(tls_server: tuple[int, str, list[str]],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    port, ca_file, hosts = tls_server
    monkeypatch.setattr(ssrf.certifi, "where", lambda: ca_file)
    target = ssrf.Target(url=f"https://other.example.test:{port}/hook", scheme="https", host="other.example.test",
                         port=port, address="127.0.0.1")
    with pytest.raises(urllib3.exceptions.SSLError):
        post(target)
    assert hosts == []


def test_proxy_environment_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    with Receiver() as receiver:
        assert post(ssrf.check_url(receiver.url(), allow_private=True)) == 200
    assert len(receiver.received()) == 1


@pytest.mark.parametrize(("url", "allow", "refused"), [
    ("http://127.0.0.1:9/hook", False, True), ("http://127.0.0.1:9/hook", True, False),
    ("ftp://example.com/", True, True), ("https://no-such-host.invalid/", False, False),
    ("http://[fd00:ec2::254]/", True, True),
])
def test_url_problem_for_settings_forms(url: str, allow: bool, refused: bool) -> None:
    assert (ssrf.url_problem(url, allow_private=allow) is not None) is refused
