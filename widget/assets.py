"""The widget's own static files (embed.js, the frame's CSS and JS), read once and served with ETags."""

from __future__ import annotations

import hashlib
import os

from flask import abort, current_app, request
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

from .state import get_state, resource_dir

ASSET_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


def asset_file(filename: str) -> tuple[bytes, str]:
    """Return a static file's bytes and ETag, read once per app; 404 when there is no such asset."""
    cache = get_state().assets
    if filename not in cache:
        path = safe_join(resource_dir("static"), "rtr", filename)
        if path is None or os.path.splitext(filename)[1] not in ASSET_TYPES or not os.path.isfile(path):
            abort(404)
        with open(path, "rb") as handle:
            body = handle.read()
        cache[filename] = (body, hashlib.sha256(body).hexdigest()[:16])
    return cache[filename]


def asset_response(filename: str, max_age: int) -> Response:
    """Answer with a static file held in memory, with its ETag and a 304 when it is unchanged."""
    body, etag = asset_file(filename)
    response = current_app.response_class(body, mimetype=ASSET_TYPES[os.path.splitext(filename)[1]])
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


def asset_version() -> str:
    """Return a fingerprint of the frame's CSS and JS, so browsers refetch them after an upgrade."""
    return asset_file("frame.css")[1][:5] + asset_file("frame.js")[1][:5]
