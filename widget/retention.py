"""Retention: delete each widget's leads a set number of days after they were settled, and old spam.

A lead is settled when each of its deliveries arrived or an admin marked it as handled. Leads with
a delivery still sending, failed, parked (webhook off) or saved as a file are kept, so nothing a
visitor sent disappears before someone has it. Suspected spam goes RTR_SPAM_RETENTION_DAYS after it
arrived. The worker runs the purge periodically and ``flask rtr purge`` runs it on demand.
"""

from __future__ import annotations

import time

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .db import Store
from .queries.audit import record
from .queries.inbox import DAY
from .queries.leads import delete_leads, expired_lead_ids
from .queries.spam import expired_spam_ids
from .queries.widgets import list_widgets
from .state import get_state


def purge_expired(store: Store, now: float | None = None) -> dict[str, int]:
    """Delete leads settled longer ago than their widget keeps them; return how many went, by widget id."""
    now = time.time() if now is None else now
    removed: dict[str, int] = {}
    for widget in list_widgets(store):
        cutoff = now - widget.settings.retention_days * DAY
        with store.engine.begin() as conn:
            count = delete_leads(conn, expired_lead_ids(conn, widget.id, cutoff))
        if count:
            removed[widget.id] = count
    return removed


def purge_spam(store: Store, days: float, now: float | None = None) -> int:
    """Delete suspected spam that arrived more than days ago; return how many went."""
    cutoff = (time.time() if now is None else now) - days * DAY
    with store.engine.begin() as conn:
        return delete_leads(conn, expired_spam_ids(conn, cutoff))


def purge_task(app: Flask) -> None:
    """Run both purges for one app (a worker periodic task)."""
    store = get_state(app).store
    purge_expired(store)
    purge_spam(store, float(app.config["RTR_SPAM_RETENTION_DAYS"]))


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Delete leads past each widget's retention period after delivery, and old suspected spam."""
    store = get_state().store
    removed = purge_expired(store)
    for widget_id, count in sorted(removed.items()):
        record(store, "command line", "leads.purged", f"{count} settled lead(s) past retention", widget_id)
        click.echo(f"{widget_id}: deleted {count} lead(s).")
    click.echo(f"Deleted {sum(removed.values())} lead(s) past their retention period.")
    days = current_app.config["RTR_SPAM_RETENTION_DAYS"]
    spam = purge_spam(store, float(days))
    if spam:
        record(store, "command line", "spam.purged", f"{spam} suspected spam request(s) older than {days} days")
    click.echo(f"Deleted {spam} suspected spam request(s) older than {days} days.")
