"""gunicorn's hooks for the standalone app: ``gunicorn -c python:widget.serving 'widget:create_app()' …``.

Each gunicorn worker builds the app itself. A wrong setting, or a database behind the code, then
makes every worker print a traceback before gunicorn gives up ("Worker failed to boot"). With these
hooks gunicorn builds the app once in its master first, before any worker: a startup error is the
one line the ``flask`` command prints for it, and gunicorn exits 2. A host with a gunicorn
configuration of its own imports ``on_starting`` from here into it.
"""

from __future__ import annotations

import sys
from typing import Any

from .app import create_app
from .config import StartupError
from .state import get_state


def on_starting(server: Any) -> None:
    """Build the app once before any worker starts; on a startup error say it in one line and stop."""
    try:
        app = create_app()
    except StartupError as error:
        error.show(sys.stderr)
        raise SystemExit(error.exit_code) from None
    get_state(app).store.engine.dispose()  # each worker opens its own connections
