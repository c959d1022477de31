"""Find everything held about an email address, whatever case or form it was stored in."""

from __future__ import annotations

import email
import email.policy
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import Flask
from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from ..delivery.mailer import outbox_dir
from ..schema import attempts, audit_log, deliveries, leads
from ..state import get_state

#: Lead columns a person's record lists: every one, except the row's internal id.
LEAD_FIELDS = tuple(column.name for column in leads.columns if column.name != "id")


@dataclass
class Person:
    """Everything held about one address."""

    address: str
    leads: list[dict[str, Any]] = field(default_factory=list)
    spam: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Tell whether nothing at all is held about the address."""
        return not (self.leads or self.spam or self.audit or self.files)

    def as_json(self) -> dict[str, Any]:
        """Return the record as JSON-ready data (``flask rtr find-person --json``)."""
        return {"address": self.address, "requests": self.leads, "suspected_spam": self.spam,
                "audit_entries": self.audit, "outbox_files": self.files}


def address_forms(address: str) -> frozenset[str]:
    """Return the forms an address may be stored in, casefolded: as typed, normalised and in ASCII."""
    typed = address.strip()
    forms = {typed.casefold()}
    try:
        valid = validate_email(typed, check_deliverability=False)
    except EmailNotValidError:
        return frozenset(form for form in forms if "@" in form)
    forms |= {valid.normalized.casefold(), f"{valid.local_part}@{valid.ascii_domain}".casefold()}
    return frozenset(form for form in forms if "@" in form)


def matches(value: str | None, forms: frozenset[str]) -> bool:
    """Tell whether a stored address is one of the forms (its domain in Unicode or ASCII)."""
    if not value:
        return False
    return bool(address_forms(value) & forms)


def whole_address(form: str) -> str:
    """Return a pattern matching form as a whole address (not inside a longer one), for casefolded text."""
    return rf"(?<![\w.!#$%&'*+/=?^`{{|}}~-]){re.escape(form)}(?![\w-]|\.\w)"


def mentions(text: str | None, forms: frozenset[str]) -> bool:
    """Tell whether a text contains one of the forms as a whole address, in any case.

    ``amaya@example.org`` and ``maya@example.org.uk`` do not mention ``maya@example.org``.
    """
    folded = (text or "").casefold()
    return any(re.search(whole_address(form), folded) for form in forms)


def _domains(forms: frozenset[str]) -> set[str]:
    return {form.rsplit("@", 1)[1] for form in forms}


def matching_lead_ids(conn: Connection, forms: frozenset[str]) -> list[int]:
    """Return the ids of leads whose address is one of the forms.

    SQL narrows by domain (stored addresses are normalised, so their domain is lower case); the
    comparison itself is Python's, since SQLite's lower() leaves non-ASCII letters alone.
    """
    by_domain = or_(*(func.lower(leads.c.email).like(f"%@{domain}", escape="\\")
                      for domain in (_escape(d) for d in _domains(forms))))
    rows = conn.execute(select(leads.c.id, leads.c.email).where(by_domain)).all()
    return [row.id for row in rows if matches(row.email, forms)]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matching_audit_ids(conn: Connection, forms: frozenset[str]) -> list[int]:
    """Return the ids of audit entries whose details mention one of the forms."""
    local_parts = {form.rsplit("@", 1)[0] for form in forms}
    rough = or_(*(func.lower(audit_log.c.detail).like(f"%{_escape(part)}%", escape="\\") for part in local_parts))
    rows = conn.execute(select(audit_log.c.id, audit_log.c.detail).where(rough)).all()
    return [row.id for row in rows if mentions(row.detail, forms)]


def _deliveries_of(conn: Connection, lead_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {lead_id: [] for lead_id in lead_ids}
    if not lead_ids:
        return found
    rows = conn.execute(select(deliveries).where(deliveries.c.lead_id.in_(lead_ids))
                        .order_by(deliveries.c.id)).mappings().all()
    tried: dict[int, list[dict[str, Any]]] = {row["id"]: [] for row in rows}
    for attempt in conn.execute(select(attempts).where(attempts.c.delivery_id.in_(list(tried)))
                                .order_by(attempts.c.id)).mappings():
        tried[attempt["delivery_id"]].append({key: attempt[key] for key in ("at", "outcome", "detail", "duration_ms")})
    for row in rows:
        found[row["lead_id"]].append({
            "id": row["id"], "channel": row["channel"], "target": row["target"], "status": row["status"],
            "message_id": row["message_id"], "last_error": row["last_error"], "attempts": tried[row["id"]],
        })
    return found


def outbox_files(app: Flask, forms: frozenset[str], message_ids: Iterable[str] = ()) -> list[str]:
    """Return the .eml files in the outbox folder written for these deliveries or mentioning the address."""
    folder = outbox_dir(app)
    wanted = {message_id.strip("<>") for message_id in message_ids}
    return sorted(path for path in _eml_files(folder) if _holds(path, forms, wanted))


def _eml_files(folder: str) -> Iterator[str]:
    if os.path.isdir(folder):
        for entry in os.scandir(folder):
            if entry.is_file() and entry.name.endswith(".eml"):
                yield entry.path


def _holds(path: str, forms: frozenset[str], message_ids: set[str]) -> bool:
    try:
        with open(path, "rb") as handle:
            message = email.message_from_binary_file(handle, policy=email.policy.default)
    except OSError:
        return False
    if str(message.get("Message-ID", "")).strip().strip("<>") in message_ids:
        return True
    headers = "\n".join(f"{name}: {value}" for name, value in message.items())
    bodies = (part.get_content() for part in message.walk() if part.get_content_maintype() == "text")
    return mentions(headers, forms) or any(mentions(str(body), forms) for body in bodies)


def find_person(app: Flask, address: str) -> Person:
    """Return everything held about the address: requests, spam, audit mentions and outbox files."""
    forms = address_forms(address)
    person = Person(address.strip())
    if not forms:
        return person
    with get_state(app).store.reading() as conn:
        ids = matching_lead_ids(conn, forms)
        rows = conn.execute(select(leads).where(leads.c.id.in_(ids)).order_by(leads.c.created_at)).mappings().all()
        sent = _deliveries_of(conn, ids)
        audit_ids = matching_audit_ids(conn, forms)
        audit = conn.execute(select(audit_log).where(audit_log.c.id.in_(audit_ids))
                             .order_by(audit_log.c.at)).mappings().all()
    for row in rows:
        record = {key: row[key] for key in LEAD_FIELDS} | {"deliveries": sent[row["id"]]}
        (person.spam if row["spam_reason"] else person.leads).append(record)
    person.audit = [{key: entry[key] for key in ("at", "actor", "action", "widget_id", "detail")} for entry in audit]
    message_ids = [d["message_id"] for found in sent.values() for d in found]
    person.files = outbox_files(app, forms, message_ids)
    return person
