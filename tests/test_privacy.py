"""Lead contents never reach the logs, on any path: success, validation errors, failed deliveries."""

from __future__ import annotations

import logging
import socket

import pytest
from flask.testing import FlaskClient

from .conftest import form_token, valid_lead
from .support.delivery import rows, settle, webhook_widget
from .support.receiver import Receiver

NAME, EMAIL, PHONE, MESSAGE = "Zephyrine Quillfeather", "zephyrine.q@example.org", "+1 702 555 0199", "Secret-7741"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _assert_clean(text: str) -> None:
    for secret in (NAME, "Zephyrine", EMAIL, "zephyrine", PHONE, "555 0199", MESSAGE):
        assert secret not in text, f"{secret!r} appeared in the logs"


def test_no_lead_contents_in_logs(make_app, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with Receiver("error") as receiver:
        app = make_app(RTR_SMTP_HOST="127.0.0.1", RTR_SMTP_PORT=_closed_port(), RTR_SMTP_SECURITY="none",
                       RTR_RETRY_SCHEDULE=[0, 0.05], RTR_WEBHOOK_ALLOW_PRIVATE=True,
                       RTR_ALERT_EMAIL="alerts@example.com")
        store = app.extensions["rtr"].store
        widget = webhook_widget(store, receiver.url(), notify_emails=["intake@example.com"], detail_level="full",
                                fields={"phone": True, "message": True, "contact_method": False,
                                        "service": False, "location": False})
        client: FlaskClient = app.test_client()
        typed = valid_lead(name=NAME, email=EMAIL, phone=PHONE, message=MESSAGE)
        bad = client.post(f"/w/{widget.id}/leads", data={**typed, "email": "zephyrine.q@", "token": "x"})
        assert bad.status_code == 400
        good = client.post(f"/w/{widget.id}/leads", data={**typed, "token": form_token(client, widget.id)},
                           headers={"Accept": "application/json"})
        assert good.status_code == 201
        settle(app)
        assert {r["status"] for r in rows(store)} == {"dead"}
        assert len(receiver.received()) == 3, "the webhook was really tried, and failed, on every attempt"
    assert any(record.levelno >= logging.WARNING for record in caplog.records), "failures were logged"
    _assert_clean(caplog.text)
