"""Blinker signals a host app can subscribe to (like Flask's own), with no lead contents.

Each is sent with the app as sender and keyword arguments, right where the event happens:
``lead_received(app, lead_id, widget_id)`` once the lead and its deliveries are committed,
``lead_delivered(app, lead_id, widget_id, channel)`` and
``delivery_failed(app, lead_id, widget_id, channel, error, dead)`` once the attempt is recorded.
``lead_id`` is the lead's public id. A subscriber that raises is logged and skipped: it can't
change what the visitor is told, stop the delivery, or keep the other subscribers from running.
"""

from __future__ import annotations

import logging
from typing import Any

from blinker import Namespace, Signal

log = logging.getLogger("widget.signals")
_signals = Namespace()

lead_received = _signals.signal("rtr-lead-received")
lead_delivered = _signals.signal("rtr-lead-delivered")
delivery_failed = _signals.signal("rtr-delivery-failed")


def send_safely(signal: Signal, sender: Any, **event: Any) -> None:
    """Call every subscriber of signal for sender; one that raises is logged (never with the event) and skipped."""
    for receiver in signal.receivers_for(sender):
        try:
            receiver(sender, **event)
        except Exception as error:  # a host's handler must never turn a stored lead into an error
            name = getattr(receiver, "__qualname__", type(receiver).__name__)
            log.error("A %s subscriber (%s.%s) raised %s; ignored.", signal.name,
                      getattr(receiver, "__module__", "?"), name, type(error).__name__)
