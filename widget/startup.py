"""Start-up notices (the first admin's setup link, where emails go): once per server, never per command.

The ``flask`` command builds the app for every command it runs, and only ``flask run`` serves;
outside the ``flask`` command (gunicorn, ``app.run()``, a host's own code) any app that is built
may serve. One server is often several processes that each build the app: the reloader's watcher
and the child it restarts, gunicorn's workers. The first of them takes a lock in the instance
folder and holds it while the app lives; the others stay quiet. A gunicorn worker that replaces
the one holding it prints the notices again.
"""

from __future__ import annotations

import os
import weakref

import click
from flask import Flask
from flask.cli import ScriptInfo

try:
    import fcntl
except ImportError:  # Windows has no flock: there every process prints the notices
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = "rtr-server.lock"
#: The ``flask`` command that serves; every other one only needs the app for a moment.
SERVING_COMMAND = "run"


def built_for_a_command() -> bool:
    """Return whether a ``flask`` command other than ``run`` is building the app."""
    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.find_object(ScriptInfo) is None:
        return False
    return ctx.info_name != SERVING_COMMAND


def claim_notices(app: Flask) -> bool:
    """Return whether this process prints the start-up notices for the server app belongs to."""
    if built_for_a_command():
        return False
    if fcntl is None:
        return True
    os.makedirs(app.instance_path, exist_ok=True)
    fd = os.open(os.path.join(app.instance_path, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # another process of this installation holds it: it printed them
        os.close(fd)
        return False
    weakref.finalize(app, os.close, fd)
    return True
