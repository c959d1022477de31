"""``flask rtr worker`` (deliver from its own process) and ``flask rtr retry`` (replay failures)."""

from __future__ import annotations

import signal
import sys
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from ..queries.widgets import get_widget
from ..state import get_state
from . import queue
from .smtp_config import effective_smtp
from .worker import Worker


@click.command("worker")
@click.option("--threads", type=click.IntRange(1, 64), default=None,
              help="Deliveries sent at the same time (default: RTR_WORKER_THREADS).")
@with_appcontext
def worker_command(threads: int | None) -> None:
    """Deliver stored leads until stopped (SIGTERM or Ctrl-C finish the sends in hand first)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    worker = Worker(app, threads=threads)

    def stop(signum: int, _frame: Any) -> None:
        worker.stopping.set()
        worker.wake()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker.start()
    click.echo(f"Delivery worker {worker.id} started with {worker.threads} thread(s).", err=True)
    sys.stderr.flush()
    while not worker.stopping.wait(0.5):
        if not worker.alive:
            break
    worker.stop(timeout=float(app.config["RTR_WEBHOOK_TIMEOUT"]) + 30)
    click.echo("Delivery worker stopped.", err=True)


@click.command("retry")
@click.option("--widget", "widget_id", default=None, help="Only this widget's failed deliveries.")
@click.option("--id", "delivery_ids", type=int, multiple=True, help="Only this delivery (repeatable).")
@with_appcontext
def retry_command(widget_id: str | None, delivery_ids: tuple[int, ...]) -> None:
    """Queue dead and disabled deliveries again, from their first attempt (and, once an email server is
    set up, the emails saved as files before)."""
    store = get_state().store
    if widget_id and get_widget(store, widget_id) is None:
        click.echo(f"Error: there is no widget with the id {widget_id!r}.", err=True)
        sys.exit(2)
    email_set_up = effective_smtp(current_app._get_current_object()).configured  # type: ignore[attr-defined]
    statuses = (*queue.FAILED, "saved_to_file") if email_set_up else queue.FAILED
    chosen = list(delivery_ids) or queue.failed_ids(store, widget_id, statuses)
    count = queue.replay(store, chosen)
    noun = "delivery" if count == 1 else "deliveries"
    click.echo(f"Queued {count} failed {noun} again." if count else "No failed deliveries to retry.")
