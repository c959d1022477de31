"""Helpers for tests of stored leads: submit through the real endpoint, age and deliver them."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from widget.db import Store
from widget.models import NewLead, Widget
from widget.queries.leads import add_lead
from widget.schema import attempts, deliveries, leads

DAY = 86400.0


def submit(client: FlaskClient, widget_id: str = "demo", **fields: str) -> int:
    """Post a lead through the public endpoint (fresh token) and return its row id."""
    from tests.conftest import form_token, valid_lead

    token = form_token(client, widget_id)
    response = client.post(f"/w/{widget_id}/leads", data={"token": token, **valid_lead(**fields)},
                           headers={"Accept": "application/json"})
    assert response.status_code == 201, response.get_data(as_text=True)
    store: Store = client.application.extensions["rtr"].store
    with store.reading() as conn:
        return int(conn.execute(select(func.max(leads.c.id))).scalar_one())


def add(store: Store, widget: Widget, **fields: Any) -> int:
    """Store a lead directly (as the endpoint would) and return its row id."""
    data = {"name": "Sam", "email": "sam@example.org", "consent_text": "I agree", "consent_version": "v1"}
    data.update(fields)
    public_id = add_lead(store, widget, NewLead(**data))
    with store.reading() as conn:
        return int(conn.execute(select(leads.c.id).where(leads.c.public_id == public_id)).scalar_one())


def public_id_of(store: Store, lead_id: int) -> str:
    """Return the public id a lead's links carry."""
    with store.reading() as conn:
        return str(conn.execute(select(leads.c.public_id).where(leads.c.id == lead_id)).scalar_one())


def age(store: Store, lead_id: int, created_at: float) -> None:
    """Move a lead's arrival time."""
    with store.engine.begin() as conn:
        conn.execute(update(leads).where(leads.c.id == lead_id).values(created_at=created_at))


def set_deliveries(store: Store, lead_id: int, status: str, at: float | None = None,
                   error: str | None = None) -> None:
    """Give every delivery of a lead a status (with delivered_at and one attempt row)."""
    with store.engine.begin() as conn:
        ids = [row.id for row in conn.execute(select(deliveries.c.id).where(deliveries.c.lead_id == lead_id))]
        conn.execute(update(deliveries).where(deliveries.c.lead_id == lead_id).values(
            status=status, attempts=1, last_error=error,
            delivered_at=at if status == "delivered" else None))
        for delivery_id in ids:
            conn.execute(attempts.insert().values(
                delivery_id=delivery_id, at=at or 0.0, duration_ms=12,
                outcome="delivered" if status == "delivered" else "dead", detail=error or "250 OK"))


def count(store: Store, table: Any, *where: Any) -> int:
    with store.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def csrf_token(html: str) -> str:
    """Return the first admin CSRF token in a page."""
    import re

    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


