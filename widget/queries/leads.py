"""Leads: store one with its deliveries, read one by its public id, mark, delete, expire."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..db import Store
from ..models import NewLead, ReplayError, SpamMark, Widget
from ..routing import planned_deliveries
from ..schema import attempts, deliveries, leads, used_tokens
from .inbox import has_unsettled_delivery, settled_at_expression
from .page_stats import bump_submission
from .stats import bump, day_of

CHUNK = 500


def add_lead(store: Store, widget: Widget, lead: NewLead, token_nonce: str | None = None,
             spam: SpamMark | None = None) -> str:
    """Store the lead and one delivery per configured channel in one transaction.

    Suspected spam is stored without deliveries and counted as blocked, not as a submission, until
    an admin releases it. Returns the lead's public id. Raises ReplayError when the token was already used.
    """
    now = time.time()
    public_id = uuid.uuid4().hex
    try:
        with store.engine.begin() as conn:
            if token_nonce:
                conn.execute(insert(used_tokens).values(nonce=token_nonce, used_at=now, lead_public_id=public_id))
            lead_id = conn.execute(
                insert(leads).values(
                    public_id=public_id, widget_id=widget.id, created_at=now, consented_at=now,
                    settings_version=widget.version, status="new", spam_reason=spam.reason if spam else None,
                    spam_detail=spam.detail[:200] if spam else None, **lead.__dict__,
                )
            ).inserted_primary_key[0]
            if spam is None:
                insert_deliveries(conn, widget, lead, lead_id, public_id, now)
            zone_name = widget.settings.time_zone
            bump(conn, widget.id, "blocked" if spam else "submissions", now, zone_name)
            if spam is None:
                campaign = lead.utm.get("utm_campaign", "")
                bump_submission(conn, widget.id, day_of(now, zone_name), lead.page_url, campaign)
    except IntegrityError as error:
        if token_nonce and "used_tokens" in str(error.orig):
            raise ReplayError(token_nonce) from None
        raise
    return public_id


def insert_deliveries(conn: Connection, widget: Widget, lead: NewLead, lead_id: int, public_id: str,
                      now: float) -> None:
    """Queue one delivery per channel the widget has now, due at once, inside the caller's transaction."""
    for delivery in planned_deliveries(widget, lead, public_id):
        conn.execute(insert(deliveries).values(
            lead_id=lead_id, widget_id=widget.id, status="pending", attempts=0,
            next_attempt_at=now, created_at=now, **delivery,
        ))


def lead_for_token(store: Store, nonce: str) -> dict[str, Any] | None:
    """Return the lead a used form token stored, or None (it was deleted since, or the token is unknown)."""
    query = select(leads).join(used_tokens, used_tokens.c.lead_public_id == leads.c.public_id).where(
        used_tokens.c.nonce == nonce)
    with store.reading() as conn:
        row = conn.execute(query).first()
    return dict(row._mapping) if row else None


def get_lead(conn: Connection, public_id: str) -> dict[str, Any] | None:
    """Return a lead with its deliveries, each with its attempts (oldest first), or None."""
    row = conn.execute(select(leads).where(leads.c.public_id == public_id[:40])).first()
    if row is None:
        return None
    lead = dict(row._mapping)
    found = conn.execute(select(deliveries).where(deliveries.c.lead_id == lead["id"]).order_by(deliveries.c.id))
    lead["deliveries"] = [dict(d._mapping) for d in found]
    by_delivery = {d["id"]: d for d in lead["deliveries"]}
    for delivery in lead["deliveries"]:
        delivery["attempt_log"] = []
    if by_delivery:
        query = (
            select(attempts).where(attempts.c.delivery_id.in_(list(by_delivery)))
            .order_by(attempts.c.at, attempts.c.id)
        )
        for attempt in conn.execute(query):
            by_delivery[attempt.delivery_id]["attempt_log"].append(dict(attempt._mapping))
    return lead


def set_contacted(store: Store, lead_id: int, contacted: bool) -> bool:
    """Mark a lead as contacted (or back to new); return False when there is no such lead."""
    values = {"status": "contacted", "contacted_at": time.time()} if contacted else {
        "status": "new", "contacted_at": None}
    with store.engine.begin() as conn:
        return bool(conn.execute(update(leads).where(leads.c.id == lead_id).values(**values)).rowcount)


def delete_leads(conn: Connection, lead_ids: Iterable[int]) -> int:
    """Delete leads (their deliveries and attempts go with them); return how many went."""
    ids = list(lead_ids)
    removed = 0
    for start in range(0, len(ids), CHUNK):
        removed += conn.execute(delete(leads).where(leads.c.id.in_(ids[start:start + CHUNK]))).rowcount
    return removed


def count_for_widget(store: Store, widget_id: str) -> int:
    """Return how many requests a widget holds."""
    with store.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(leads)
                                .where(leads.c.widget_id == widget_id)).scalar_one())


def expired_lead_ids(conn: Connection, widget_id: str, cutoff: float) -> list[int]:
    """Return the widget's leads settled before cutoff: each delivery arrived or was marked as handled.

    A lead with a delivery still sending, failed, parked (webhook off) or saved as a file is kept:
    someone has not received it yet. So is one with no delivery at all, and suspected spam.
    """
    settled = settled_at_expression()
    query = select(leads.c.id).where(
        and_(leads.c.widget_id == widget_id, leads.c.spam_reason.is_(None), settled.is_not(None),
             settled < cutoff),
        ~has_unsettled_delivery(),
    )
    return [row.id for row in conn.execute(query)]


def purge_used_tokens(store: Store, older_than: float) -> int:
    """Forget used form tokens issued before older_than (they could not be submitted again anyway)."""
    with store.engine.begin() as conn:
        return conn.execute(delete(used_tokens).where(used_tokens.c.used_at < older_than)).rowcount
