"""The standalone app: ``flask --app widget run``."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, redirect, render_template, url_for
from werkzeug.wrappers import Response

from .config import parse_env_value
from .extension import ReadyToRebuild, resource_dir


def create_app(config: dict[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """Build the standalone app: RTR_* environment variables, then ``config``, then defaults."""
    app = Flask(
        "widget",
        instance_path=instance_path or os.environ.get("RTR_INSTANCE_PATH") or None,
        instance_relative_config=True,
        template_folder=resource_dir("templates"),
        static_folder=None,
    )
    for key, raw in os.environ.items():
        if key.startswith("RTR_") and key != "RTR_INSTANCE_PATH":
            app.config[key] = parse_env_value(raw, key)
    if config:
        app.config.update(config)
    ReadyToRebuild(app)

    @app.get("/")
    def index() -> Response:
        return redirect(url_for("demo_page"))

    @app.get("/demo")
    def demo_page() -> str:
        """A sample blog post with the demo widget embedded, as a practice's site would show it."""
        return render_template("rtr/demo.html")

    return app
