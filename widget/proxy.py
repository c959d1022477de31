"""Trust ``X-Forwarded-*`` from exactly ``RTR_PROXY_COUNT`` reverse proxies, and from no one else."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .extension import RTRState


def register(app: Flask, state: RTRState) -> None:
    """Wrap the app in Werkzeug's ProxyFix when proxies are configured; by default trust none.

    With N hops the client address is the Nth value from the right of ``X-Forwarded-For``, so a
    value a client adds on the left cannot change it.
    """
    hops = int(app.config["RTR_PROXY_COUNT"])
    if hops and not isinstance(app.wsgi_app, ProxyFix):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    state.extras["proxy_count"] = hops
