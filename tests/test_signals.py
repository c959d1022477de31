"""Host subscribers to the blinker signals can't change what the visitor is told, nor stop a delivery."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from flask import Flask

from widget import signals
from widget.state import get_state

from .conftest import form_token, valid_lead
from .support.delivery import lead_rows, rows, webhook_widget
from .support.receiver import Receiver

PRIVATE = "Maya Rivera"


def broken(sender: Flask, **event: Any) -> None:
    """A host's handler with a bug, whose error message happens to quote the person."""
    raise RuntimeError(f"host bug while handling {PRIVATE} <maya@example.org>")


def test_a_raising_lead_received_handler_still_gives_201_and_the_lead_is_stored_and_delivered(
        thread_app: Flask, receiver: Receiver, caplog: pytest.LogCaptureFixture) -> None:
    store = get_state(thread_app).store
    widget = webhook_widget(store, receiver.url())
    heard: list[dict[str, Any]] = []
    signals.lead_received.connect(broken, thread_app)
    signals.lead_received.connect(lambda sender, **event: heard.append(event), thread_app, weak=False)
    client = thread_app.test_client()
    with caplog.at_level(logging.ERROR):
        response = client.post(f"/w/{widget.id}/leads", headers={"Accept": "application/json"},
                               data={"token": form_token(client, widget.id), **valid_lead(name=PRIVATE)})
    assert response.status_code == 201 and response.json["ok"] is True
    [lead] = lead_rows(store)
    assert lead["name"] == PRIVATE
    assert heard == [{"lead_id": lead["public_id"], "widget_id": widget.id}], "the other subscribers still ran"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and rows(store)[0]["status"] != "delivered":
        time.sleep(0.02)
    assert rows(store)[0]["status"] == "delivered", "the worker was still woken and delivered it"
    assert len(receiver.received()) == 1
    assert "rtr-lead-received subscriber (tests.test_signals.broken) raised RuntimeError" in caplog.text
    assert PRIVATE not in caplog.text and "maya@" not in caplog.text


def test_a_raising_delivery_handler_does_not_undo_the_delivery(thread_app: Flask, receiver: Receiver) -> None:
    store = get_state(thread_app).store
    widget = webhook_widget(store, receiver.url())
    signals.lead_delivered.connect(broken, thread_app)
    client = thread_app.test_client()
    response = client.post(f"/w/{widget.id}/leads", data={"token": form_token(client, widget.id), **valid_lead()})
    assert response.status_code == 201
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and lead_rows(store)[0]["delivered_at"] is None:
        time.sleep(0.02)
    assert rows(store)[0]["status"] == "delivered" and lead_rows(store)[0]["delivered_at"] is not None
    assert len(receiver.received()) == 1, "sent once: the handler's error did not cost a retry"
