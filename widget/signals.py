"""Blinker signals a host app can subscribe to (like Flask's own), with no lead contents.

Each is sent with the app as sender and keyword arguments:
``lead_received(app, lead_id, widget_id)``, ``lead_delivered(app, lead_id, widget_id, channel)``,
``delivery_failed(app, lead_id, widget_id, channel, error, dead)``.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

lead_received = _signals.signal("rtr-lead-received")
lead_delivered = _signals.signal("rtr-lead-delivered")
delivery_failed = _signals.signal("rtr-delivery-failed")
