"""The admin pages: one blueprint under ``<prefix>/admin``; each concern adds its views to it."""

from __future__ import annotations

from flask import Flask

from ..queries.accounts import has_admins
from ..state import RTRState
from . import (  # noqa: F401
    access,
    accounts,
    audit,
    card_height,
    csv_export,
    delivery_settings,
    invitations,
    leads,
    login_code,
    own_account,
    password_reset,
    people,
    preview,
    refused_sites,
    saved_emails,
    spam,
    stats,
    times,
    views,
    widgets,
)
from .blueprint import blueprint
from .first_run import announce


def register(app: Flask, state: RTRState) -> None:
    """Mount the blueprint under ``<prefix>/admin``."""
    app.register_blueprint(blueprint, url_prefix=f"{state.url_prefix}/admin")


def announce_setup(app: Flask, state: RTRState) -> None:
    """While no admin exists, print the one-time setup link in the log."""
    if not has_admins(state.store):
        announce(app)
