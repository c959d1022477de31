"""Real SMTP servers on loopback (aiosmtpd): plain, STARTTLS, implicit TLS, and scripted replies."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from collections import deque
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    """One message as it arrived on the wire."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool
    login: str | None
    mail_options: list[str] = field(default_factory=list)

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=default_policy)  # type: ignore[return-value]

    @property
    def header_lines(self) -> list[str]:
        """Return the raw header block, unfolded, one header per entry."""
        head = self.data.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
        return head.replace("\r\n ", " ").replace("\r\n\t", " ").split("\r\n")


@dataclass
class Handler:
    """Accept messages, answering DATA from ``replies`` (one per message, then 250)."""

    replies: deque[str] = field(default_factory=deque)
    received: list[Received] = field(default_factory=list)
    data_commands: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.data_commands += 1
            answer = self.replies.popleft() if self.replies else "250 2.0.0 Message accepted"
            if answer.startswith("250"):
                self.received.append(Received(
                    envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content),
                    tls=_encrypted(server, session), login=_login_name(session),
                    mail_options=list(envelope.mail_options),
                ))
        return answer


class Authenticator:
    """Accept exactly one username and password; remember every pair a client offered."""

    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username, password
        self.offered: list[tuple[str, str]] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            self.offered.append((data.login.decode(), data.password.decode()))
        ok = isinstance(data, LoginPassword) and data.login.decode() == self.username \
            and data.password.decode() == self.password
        return AuthResult(success=ok, handled=False, auth_data=data.login.decode() if ok else None)


class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 and a free port, started as a context manager."""

    def __init__(self, *, replies: list[str] | None = None, starttls: ssl.SSLContext | None = None,
                 implicit_tls: ssl.SSLContext | None = None, auth: tuple[str, str] | None = None,
                 smtputf8: bool = True, host: str = "127.0.0.1", auth_require_tls: bool = True) -> None:
        self.handler = Handler(deque(replies or []))
        self.authenticator = Authenticator(*auth) if auth is not None else None
        self.host, self.port = host, free_port(host)
        kwargs: dict[str, Any] = {"enable_SMTPUTF8": smtputf8}
        if starttls is not None:
            kwargs["tls_context"] = starttls
        if self.authenticator is not None:
            kwargs["authenticator"] = self.authenticator
            kwargs["auth_require_tls"] = auth_require_tls
        self.controller = Controller(self.handler, hostname=host, port=self.port,
                                     ssl_context=implicit_tls, **kwargs)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    @property
    def data_commands(self) -> int:
        return self.handler.data_commands

    @property
    def offered_logins(self) -> list[tuple[str, str]]:
        """Every username and password a client tried to sign in with."""
        return self.authenticator.offered if self.authenticator else []


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost, and its key."""

    cert_file: str
    key_file: str

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def make_certificate(folder: Path) -> Certificate:
    """Generate a throwaway self-signed certificate with the openssl command."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert),
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,digitalSignature,keyCertSign"],
        check=True, capture_output=True, timeout=30,
    )
    return Certificate(str(cert), str(key))


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _encrypted(server: Any, session: Any) -> bool:
    transport = getattr(server, "transport", None)
    return session.ssl is not None or (transport is not None and transport.get_extra_info("ssl_object") is not None)


def _login_name(session: Any) -> str | None:
    data = getattr(session, "auth_data", None)
    return data if isinstance(data, str) else None
