"""Helpers for delivery tests: webhook widgets, leads, the outbox rows, signature checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, select, text
from standardwebhooks import Webhook

from widget.db import Store
from widget.delivery.worker import Worker
from widget.models import NewLead, Widget
from widget.queries.leads import add_lead
from widget.queries.widgets import create_widget
from widget.schema import attempts, deliveries, leads
from widget.settings import WidgetSettings
from widget.state import get_state

from .receiver import Received

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def webhook_widget(store: Store, url: str, **changes: Any) -> Widget:
    """Create a widget whose only delivery is a webhook to url."""
    settings = WidgetSettings(practice_name="Harbor Light", webhook_url=url, **changes)
    return create_widget(store, "Harbor Light", settings)


def add_leads(store: Store, widget: Widget, count: int = 1, **fields: Any) -> list[str]:
    """Store leads as the public endpoint does (lead + outbox rows in one transaction)."""
    ids = []
    for number in range(count):
        data = {"name": f"Person {number}", "email": f"person{number}@example.org", "consent_text": "I agree",
                "consent_version": "v1", "phone": "+1 555 0100", "message": "We need help."}
        data.update(fields)
        ids.append(add_lead(store, widget, NewLead(**data)))
    return ids


def rows(store: Store) -> list[dict[str, Any]]:
    with store.reading() as conn:
        return [dict(r._mapping) for r in conn.execute(select(deliveries).order_by(deliveries.c.id))]


def attempt_rows(store: Store) -> list[dict[str, Any]]:
    with store.reading() as conn:
        return [dict(r._mapping) for r in conn.execute(select(attempts).order_by(attempts.c.id))]


def lead_rows(store: Store) -> list[dict[str, Any]]:
    with store.reading() as conn:
        return [dict(r._mapping) for r in conn.execute(select(leads).order_by(leads.c.id))]


def verify(request: Received, *secrets: str) -> dict[str, Any]:
    """Verify the request's signature with the standardwebhooks package, under each secret."""
    payload: dict[str, Any] = {}
    for secret in secrets:
        payload = Webhook(secret).verify(request.body, request.headers)
    return payload


def settle(app: Flask, timeout: float = 15.0, worker: Worker | None = None) -> Worker:
    """Run one worker in this thread until no delivery is pending (or the timeout passes)."""
    worker = worker or Worker(app, threads=1)
    store = get_state(app).store
    deadline = time.monotonic() + timeout
    with app.app_context():
        while time.monotonic() < deadline:
            if worker.run_once():
                continue
            if not any(r["status"] == "pending" for r in rows(store)):
                break
            time.sleep(0.01)
    return worker


@contextmanager
def fresh_postgres_database(cluster_url: str) -> Iterator[str]:
    """Create an empty database on the test cluster; yield its URL; drop it afterwards."""
    name = "rtr_" + uuid.uuid4().hex[:12]
    admin = create_engine(cluster_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield cluster_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def worker_process(database_url: str, instance: str, **config: Any) -> subprocess.Popen[bytes]:
    """Start ``flask rtr worker`` as its own process against the database; its log is worker.log."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RTR_", "FLASK_"))}
    env.update({
        "FLASK_APP": "widget", "RTR_DATABASE_URL": database_url, "RTR_INSTANCE_PATH": instance,
        "RTR_SECRET_KEY": "worker-test-secret", "RTR_WEBHOOK_ALLOW_PRIVATE": "true", "PYTHONUNBUFFERED": "1",
    })
    env.update({key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()})
    log_path = os.path.join(instance, "worker.log")
    with open(log_path, "ab") as log:
        start = log.tell()
        process = subprocess.Popen([os.path.join(sys.prefix, "bin", "flask"), "rtr", "worker"], env=env,
                                   stdout=log, stderr=log, cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        with open(log_path, "rb") as log:
            log.seek(start)
            if b"started with" in log.read():
                return process
        time.sleep(0.05)
    process.kill()
    with open(log_path, encoding="utf-8", errors="replace") as log:
        raise AssertionError(f"the worker did not start:\n{log.read()}")
