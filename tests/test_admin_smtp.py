"""The Email server page can't collect the deployment's password, probe the network, or read the disk."""

from __future__ import annotations

import re
import socketserver
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget.delivery.smtp_config import PRIVATE_HOST, SMTP_KEY, smtp_overrides
from widget.queries.installation import write_document
from widget.state import get_state

from .support.admin_pages import read_form
from .support.admin_session import signed_in
from .support.smtp import Certificate, SmtpServer, free_port, make_certificate

ENV_LOGIN = ("intake", "the deployment's own secret")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return make_certificate(tmp_path_factory.mktemp("smtp-page-tls"))


def page_app(make_app: Callable[..., Flask], env_server: SmtpServer | None = None, **config: Any) -> Flask:
    """An installation whose operator set RTR_SMTP_* (a loopback relay with a login), with the demo widget."""
    env = {}
    if env_server is not None:
        env = {"RTR_SMTP_HOST": "127.0.0.1", "RTR_SMTP_PORT": env_server.port, "RTR_SMTP_SECURITY": "none",
               "RTR_SMTP_USERNAME": ENV_LOGIN[0], "RTR_SMTP_PASSWORD": ENV_LOGIN[1]}
    app = make_app(**{**env, **config})
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    return app


def save_page(admin: FlaskClient, **fields: str) -> Any:
    form = read_form(admin.get("/admin/smtp").get_data(as_text=True), "smtp-form")
    form.update(fields)
    return admin.post("/admin/smtp", data=form)


def send_a_test(admin: FlaskClient) -> str:
    token = read_form(admin.get("/admin/widgets/demo").get_data(as_text=True))["csrf_token"]
    html = admin.post("/admin/widgets/demo/test", data={"csrf_token": token}).get_data(as_text=True)
    outcome = html[html.index('id="test-outcome"'):].split("</div>")[0]
    return " ".join(re.sub(r"<[^>]+>", " ", outcome).split())


def field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', html, re.S)
    return match.group(1) if match else ""


# Credentials go only to the server they were given for --------------------------------------------

def test_pointing_the_page_elsewhere_never_hands_over_the_deployments_password(
        make_app: Callable[..., Flask]) -> None:
    with SmtpServer(auth=ENV_LOGIN, auth_require_tls=False) as own, \
            SmtpServer(auth=("anyone", "anything"), auth_require_tls=False) as theirs:
        app = page_app(make_app, own, RTR_SMTP_ALLOW_PRIVATE=True)
        admin = signed_in(app.test_client())
        assert "Email: delivered" in send_a_test(admin)
        assert own.offered_logins == [ENV_LOGIN] and own.received[0].login == ENV_LOGIN[0]
        assert save_page(admin, host="127.0.0.1", port=str(theirs.port)).status_code == 302
        outcome = send_a_test(admin)
    print(f"\nthe page's own server received {len(theirs.received)} message(s), logins {theirs.offered_logins}")
    assert theirs.offered_logins == [], "no username or password reached the other server"
    assert "Email: delivered" in outcome and len(theirs.received) == 1 and theirs.received[0].login is None


def test_a_saved_password_is_dropped_when_the_server_changes(make_app: Callable[..., Flask]) -> None:
    with SmtpServer(auth=("me", "saved secret"), auth_require_tls=False) as first, \
            SmtpServer(auth=("me", "anything"), auth_require_tls=False) as second:
        app = page_app(make_app, RTR_SMTP_ALLOW_PRIVATE=True)
        admin = signed_in(app.test_client())
        assert save_page(admin, host="127.0.0.1", port=str(first.port), security="none", username="me",
                         password="saved secret").status_code == 302
        assert "Email: delivered" in send_a_test(admin) and first.offered_logins == [("me", "saved secret")]
        moved = save_page(admin, port=str(second.port))
        assert moved.status_code == 302
        assert "saved password was removed" in admin.get("/admin/smtp").get_data(as_text=True)
        assert "password" not in smtp_overrides(get_state(app).store)
        send_a_test(admin)
    assert all(password != "saved secret" for _, password in second.offered_logins)


# The private-address guard -------------------------------------------------------------------------

@pytest.mark.parametrize("fields", [
    {"host": "127.0.0.1", "port": "25"}, {"host": "localhost"}, {"host": "10.0.0.5", "port": "6379"},
    {"host": "169.254.169.254"}, {"host": "[::1]"}, {"host": "::ffff:127.0.0.1"}, {"port": "6379"},
], ids=["loopback", "localhost", "private", "metadata", "ipv6 loopback", "mapped", "port of the own host"])
def test_the_page_refuses_servers_inside_the_network(make_app: Callable[..., Flask], fields: dict[str, str]) -> None:
    with SmtpServer() as own:
        app = page_app(make_app, own)
        response = save_page(signed_in(app.test_client()), **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(html, "host" if "host" in fields else "port") == PRIVATE_HOST.replace("'", "&#39;")
    assert smtp_overrides(get_state(app).store) == {}


def test_the_guard_runs_again_when_sending(make_app: Callable[..., Flask]) -> None:
    with SmtpServer() as other:
        app = page_app(make_app, RTR_SMTP_ALLOW_PRIVATE=True)
        admin = signed_in(app.test_client())
        assert save_page(admin, host="127.0.0.1", port=str(other.port), security="none").status_code == 302
        app.config["RTR_SMTP_ALLOW_PRIVATE"] = False  # say the name now points inside
        outcome = send_a_test(admin)
    assert "private or internal" in outcome and other.data_commands == 0


def test_the_deployments_own_server_may_be_private(make_app: Callable[..., Flask]) -> None:
    with SmtpServer(auth=ENV_LOGIN, auth_require_tls=False) as own:
        app = page_app(make_app, own)
        admin = signed_in(app.test_client())
        assert save_page(admin, mail_from="Harbor Light <intake@example.com>").status_code == 302
        assert "Email: delivered" in send_a_test(admin)
    assert own.received[0].login == ENV_LOGIN[0]


# Errors say nothing about what is inside ----------------------------------------------------------

class BannerServer:
    """A TCP service that is not SMTP: it greets with a line of its own and hangs up."""

    def __init__(self, banner: bytes) -> None:
        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                self.request.sendall(banner)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> BannerServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def probes() -> Iterator[dict[str, int]]:
    with BannerServer(b"-ERR internal-redis 7.2 unknown command\r\n") as redis, \
            BannerServer(b"HTTP/1.1 400 Bad Request\r\nServer: internal-admin-panel\r\n\r\n") as http, \
            BannerServer(b"554 internal-relay.corp.example ESMTP not for you\r\n") as refusing:
        yield {"closed port": free_port(), "redis": redis.port, "http": http.port, "refusing relay": refusing.port}


def test_failed_tests_look_the_same_whatever_listens_there(make_app: Callable[..., Flask],
                                                           probes: dict[str, int]) -> None:
    app = page_app(make_app, RTR_SMTP_ALLOW_PRIVATE=True)
    admin = signed_in(app.test_client())
    outcomes = {}
    for name, port in probes.items():
        assert save_page(admin, host="127.0.0.1", port=str(port), security="none").status_code == 302
        outcomes[name] = send_a_test(admin)
    print("\n" + "\n".join(f"{name}: {text}" for name, text in outcomes.items()))
    assert len(set(outcomes.values())) == 1, outcomes
    shown = next(iter(outcomes.values()))
    assert "could not reach the email server" in shown
    for leak in ("refused", "Errno", "internal", "redis", "HTTP", "554", "127.0.0.1", *map(str, probes.values())):
        assert leak not in shown


# The CA is pasted, never a path on the server ------------------------------------------------------

def test_a_path_typed_as_the_ca_is_refused_the_same_whether_it_exists_or_not(
        make_app: Callable[..., Flask], tmp_path: Path) -> None:
    app = page_app(make_app)
    admin = signed_in(app.test_client())
    errors = {path: field_error(save_page(admin, ca_certificate=path).get_data(as_text=True), "ca_certificate")
              for path in ("/etc/hostname", "/etc/ssl/certs/ca-certificates.crt", str(tmp_path / "nope.pem"))}
    assert len(set(errors.values())) == 1 and "Paste the certificate itself" in next(iter(errors.values()))
    assert smtp_overrides(get_state(app).store) == {}


def test_a_pasted_ca_certificate_lets_starttls_through(make_app: Callable[..., Flask],
                                                       certificate: Certificate) -> None:
    with SmtpServer(starttls=certificate.server_context()) as server:
        app = page_app(make_app, RTR_SMTP_ALLOW_PRIVATE=True)
        admin = signed_in(app.test_client())
        assert save_page(admin, host="127.0.0.1", port=str(server.port), security="starttls").status_code == 302
        untrusted = send_a_test(admin)
        pem = Path(certificate.cert_file).read_text(encoding="ascii")
        assert save_page(admin, ca_certificate=pem).status_code == 302
        trusted = send_a_test(admin)
    assert "not trusted" in untrusted and "Email: delivered" in trusted
    assert len(server.received) == 1 and server.received[0].tls


def test_an_older_saved_ca_path_fails_the_same_whether_the_file_exists_or_not(
        make_app: Callable[..., Flask], certificate: Certificate, tmp_path: Path) -> None:
    """A path saved before the page took pasted certificates still works, but tells nothing when it fails."""
    with SmtpServer(starttls=certificate.server_context()) as server:
        app = page_app(make_app, RTR_SMTP_ALLOW_PRIVATE=True)
        admin = signed_in(app.test_client())
        store = get_state(app).store
        outcomes = {}
        for path in ("/etc/hostname", str(tmp_path / "nope.pem"), certificate.cert_file):
            write_document(store, SMTP_KEY,
                           {"host": "127.0.0.1", "port": server.port, "security": "starttls", "ca_file": path})
            outcomes[path] = send_a_test(admin)
    not_a_cert, missing, good = outcomes.values()
    assert not_a_cert == missing and "could not be used" in missing and "nope" not in missing
    assert "Email: delivered" in good
