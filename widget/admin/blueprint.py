"""The admin blueprint, on its own so every admin module can add views to it without a cycle."""

from __future__ import annotations

from flask import Blueprint

from ..state import resource_dir

blueprint = Blueprint(
    "rtr_admin", __name__,
    static_folder=resource_dir("static") + "/rtr/admin", static_url_path="/static",
)
