"""Absolute links to this server, for messages sent outside a request (emails, webhooks, alerts)."""

from __future__ import annotations

from flask import Flask

from .state import get_state


def public_base_url(app: Flask) -> str:
    """Return RTR_PUBLIC_URL without a trailing slash, or "" when it is not set."""
    return str(app.config.get("RTR_PUBLIC_URL") or "").rstrip("/")


def admin_lead_url(app: Flask, public_id: str) -> str:
    """Return the lead's admin page (by its public id): absolute when RTR_PUBLIC_URL is set, else the path."""
    return f"{public_base_url(app)}{get_state(app).url_prefix}/admin/leads/{public_id}"
