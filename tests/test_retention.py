"""Retention: delivered leads go N days after delivery (per widget), undelivered ones stay."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from flask import Flask

from widget.db import Store
from widget.queries.widgets import create_widget
from widget.retention import purge_expired, purge_task
from widget.schema import attempts, deliveries, leads
from widget.settings import WidgetSettings

from .support.leads import DAY, add, count, set_deliveries


@pytest.fixture
def store(app: Flask) -> Store:
    return app.extensions["rtr"].store


def _widget(store: Store, days: int | None, widget_id: str):
    settings = WidgetSettings(practice_name="Practice " + widget_id, notify_emails=["intake@example.com"],
                              **({"retention_days": days} if days is not None else {}))
    return create_widget(store, settings.practice_name, settings, widget_id=widget_id)


def test_purge_deletes_exactly_the_expired_delivered_leads(any_store: Store) -> None:
    store = any_store
    now = time.time()
    short, default = _widget(store, 30, "short"), _widget(store, None, "default")
    expired = add(store, short, name="expired")
    set_deliveries(store, expired, "delivered", now - 31 * DAY)
    recent = add(store, short, name="recent")
    set_deliveries(store, recent, "delivered", now - 29 * DAY)
    never = add(store, short, name="never delivered")
    dead = add(store, short, name="dead")
    set_deliveries(store, dead, "dead", now - 200 * DAY, error="550 mailbox unavailable")
    old_default = add(store, default, name="old default")
    set_deliveries(store, old_default, "delivered", now - 91 * DAY)
    kept_default = add(store, default, name="kept default")
    set_deliveries(store, kept_default, "delivered", now - 89 * DAY)

    assert purge_expired(store, now) == {"short": 1, "default": 1}

    with store.reading() as conn:
        left = {row.name for row in conn.execute(leads.select())}
    assert left == {"recent", "never delivered", "dead", "kept default"}
    assert count(store, deliveries, deliveries.c.lead_id.in_([expired, old_default])) == 0
    assert count(store, attempts) == 3
    assert purge_expired(store, now) == {}
    assert never and dead


def test_a_lead_with_a_delivery_still_pending_is_kept(any_store: Store) -> None:
    store = any_store
    now = time.time()
    settings = WidgetSettings(practice_name="Both", notify_emails=["intake@example.com"],
                              webhook_url="https://crm.example.com/hook", retention_days=1)
    widget = create_widget(store, "Both", settings, widget_id="both")
    lead_id = add(store, widget)
    with store.engine.begin() as conn:
        conn.execute(deliveries.update().where(deliveries.c.channel == "email")
                     .values(status="delivered", delivered_at=now - 5 * DAY))
    assert purge_expired(store, now) == {}
    with store.engine.begin() as conn:
        conn.execute(deliveries.update().where(deliveries.c.channel == "webhook")
                     .values(status="delivered", delivered_at=now - 3 * DAY))
    assert purge_expired(store, now) == {"both": 1}
    assert count(store, leads, leads.c.id == lead_id) == 0


def test_the_lead_own_delivered_mark_counts_too(any_store: Store) -> None:
    store = any_store
    widget = _widget(store, 10, "marked")
    lead_id = add(store, widget)
    with store.engine.begin() as conn:
        conn.execute(leads.update().values(delivered_at=time.time() - 11 * DAY))
        conn.execute(deliveries.update().values(status="delivered"))
    assert purge_expired(store) == {"marked": 1}
    assert count(store, leads, leads.c.id == lead_id) == 0


def test_flask_rtr_purge_and_the_worker_task(app: Flask, store: Store) -> None:
    widget = _widget(store, 5, "cli")
    for _ in range(3):
        set_deliveries(store, add(store, widget), "delivered", time.time() - 6 * DAY)
    result = app.test_cli_runner().invoke(args=["rtr", "purge"])
    assert result.exit_code == 0, result.output
    assert "cli: deleted 3 lead(s)." in result.output
    assert "Deleted 3 lead(s)" in result.output
    set_deliveries(store, add(store, widget), "delivered", time.time() - 6 * DAY)
    purge_task(app)
    assert count(store, leads, leads.c.widget_id == "cli") == 0



def test_the_worker_purges_on_its_maintenance_round(make_app: Callable[..., Flask]) -> None:
    from widget.delivery.worker import TASKS, Worker

    app = make_app()
    assert TASKS.count(purge_task) == 1
    store = app.extensions["rtr"].store
    widget = _widget(store, 2, "worker")
    set_deliveries(store, add(store, widget), "delivered", time.time() - 3 * DAY)
    Worker(app).maintain(force=True)
    assert count(store, leads, leads.c.widget_id == "worker") == 0


@pytest.mark.parametrize(("webhook", "purged"), [
    ("pending", False), ("dead", False), ("disabled", False), ("saved_to_file", False), ("resolved", True),
])
def test_a_lead_goes_only_when_every_delivery_arrived_or_was_handled(any_store: Store, webhook: str,
                                                                    purged: bool) -> None:
    # The email went out long ago; the CRM's copy is still sending, failed, parked by a 410, only a file,
    # or an admin marked it as handled.
    store = any_store
    now = time.time()
    settings = WidgetSettings(practice_name="Both", notify_emails=["intake@example.com"],
                              webhook_url="https://crm.example.com/hook", retention_days=30)
    lead_id = add(store, create_widget(store, "Both", settings, widget_id="both"))
    with store.engine.begin() as conn:
        conn.execute(deliveries.update().where(deliveries.c.channel == "email")
                     .values(status="delivered", delivered_at=now - 200 * DAY))
        handled = {"resolved_at": now - 31 * DAY, "resolved_by": "ann"} if webhook == "resolved" else {}
        conn.execute(deliveries.update().where(deliveries.c.channel == "webhook").values(status=webhook, **handled))
    assert purge_expired(store, now) == ({"both": 1} if purged else {})
    assert count(store, leads, leads.c.id == lead_id) == (0 if purged else 1)


def test_retention_counts_from_when_the_last_delivery_was_handled(any_store: Store) -> None:
    store = any_store
    now = time.time()
    lead_id = add(store, _widget(store, 30, "handled"))
    with store.engine.begin() as conn:
        conn.execute(deliveries.update().values(status="resolved", resolved_at=now - 29 * DAY, resolved_by="ann"))
    assert purge_expired(store, now) == {}
    assert purge_expired(store, now + 2 * DAY) == {"handled": 1}
    assert count(store, leads, leads.c.id == lead_id) == 0


def test_a_lead_that_had_nowhere_to_go_is_kept(any_store: Store) -> None:
    store = any_store
    widget = create_widget(store, "Nowhere", WidgetSettings(practice_name="Nowhere", retention_days=1),
                           widget_id="nowhere")
    add(store, widget)
    with store.engine.begin() as conn:
        conn.execute(leads.update().values(created_at=time.time() - 400 * DAY))
    assert purge_expired(store) == {}, "a request that went nowhere stays in the inbox"


def test_flask_rtr_purge_keeps_a_lead_whose_webhook_was_disabled(app: Flask, store: Store) -> None:
    settings = WidgetSettings(practice_name="CRM", notify_emails=["intake@example.com"],
                              webhook_url="https://crm.example.com/hook", retention_days=5)
    lead_id = add(store, create_widget(store, "CRM", settings, widget_id="crm"))
    with store.engine.begin() as conn:
        conn.execute(deliveries.update().where(deliveries.c.channel == "email")
                     .values(status="delivered", delivered_at=time.time() - 6 * DAY))
        conn.execute(deliveries.update().where(deliveries.c.channel == "webhook").values(
            status="disabled", last_error="The endpoint answered 410 Gone; the webhook is disabled."))
    result = app.test_cli_runner().invoke(args=["rtr", "purge"])
    assert "Deleted 0 lead(s)" in result.output
    assert count(store, leads, leads.c.id == lead_id) == 1, "the CRM never got it"
