"""The webhook channel against a real loopback receiver; every signature checked by standardwebhooks."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from email.utils import formatdate

import pytest
from flask import Flask
from sqlalchemy import update
from standardwebhooks import WebhookVerificationError

from widget.db import Store
from widget.delivery import leases, webhook
from widget.delivery.base import Job, Outcome
from widget.models import Widget
from widget.queries.widgets import get_widget, rotate_webhook_secret
from widget.schema import widgets
from widget.state import get_state

from .support.delivery import add_leads, rows, verify, webhook_widget
from .support.receiver import REDIRECT_TARGET, Receiver

GUID = "0b6f1a52-6c3e-4d8a-9f1e-2a7c5d9e8b10"


@pytest.fixture
def hook_app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    app = make_app(RTR_WEBHOOK_ALLOW_PRIVATE=True, RTR_WEBHOOK_TIMEOUT=0.5,
                   RTR_PUBLIC_URL="https://widgets.example.com")
    with app.app_context():
        yield app


def store_of(app: Flask) -> Store:
    return get_state(app).store


def job_for(store: Store, widget: Widget, **lead: str) -> Job:
    add_leads(store, widget, **lead)
    job = leases.load_job(store, rows(store)[-1])
    assert job is not None
    return job


def test_a_lead_arrives_signed_per_standard_webhooks(hook_app: Flask, receiver: Receiver) -> None:
    store = store_of(hook_app)
    widget = webhook_widget(store, receiver.url())
    job = job_for(store, widget, name="Ana Lucía O'Brien", email="ana@example.org")
    assert webhook.send(job) == Outcome("delivered", "HTTP 200")
    [got] = receiver.received()
    payload = verify(got, widget.webhook_secret)
    assert got.webhook_id == job.delivery["message_id"] and got.webhook_id.startswith("msg_")
    assert abs(int(got.headers["webhook-timestamp"]) - time.time()) < 60
    assert got.headers["content-type"] == "application/json"
    assert payload["type"] == "lead.created"
    data = payload["data"]
    assert (data["id"], data["name"], data["email"]) == (job.lead["public_id"], "Ana Lucía O'Brien", "ana@example.org")
    assert data["admin_url"] == f"https://widgets.example.com/admin/leads/{job.lead['public_id']}"
    assert "message" not in data, "the message travels only at detail level full"
    with pytest.raises(WebhookVerificationError):
        verify(got, "whsec_" + "A" * 32)


def test_the_message_travels_at_detail_level_full(hook_app: Flask, receiver: Receiver) -> None:
    store = store_of(hook_app)
    widget = webhook_widget(store, receiver.url(), detail_level="full")
    webhook.send(job_for(store, widget, message="We keep arguing about money."))
    assert verify(receiver.received()[0], widget.webhook_secret)["data"]["message"] == "We keep arguing about money."


def test_the_webhook_id_stays_the_same_across_retries(hook_app: Flask, receiver: Receiver) -> None:
    store = store_of(hook_app)
    widget = webhook_widget(store, receiver.url())
    job = job_for(store, widget)
    receiver.mode = "error"
    assert webhook.send(job).status == "retry"
    receiver.mode = "ok"
    assert webhook.send(job).status == "delivered"
    first, second = receiver.received()
    assert first.webhook_id == second.webhook_id == job.delivery["message_id"]
    assert verify(first, widget.webhook_secret) == verify(second, widget.webhook_secret)


def test_a_rotated_secret_signs_alongside_the_old_one_for_a_day(hook_app: Flask, receiver: Receiver) -> None:
    store = store_of(hook_app)
    widget = webhook_widget(store, receiver.url())
    old = widget.webhook_secret
    new = rotate_webhook_secret(store, widget.id)
    assert new.startswith("whsec_") and new != old
    rotated = get_widget(store, widget.id)
    assert webhook.send_test(rotated).status == "delivered"
    got = receiver.received()[-1]
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    assert verify(got, old, new)["type"] == "webhook.test"
    with store.engine.begin() as conn:
        conn.execute(update(widgets).where(widgets.c.id == widget.id).values(secret_rotated_at=time.time() - 86401))
    webhook.send_test(get_widget(store, widget.id))
    late = receiver.received()[-1]
    assert len(late.headers["webhook-signature"].split(" ")) == 1
    verify(late, new)
    with pytest.raises(WebhookVerificationError):
        verify(late, old)


def test_send_test_posts_a_test_event_without_personal_data(hook_app: Flask, receiver: Receiver) -> None:
    widget = webhook_widget(store_of(hook_app), receiver.url())
    assert webhook.send_test(widget).status == "delivered"
    [got] = receiver.received()
    payload = verify(got, widget.webhook_secret)
    assert payload["type"] == "webhook.test" and payload["data"]["widget_id"] == widget.id
    assert got.webhook_id.startswith("msg_test_")
    no_url = webhook_widget(store_of(hook_app), "")
    assert webhook.send_test(no_url).status == "dead"


@pytest.mark.parametrize(("mode", "status", "retry_after"), [
    ("error", "retry", None), ("busy", "retry", 7.0), ("gone", "disabled", None), ("redirect", "retry", None),
])
def test_answers_map_to_outcomes(hook_app: Flask, receiver: Receiver, mode: str, status: str,
                                 retry_after: float | None) -> None:
    receiver.mode, receiver.retry_after = mode, "7"
    widget = webhook_widget(store_of(hook_app), receiver.url())
    outcome = webhook.send_test(widget)
    assert (outcome.status, outcome.retry_after) == (status, retry_after)
    assert outcome.detail.startswith("HTTP ")


def test_a_redirect_is_never_followed(hook_app: Flask, receiver: Receiver) -> None:
    receiver.mode = "redirect"
    widget = webhook_widget(store_of(hook_app), receiver.url())
    outcome = webhook.send_test(widget)
    assert outcome.status == "retry" and "not followed" in outcome.detail
    assert len(receiver.received()) == 1
    assert receiver.received(REDIRECT_TARGET) == []


def test_a_hanging_receiver_ends_at_the_timeout(hook_app: Flask, receiver: Receiver) -> None:
    receiver.mode = "hang"
    widget = webhook_widget(store_of(hook_app), receiver.url())
    started = time.monotonic()
    outcome = webhook.send_test(widget)
    elapsed = time.monotonic() - started
    print(f"\nhanging receiver: attempt ended after {elapsed:.2f} s (RTR_WEBHOOK_TIMEOUT=0.5)")
    assert outcome == Outcome("retry", "No answer within 0.5 s.")


def test_a_switched_off_webhook_is_parked_not_sent(hook_app: Flask, receiver: Receiver) -> None:
    store = store_of(hook_app)
    widget = webhook_widget(store, receiver.url())
    add_leads(store, widget)
    with store.engine.begin() as conn:  # a 410 to another send switched it off after this one was queued
        conn.execute(update(widgets).values(webhook_disabled_at=time.time()))
    job = leases.load_job(store, rows(store)[0])
    assert job is not None
    outcome = webhook.send(job)
    assert outcome.status == "disabled" and "switched off" in outcome.detail
    assert receiver.received() == []


def test_the_default_timeout_is_15_s(make_app: Callable[..., Flask]) -> None:
    assert make_app().config["RTR_WEBHOOK_TIMEOUT"] == 15.0, "issue 3 item 8 (Svix's window, too)"


def test_a_closed_port_is_retried(hook_app: Flask) -> None:
    receiver = Receiver().start()
    url = receiver.url()
    receiver.stop()
    outcome = webhook.send_test(webhook_widget(store_of(hook_app), url))
    assert outcome.status == "retry" and "connect" in outcome.detail.lower()


def test_private_targets_are_refused_unless_allowed(make_app: Callable[..., Flask], receiver: Receiver) -> None:
    app = make_app()
    with app.app_context():
        widget = webhook_widget(store_of(app), receiver.url())
        outcome = webhook.send_test(widget)
        assert outcome.status == "dead" and "loopback" in outcome.detail
        assert webhook.send_test(webhook_widget(store_of(app), "http://no-such-host.invalid/")).status == "retry"
    assert receiver.received(None) == []


def test_hubspot_forms_submission_is_exact(hook_app: Flask, receiver: Receiver) -> None:
    store = store_of(hook_app)
    widget = webhook_widget(store, receiver.url("/"), webhook_format="hubspot", hubspot_portal_id="123456",
                            hubspot_form_guid=GUID, detail_level="full")
    job = job_for(store, widget, name="Minh Anh Nguyen", email="minh@example.org", phone="+1 702 555 0199",
                  page_url="https://harborlight.example.com/blog/trust", message="Please call after 6pm.")
    assert webhook.send(job).status == "delivered"
    [got] = receiver.received(None)
    assert got.path == f"/submissions/v3/integration/submit/123456/{GUID}"
    verify(got, widget.webhook_secret)
    body = got.json
    assert body["submittedAt"] == str(int(job.lead["created_at"] * 1000))
    assert body["fields"] == [
        {"objectTypeId": "0-1", "name": "email", "value": "minh@example.org"},
        {"objectTypeId": "0-1", "name": "firstname", "value": "Minh"},
        {"objectTypeId": "0-1", "name": "lastname", "value": "Anh Nguyen"},
        {"objectTypeId": "0-1", "name": "phone", "value": "+1 702 555 0199"},
        {"objectTypeId": "0-1", "name": "message", "value": "Please call after 6pm."},
    ]
    assert body["context"] == {"pageName": "Harbor Light", "pageUri": "https://harborlight.example.com/blog/trust"}
    assert body["legalConsentOptions"]["consent"] == {"consentToProcess": True, "text": "I agree"}


def test_hubspot_keeps_a_full_url_as_given(hook_app: Flask, receiver: Receiver) -> None:
    store = store_of(hook_app)
    widget = webhook_widget(store, receiver.url("/custom/path"), webhook_format="hubspot",
                            hubspot_portal_id="9", hubspot_form_guid=GUID)
    webhook.send(job_for(store, widget))
    [got] = receiver.received(None)
    assert got.path == "/custom/path"
    assert "message" not in [field["name"] for field in got.json["fields"]]


@pytest.mark.parametrize(("value", "expected"), [
    ("120", 120.0), (" 5 ", 5.0), ("", None), (None, None), ("soon", None), ("-3", None),
])
def test_parse_retry_after_seconds(value: str | None, expected: float | None) -> None:
    assert webhook.parse_retry_after(value) == expected


def test_parse_retry_after_http_date() -> None:
    now = time.time()
    assert webhook.parse_retry_after(formatdate(now + 90, usegmt=True), now=now) == pytest.approx(90, abs=1)
    assert webhook.parse_retry_after(formatdate(now - 90, usegmt=True), now=now) == 0.0
