"""The SMTP transport against real aiosmtpd servers: TLS verification, login, replies, .eml outbox."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask

from widget.delivery import mailer
from widget.delivery.smtp_config import (
    clear_smtp_overrides,
    effective_smtp,
    save_smtp_overrides,
    smtp_overrides,
)
from widget.state import get_state

from .conftest import missing
from .support.smtp import Certificate, SmtpServer, make_certificate


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    if shutil.which("openssl") is None:
        missing("the openssl command (to make a self-signed certificate)")
    return make_certificate(tmp_path_factory.mktemp("tls"))


def smtp_app(make_app: Callable[..., Flask], server: SmtpServer, security: str = "none", **config: object) -> Flask:
    return make_app(RTR_SMTP_HOST="127.0.0.1", RTR_SMTP_PORT=server.port, RTR_SMTP_SECURITY=security,
                    RTR_MAIL_FROM="Harbor Light <intake@harbor.example>", **config)


def note(subject: str = "Hello") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Harbor Light <intake@harbor.example>"
    message["To"] = "therapist@harbor.example"
    message["Subject"] = subject
    message["Message-ID"] = "<fixed.1@ready-to-rebuild>"
    message.set_content("A plain note.\n.\nA line that is only a dot, above.")
    return message


def deliver(app: Flask, message: EmailMessage | None = None, to: list[str] | None = None) -> mailer.Outcome:
    return mailer.deliver(app, message or note(), to or ["therapist@harbor.example"])


def test_plain_server_receives_the_message_with_envelope(make_app: Callable[..., Flask]) -> None:
    with SmtpServer() as server:
        outcome = deliver(smtp_app(make_app, server))
    assert outcome.status == "delivered" and outcome.detail.startswith("250")
    [got] = server.received
    assert got.mail_from == "intake@harbor.example"
    assert got.rcpt_tos == ["therapist@harbor.example"]
    assert got.message["Message-ID"] == "<fixed.1@ready-to-rebuild>"
    assert "\n.\n" in got.message.get_content().replace("\r\n", "\n")


def test_starttls_with_self_signed_certificate_is_refused_without_its_ca(
        make_app: Callable[..., Flask], certificate: Certificate) -> None:
    with SmtpServer(starttls=certificate.server_context()) as server:
        outcome = deliver(smtp_app(make_app, server, "starttls"))
    print(f"\nSTARTTLS, self-signed, no CA configured: {outcome.status}: {outcome.detail}")
    assert outcome.status == "retry"
    assert "certificate" in outcome.detail
    assert server.data_commands == 0 and server.received == []


def test_starttls_delivers_once_the_private_ca_is_configured(
        make_app: Callable[..., Flask], certificate: Certificate) -> None:
    with SmtpServer(starttls=certificate.server_context()) as server:
        outcome = deliver(smtp_app(make_app, server, "starttls", RTR_SMTP_CA_FILE=certificate.cert_file))
    assert outcome.status == "delivered"
    [got] = server.received
    assert got.tls is True


def test_starttls_required_but_not_offered_sends_nothing(make_app: Callable[..., Flask]) -> None:
    with SmtpServer() as server:
        outcome = deliver(smtp_app(make_app, server, "starttls"))
    print(f"\nSTARTTLS required, server offers none: {outcome.status}: {outcome.detail}")
    assert outcome.status == "retry" and "does not offer STARTTLS" in outcome.detail
    assert server.data_commands == 0 and server.received == []


def test_implicit_tls_delivers_with_the_ca_and_refuses_without(
        make_app: Callable[..., Flask], certificate: Certificate) -> None:
    with SmtpServer(implicit_tls=certificate.server_context()) as server:
        refused = deliver(smtp_app(make_app, server, "ssl"))
        delivered = deliver(smtp_app(make_app, server, "ssl", RTR_SMTP_CA_FILE=certificate.cert_file))
    assert refused.status == "retry" and "certificate" in refused.detail
    assert delivered.status == "delivered"
    [got] = server.received
    assert got.tls is True


def test_login_when_configured(make_app: Callable[..., Flask], certificate: Certificate) -> None:
    tls = {"starttls": certificate.server_context(), "auth": ("intake", "s3cret pass")}
    with SmtpServer(**tls) as server:  # type: ignore[arg-type]
        good = deliver(smtp_app(make_app, server, "starttls", RTR_SMTP_CA_FILE=certificate.cert_file,
                                RTR_SMTP_USERNAME="intake", RTR_SMTP_PASSWORD="s3cret pass"))
        bad = deliver(smtp_app(make_app, server, "starttls", RTR_SMTP_CA_FILE=certificate.cert_file,
                               RTR_SMTP_USERNAME="intake", RTR_SMTP_PASSWORD="wrong"))
    assert good.status == "delivered"
    assert bad.status == "retry" and bad.detail.startswith("login refused: 535")
    assert [got.login for got in server.received] == ["intake"]


@pytest.mark.parametrize(("answer", "status"), [
    ("451 4.3.0 Try again later", "retry"),
    ("452 4.3.1 Mailbox full for <therapist@harbor.example>", "retry"),
    ("550 5.7.1 Rejected for <therapist@harbor.example>", "dead"),
    ("554 5.6.0 Message refused", "dead"),
])
def test_reply_codes_map_to_retry_or_dead(make_app: Callable[..., Flask], answer: str, status: str) -> None:
    with SmtpServer(replies=[answer]) as server:
        outcome = deliver(smtp_app(make_app, server))
    assert outcome.status == status
    assert outcome.detail.startswith(answer[:3])
    assert "therapist@harbor.example" not in outcome.detail, "addresses are masked in the admin's detail"


def test_connection_refused_is_retried(make_app: Callable[..., Flask]) -> None:
    with SmtpServer() as server:
        port = server.port
    app = make_app(RTR_SMTP_HOST="127.0.0.1", RTR_SMTP_PORT=port, RTR_SMTP_SECURITY="none")
    outcome = deliver(app)
    assert outcome.status == "retry" and "could not reach the email server" in outcome.detail


def test_no_smtp_host_writes_eml_files_and_says_where_at_start_up(
        make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        app = make_app()
    outbox = Path(app.instance_path) / "outbox"
    assert any(str(outbox) in record.getMessage() and "RTR_SMTP_HOST" in record.getMessage()
               for record in caplog.records)
    outcome = deliver(app)
    again = deliver(app)
    [eml] = list(outbox.glob("*.eml"))
    print(f"\nno SMTP host: {outcome.detail}")
    assert outcome.status == again.status == "saved_to_file" and str(eml) in outcome.detail
    assert outcome.detail.startswith("not sent: no email server is set up"), "a file is not a delivery"
    assert b"Message-ID: <fixed.1@ready-to-rebuild>" in eml.read_bytes()


def test_start_up_is_quiet_about_the_outbox_when_smtp_is_configured(
        make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        make_app(RTR_SMTP_HOST="smtp.example.com", RTR_PUBLIC_URL="https://widgets.example.com")
    assert not any("eml" in record.getMessage() for record in caplog.records)
    assert not any("RTR_PUBLIC_URL" in record.getMessage() for record in caplog.records)


def test_start_up_warns_when_emails_would_carry_links_without_the_servers_address(
        make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        make_app(RTR_SMTP_HOST="smtp.example.com")
    assert any("RTR_PUBLIC_URL is not set" in record.getMessage() for record in caplog.records)


def test_effective_settings_pick_the_usual_port_and_admin_overrides_win(make_app: Callable[..., Flask]) -> None:
    app = make_app(RTR_SMTP_HOST="env.example.com", RTR_SMTP_SECURITY="ssl", RTR_SMTP_USERNAME="env-user",
                   RTR_SMTP_PASSWORD="env-pass")
    assert effective_smtp(app).port == 465
    store = get_state(app).store
    assert save_smtp_overrides(app, {"mail_from": "Harbor <intake@example.com>"}) == {}
    own = effective_smtp(app)
    assert (own.host, own.port, own.username, own.password) == ("env.example.com", 465, "env-user", "env-pass")
    assert not own.guarded and own.mail_from == "Harbor <intake@example.com>"
    assert save_smtp_overrides(app, {"host": "admin.example.com", "security": "starttls", "port": ""}) == {}
    settings = effective_smtp(app)
    assert (settings.host, settings.port, settings.security) == ("admin.example.com", 587, "starttls")
    assert (settings.username, settings.password) == ("", ""), "the deployment's login stays with its own server"
    assert settings.guarded
    assert "password" not in settings.public() and settings.public()["has_password"] is False
    clear_smtp_overrides(store)
    assert effective_smtp(app).host == "env.example.com"


def test_saved_password_is_kept_only_while_host_port_and_username_stay(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    store = get_state(app).store
    save_smtp_overrides(app, {"host": "smtp.example.com", "username": "me", "password": "first"})
    save_smtp_overrides(app, {"host": "smtp.example.com", "username": "me", "password": "", "mail_from": "a@b.example"})
    assert effective_smtp(app).password == "first"
    save_smtp_overrides(app, {"host": "smtp.example.com", "clear_password": True, "username": "me"})
    assert "password" not in smtp_overrides(store)
    for change in ({"username": "you"}, {"host": "other.example.com"}, {"port": "2525"}, {"security": "ssl"}):
        save_smtp_overrides(app, {"host": "smtp.example.com", "username": "me", "password": "first"})
        save_smtp_overrides(app, {"host": "smtp.example.com", "username": "me", "password": "", **change})
        assert "password" not in smtp_overrides(store), change
        assert effective_smtp(app).password == ""


@pytest.mark.parametrize(("values", "field", "words"), [
    ({"port": "smtp"}, "port", "number"),
    ({"port": 70000}, "port", "65535"),
    ({"security": "tls"}, "security", "starttls"),
    ({"mail_from": "not an address"}, "mail_from", "intake@example.com"),
    ({"host": "smtp.example.com\r\nRCPT TO:<x@y>"}, "host", "line breaks"),
])
def test_bad_overrides_are_refused_by_field_and_nothing_is_saved(
        make_app: Callable[..., Flask], values: dict[str, object], field: str, words: str) -> None:
    app = make_app()
    store = get_state(app).store
    errors = save_smtp_overrides(app, values)
    assert words in errors[field]
    assert smtp_overrides(store) == {}


def test_a_missing_ca_file_is_a_clear_retry(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    with SmtpServer() as server:
        outcome = deliver(smtp_app(make_app, server, "starttls", RTR_SMTP_CA_FILE=str(tmp_path / "nope.pem")))
    assert outcome.status == "retry" and "RTR_SMTP_CA_FILE" in outcome.detail
    assert server.data_commands == 0


def test_international_addresses(make_app: Callable[..., Flask]) -> None:
    idn = note()
    idn.replace_header("To", "therapist@xn--exmple-qta.example")
    utf8 = note()
    utf8.replace_header("To", "josé@harbor.example")
    with SmtpServer() as server:
        app = smtp_app(make_app, server)
        ascii_domain = deliver(app, idn, [mailer.ascii_domain("therapist@exámple.example")])
        unicode_mailbox = deliver(app, utf8, ["josé@harbor.example"])
    with SmtpServer(smtputf8=False) as old_server:
        refused = deliver(smtp_app(make_app, old_server), utf8, ["josé@harbor.example"])
    assert ascii_domain.status == unicode_mailbox.status == "delivered"
    first, second = server.received
    assert first.rcpt_tos == ["therapist@xn--exmple-qta.example"] and "SMTPUTF8" not in first.mail_options
    assert second.rcpt_tos == ["josé@harbor.example"] and "SMTPUTF8" in second.mail_options
    assert second.message["To"] == "josé@harbor.example"
    assert refused.status == "dead" and "SMTPUTF8" in refused.detail and old_server.data_commands == 0


def test_the_password_never_travels_unencrypted_to_a_remote_server(make_app: Callable[..., Flask]) -> None:
    with SmtpServer(host="127.0.0.2") as server:  # all of 127/8 is loopback, but not a name we trust
        outcome = deliver(make_app(RTR_SMTP_HOST="127.0.0.2", RTR_SMTP_PORT=server.port, RTR_SMTP_SECURITY="none",
                                   RTR_SMTP_USERNAME="intake", RTR_SMTP_PASSWORD="pw"))
    assert outcome.status == "retry" and "unencrypted" in outcome.detail
    assert server.data_commands == 0
