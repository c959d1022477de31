"""Erase everything held about an email address, and record that it was done without the address."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import time
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import insert, select, update

from ..queries.leads import delete_leads
from ..schema import audit_log, deliveries, leads, used_tokens
from ..state import get_state
from .find import address_forms, matching_audit_ids, matching_lead_ids, outbox_files, whole_address

ERASED = "[address erased]"


@dataclass(frozen=True)
class Erasure:
    """What one erasure removed, and the hash the audit log keeps instead of the address."""

    leads: int
    spam: int
    deliveries: int
    audit_redacted: int
    files: int
    hash: str

    def summary(self) -> str:
        """Say what went, in one line without the address."""
        return (f"{self.leads} request(s), {self.spam} suspected spam, {self.deliveries} delivery record(s) "
                f"with their attempt details, {self.files} outbox file(s); the address removed from "
                f"{self.audit_redacted} audit entr{'y' if self.audit_redacted == 1 else 'ies'}")


def address_hash(app: Flask, address: str) -> str:
    """Return the keyed hash an erasure is recorded under: the same address gives the same hash here.

    Keyed with RTR_SECRET_KEY, so the log can answer "was this address erased?" for someone who
    asks again, but nobody can recover the address from it by trying likely ones.
    """
    canonical = min(address_forms(address) or {address.strip().casefold()})
    key = str(app.config["RTR_SECRET_KEY"]).encode()
    return "hmac-sha256:" + hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()[:32]


def _redact(text: str, forms: frozenset[str]) -> str:
    for form in sorted(forms, key=len, reverse=True):
        text = re.sub(whole_address(form), ERASED, text, flags=re.IGNORECASE)
    return text


def forget_person(app: Flask, address: str, actor: str) -> Erasure:
    """Erase the address's requests, spam, deliveries, attempt details and outbox files; log it hashed."""
    forms = address_forms(address)
    digest = address_hash(app, address)
    store = get_state(app).store
    with store.engine.begin() as conn:
        ids = matching_lead_ids(conn, forms) if forms else []
        rows = conn.execute(select(leads.c.public_id, leads.c.spam_reason).where(leads.c.id.in_(ids))).all()
        message_ids = list(conn.execute(select(deliveries.c.message_id).where(deliveries.c.lead_id.in_(ids))).scalars())
        conn.execute(update(used_tokens).where(used_tokens.c.lead_public_id.in_([r.public_id for r in rows]))
                     .values(lead_public_id=None))
        delete_leads(conn, ids)  # their deliveries and attempts go with them
        audit_ids = matching_audit_ids(conn, forms) if forms else []
        mentioned = conn.execute(select(audit_log.c.id, audit_log.c.detail).where(audit_log.c.id.in_(audit_ids)))
        for entry in mentioned.all():
            redacted = _redact(entry.detail, forms)
            conn.execute(update(audit_log).where(audit_log.c.id == entry.id).values(detail=redacted))
        files = outbox_files(app, forms, message_ids) if forms else []
        spam = sum(1 for row in rows if row.spam_reason)
        erasure = Erasure(len(rows) - spam, spam, len(message_ids), len(audit_ids), len(files), digest)
        conn.execute(insert(audit_log).values(at=time.time(), actor=actor, action="person.forgotten",
                                              detail=f"{digest}: {erasure.summary()}", widget_id=None))
    for path in files:  # after the commit: a file is only gone once nothing refers to it
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
    return erasure
