"""Run the standalone app the way a deployment does: gunicorn, ``flask --app widget rtr …``, RTR_* variables.

Only the public contracts are used (``widget:create_app()``, the CLI, HTTP), so the benchmarks
keep working whatever the package's modules are called inside.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

from .processes import ROOT, BenchError, Child, MissingDependency, Stack, free_port, need_module

WIDGET_APP = "widget:create_app()"
HELLO_APP = "bench.rig.hello:app"


def app_env(folder: Path, database_url: str = "", **config: Any) -> dict[str, str]:
    """Return the environment for the app's processes: this one's, minus any RTR_* of the caller's.

    SQLite in ``folder`` unless a database URL is given; non-text values are passed as JSON, as
    the app reads them.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("RTR_")}
    env.update({
        "RTR_SECRET_KEY": secrets.token_urlsafe(32),
        "RTR_INSTANCE_PATH": str(folder / "instance"),
        "RTR_DATABASE_URL": database_url or f"sqlite:///{folder}/bench.sqlite3",
        "RTR_RATELIMIT_STORAGE_URI": "memory://",
        # Start-up notices (memory:// limits, the first-admin link) are for people, not for the table.
        "PYTHONWARNINGS": "ignore::UserWarning",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
    })
    for key, value in config.items():
        env[key] = value if isinstance(value, str) else json.dumps(value)
    return env


def flask_cli(env: dict[str, str], *args: str, timeout: float = 60) -> str:
    """Run ``flask --app widget rtr ARGS`` and return what it printed; fail with its message."""
    command = [sys.executable, "-m", "flask", "--app", "widget", "rtr", *args]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise BenchError(f"`flask --app widget rtr {' '.join(args)}` failed ({done.returncode}): "
                         f"{(done.stderr or done.stdout).strip()[-600:]}")
    return done.stdout


def create_widget(env: dict[str, str], name: str, webhook_url: str) -> str:
    """Create a widget whose only delivery is the webhook (no email); return its id."""
    created = json.loads(flask_cli(env, "create-widget", "--name", name, "--webhook-url", webhook_url, "--json"))
    return str(created["id"])


def gunicorn(stack: Stack, name: str, app: str, env: dict[str, str], workers: int,
             extra: tuple[str, ...] = ()) -> tuple[Child, str]:
    """Start gunicorn with sync workers on a free loopback port; return it and its base URL once it answers."""
    need_module("gunicorn")
    port = free_port()
    # The widget app as the README starts it: built once in the master first (widget.serving).
    hooks = ("-c", "python:widget.serving") if app == WIDGET_APP else ()
    argv = [sys.executable, "-m", "gunicorn", *hooks, "--workers", str(workers), "--worker-class", "sync",
            "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "60", *extra, app]
    child = stack.start(name, argv, env)
    base = f"http://127.0.0.1:{port}"
    stack.wait_http(child, base + ("/healthz" if app == WIDGET_APP else "/"))
    return child, base


def flask_worker(stack: Stack, name: str, env: dict[str, str], threads: int | None = None) -> Child:
    """Start ``flask --app widget rtr worker`` (the delivery worker as its own process)."""
    argv = [sys.executable, "-m", "flask", "--app", "widget", "rtr", "worker"]
    if threads:
        argv += ["--threads", str(threads)]
    return stack.start(name, argv, env)


def start_postgres(stack: Stack) -> str:
    """Start a throwaway PostgreSQL cluster with fsync on (stopped with the stack); return its URL."""
    from tests.support.postgres import PostgresCluster

    need_module("psycopg2", "pip install -e '.[test]'")
    try:
        cluster = PostgresCluster(fsync=True)
    except FileNotFoundError as error:
        raise MissingDependency(f"{error} (apt-get install postgresql; `make bench` installs it)") from None
    stack.on_exit(cluster.stop)
    cluster.start()
    return cluster.url
