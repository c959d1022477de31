"""The webhook channel: Standard Webhooks v1 signed POSTs, with no redirects and an SSRF guard.

https://www.standardwebhooks.com/ — headers ``webhook-id`` (stable across retries),
``webhook-timestamp`` (epoch seconds) and ``webhook-signature`` (``v1,<base64 HMAC-SHA256 of
id.timestamp.body>``, space-separated when two secrets sign during a rotation).
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

from flask import current_app

from .. import ssrf
from ..links import admin_lead_url
from ..models import Widget
from . import transport
from .base import Job, Outcome
from .payloads import event, hubspot_submission, hubspot_url, lead_data

#: After a rotation the old secret keeps signing this long, so receivers can switch over.
ROTATION_OVERLAP = 24 * 3600.0
USER_AGENT = "ReadyToRebuild-Webhook/1"


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """Return one ``v1,<base64>`` signature of ``id.timestamp.body`` with a ``whsec_`` secret."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")


def signing_secrets(widget: Widget, now: float) -> list[str]:
    """Return the secrets that sign now: the current one, plus the previous one for 24 h."""
    secrets = [widget.webhook_secret]
    rotated = widget.secret_rotated_at
    if widget.previous_webhook_secret and rotated is not None and now - rotated < ROTATION_OVERLAP:
        secrets.append(widget.previous_webhook_secret)
    return secrets


def signed_headers(widget: Widget, message_id: str, body: bytes, now: float) -> dict[str, str]:
    """Return the request headers, signatures included."""
    timestamp = int(now)
    signatures = " ".join(sign(secret, message_id, timestamp, body) for secret in signing_secrets(widget, now))
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signatures,
    }


def send(job: Job) -> Outcome:
    """Deliver one lead to the widget's webhook; never raises for delivery failures."""
    now = time.time()
    widget, url = job.widget, str(job.delivery["target"])
    if widget.webhook_disabled_at is not None:
        # Parked, not sent: the receiver said 410 Gone. Turning the webhook back on sends it.
        return Outcome("disabled", "Not sent: the webhook is switched off since its receiver answered 410 Gone.")
    if widget.settings.webhook_format == "hubspot":
        url = hubspot_url(url, widget)
        payload: dict[str, Any] = hubspot_submission(job.lead, widget)
    else:
        # The event time is when the lead arrived, so every retry carries the very same body.
        data = lead_data(job.lead, widget, admin_lead_url(current_app, job.lead["public_id"]))
        payload = event("lead.created", data, job.lead["created_at"])
    return post(url, widget, job.delivery["message_id"], payload, now)


def send_test(widget: Widget) -> Outcome:
    """Send a ``webhook.test`` event to the widget's webhook now and return what happened."""
    url = widget.settings.webhook_url
    if not url:
        return Outcome("dead", "This widget has no webhook URL.")
    now = time.time()
    data = {"widget_id": widget.id, "practice_name": widget.settings.practice_name,
            "note": "A test from Ready to Rebuild: no person's details are in this event."}
    return post(url, widget, f"msg_test_{uuid.uuid4().hex}", event("webhook.test", data, now), now)


def post(url: str, widget: Widget, message_id: str, payload: dict[str, Any], now: float) -> Outcome:
    """POST the signed payload to the checked address and turn the answer into an Outcome.

    The whole attempt, from connecting to the answer's last byte, ends within RTR_WEBHOOK_TIMEOUT.
    """
    config = current_app.config
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    try:
        answer = transport.post(url, body, signed_headers(widget, message_id, body, now),
                                float(config["RTR_WEBHOOK_TIMEOUT"]),
                                allow_private=bool(config["RTR_WEBHOOK_ALLOW_PRIVATE"]))
    except ssrf.UnsafeURLError as error:
        return Outcome("dead", str(error))
    except (ssrf.ResolveError, transport.SendError) as error:
        return Outcome("retry", str(error))
    return outcome_for(answer.status, answer.headers)


def outcome_for(status: int, headers: Any) -> Outcome:
    """Map an HTTP answer to an Outcome: 2xx delivered, 410 disabled, anything else retried."""
    if 200 <= status < 300:
        return Outcome("delivered", f"HTTP {status}")
    if status == 410:
        return Outcome("disabled", "HTTP 410 Gone: the endpoint asked to stop; the webhook is disabled.")
    if 300 <= status < 400:
        return Outcome("retry", f"HTTP {status} redirect: redirects are not followed; update the webhook URL.")
    return Outcome("retry", f"HTTP {status}", retry_after=parse_retry_after(headers.get("Retry-After")))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Return the seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
