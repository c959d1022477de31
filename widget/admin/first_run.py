"""The first-run setup token: printed in the server log while no admin exists (as Jupyter does).

The token lives in a file in the instance folder, so every process of one installation prints
and accepts the same one; it is deleted once the first admin exists.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets

from flask import Flask, url_for

from ..links import public_base_url

TOKEN_FILE = "rtr-admin-setup-token"


def _path(app: Flask) -> str:
    return os.path.join(app.instance_path, TOKEN_FILE)


def setup_token(app: Flask) -> str:
    """Return the installation's setup token, creating it on first use."""
    path = _path(app)
    os.makedirs(app.instance_path, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        with open(path, encoding="ascii") as handle:
            token = handle.read().strip()
        if token:
            return token
        os.remove(path)
        return setup_token(app)
    token = secrets.token_urlsafe(24)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(token)
    return token


def token_matches(app: Flask, offered: str | None) -> bool:
    """Return whether offered is the current setup token."""
    return bool(offered) and hmac.compare_digest(str(offered), setup_token(app))


def forget_token(app: Flask) -> None:
    """Delete the token once the first admin exists."""
    with contextlib.suppress(FileNotFoundError):
        os.remove(_path(app))


def announce(app: Flask) -> None:
    """Write the setup link in the server log."""
    token = setup_token(app)
    public = public_base_url(app)
    with app.test_request_context(base_url=public or None):
        link = url_for("rtr_admin.setup", token=token, _external=bool(public))
    app.logger.warning(
        "No admin account exists yet. To create the first one, open this link "
        "(or run `flask rtr create-admin YOUR-NAME`):\n\n    %s\n", link,
    )
