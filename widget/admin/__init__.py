"""The admin pages: one blueprint under ``<prefix>/admin``; each concern adds its views to it."""

from __future__ import annotations

from flask import Blueprint, Flask

from ..extension import RTRState, resource_dir

blueprint = Blueprint(
    "rtr_admin", __name__,
    static_folder=resource_dir("static") + "/rtr/admin", static_url_path="/static",
)


def register(app: Flask, state: RTRState) -> None:
    """Import the view modules (they add routes to the blueprint) and mount it."""
    from . import (  # noqa: F401
        audit,
        auth,
        commands,
        contrast,
        csv_export,
        delivery_settings,
        leads,
        preview,
        stats,
        views,
        widgets,
    )
    from .first_run import announce
    from .passwords import has_admins

    views.configure_session(app)
    if blueprint.name not in app.blueprints:
        app.register_blueprint(blueprint, url_prefix=f"{state.url_prefix}/admin")
    if not has_admins(state.store):
        announce(app)
