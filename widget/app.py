"""The standalone app: ``flask --app widget run``."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, redirect, render_template, url_for
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from .config import parse_env_value
from .extension import ReadyToRebuild
from .state import resource_dir


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
    trust_proxies(app)

    @app.get("/")
    def index() -> Response:
        return redirect(url_for("demo_page"))

    @app.get("/demo")
    def demo_page() -> str:
        """A sample blog post with the demo widget embedded, as a practice's site would show it."""
        return render_template("rtr/demo.html")

    return app


def trust_proxies(app: Flask) -> None:
    """Trust ``X-Forwarded-*`` from exactly RTR_PROXY_COUNT reverse proxies, and from no one else.

    With N hops the client address is the Nth value from the right of ``X-Forwarded-For``, so a
    value a client adds on the left cannot change it. Only the standalone app does this: the
    middleware wraps the whole app, which in a host app is the host's to decide.
    """
    hops = int(app.config["RTR_PROXY_COUNT"])
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
