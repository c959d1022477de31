"""The SSRF guard: which addresses webhooks may reach, and that a request goes to the checked one."""

from __future__ import annotations

import ipaddress
import os
import re
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from widget import ssrf

from .support.receiver import Receiver

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

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


def test_the_request_connects_to_the_checked_address_and_keeps_the_host_name() -> None:
    """A name that does not resolve at all still reaches the pinned address: no second lookup."""
    with Receiver() as receiver:
        target = ssrf.Target(url=f"http://hooks.example.invalid:{receiver.port}/hook", scheme="http",
                             host="hooks.example.invalid", port=receiver.port, address="127.0.0.1")
        with ssrf.pinned_session(target) as session:
            response = session.post(target.url, data=b"{}", timeout=5, allow_redirects=False)
        assert response.status_code == 200
        [got] = receiver.received()
        assert got.headers["host"] == f"hooks.example.invalid:{receiver.port}"


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """An HTTPS server on 127.0.0.1 whose certificate names only hooks.example.test."""
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
        tls_server: tuple[int, str, list[str]]) -> None:
    port, ca_file, hosts = tls_server
    target = ssrf.Target(url=f"https://hooks.example.test:{port}/hook", scheme="https", host="hooks.example.test",
                         port=port, address="127.0.0.1")
    with ssrf.pinned_session(target) as session:
        response = session.post(target.url, data=b"{}", timeout=5, verify=ca_file)
    assert response.status_code == 204
    assert hosts == [f"hooks.example.test:{port}"]


def test_https_certificate_for_another_name_is_refused(tls_server: tuple[int, str, list[str]]) -> None:
    port, ca_file, hosts = tls_server
    target = ssrf.Target(url=f"https://other.example.test:{port}/hook", scheme="https", host="other.example.test",
                         port=port, address="127.0.0.1")
    with ssrf.pinned_session(target) as session, pytest.raises(requests.exceptions.SSLError):
        session.post(target.url, data=b"{}", timeout=5, verify=ca_file)
    assert hosts == []


def test_proxy_environment_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    with Receiver() as receiver:
        target = ssrf.check_url(receiver.url(), allow_private=True)
        with ssrf.pinned_session(target) as session:
            assert session.post(target.url, data=b"{}", timeout=5).status_code == 200
    assert len(receiver.received()) == 1


@pytest.mark.parametrize(("url", "allow", "refused"), [
    ("http://127.0.0.1:9/hook", False, True), ("http://127.0.0.1:9/hook", True, False),
    ("ftp://example.com/", True, True), ("https://no-such-host.invalid/", False, False),
    ("http://[fd00:ec2::254]/", True, True),
])
def test_url_problem_for_settings_forms(url: str, allow: bool, refused: bool) -> None:
    assert (ssrf.url_problem(url, allow_private=allow) is not None) is refused


# The pin's hook exists only from requests 2.32.3 -----------------------------------------------

WITHOUT_THE_HOOK = """
from requests.adapters import HTTPAdapter
del HTTPAdapter.build_connection_pool_key_attributes  # what requests 2.32.2 and older look like
import widget.ssrf
"""


def test_import_fails_clearly_when_requests_lacks_the_pin_hook() -> None:
    result = subprocess.run([sys.executable, "-c", WITHOUT_THE_HOOK], capture_output=True, text=True, timeout=60,
                            cwd=ROOT)
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("ImportError: Ready to Rebuild needs requests 2.32.3 or later"), last_line
    assert "pip install 'requests>=2.32.3'" in last_line


def test_setup_cfg_asks_for_the_requests_that_has_the_hook() -> None:
    requirements = Path(ROOT, "setup.cfg").read_text(encoding="utf-8")
    assert re.search(r"^\s+requests>=2\.32\.3$", requirements, re.MULTILINE)
    assert tuple(int(n) for n in requests.__version__.split(".")[:3]) >= (2, 32, 3)
