"""The audit log: who changed which setting and when. Never lead contents, never secrets."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from flask import render_template, request
from sqlalchemy import func, insert, select

from ..extension import get_state
from ..store import Store, audit_log
from . import blueprint
from .auth import login_required

PAGE_SIZE = 50


@dataclass
class Entry:
    at: float
    actor: str
    widget_id: str | None
    action: str
    detail: str


def record(store: Store, actor: str, action: str, detail: str = "", widget_id: str | None = None) -> None:
    """Add one entry (action like ``widget.settings``; detail names settings, never their values)."""
    with store.engine.begin() as conn:
        conn.execute(insert(audit_log).values(
            at=time.time(), actor=actor, action=action, detail=detail[:2000], widget_id=widget_id,
        ))


def entries(store: Store, *, offset: int = 0, limit: int = PAGE_SIZE) -> tuple[list[Entry], int]:
    """Return one page of entries, newest first, and the total count."""
    with store.reading() as conn:
        total = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
        rows = conn.execute(
            select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).offset(offset).limit(limit)
        ).all()
    return [Entry(r.at, r.actor, r.widget_id, r.action, r.detail) for r in rows], int(total)


def changed_paths(before: Any, after: Any, prefix: str = "") -> list[str]:
    """Return the setting paths (``theme.accent_color``, ``steps``) whose values differ."""
    if isinstance(before, dict) and isinstance(after, dict):
        paths: list[str] = []
        for key in sorted(set(before) | set(after)):
            paths += changed_paths(before.get(key), after.get(key), f"{prefix}{key}.")
        return paths
    return [prefix.rstrip(".")] if before != after else []


ACTION_LABELS = {
    "admin.setup": "Created the first admin",
    "admin.created": "Created an admin (command line)",
    "admin.login": "Signed in",
    "admin.logout": "Signed out",
    "admin.password": "Changed their password",
    "widget.created": "Created a widget",
    "widget.duplicated": "Duplicated a widget",
    "widget.deleted": "Deleted a widget",
    "widget.settings": "Changed settings",
    "widget.secret_rotated": "Rotated the webhook secret",
    "widget.test_sent": "Sent a test delivery",
    "widget.webhook_enabled": "Turned the webhook back on",
    "smtp.settings": "Changed the email server settings",
    "lead.deleted": "Deleted a request", "leads.exported": "Downloaded requests as CSV",
    "leads.purged": "Deleted requests past retention", "config.imported": "Imported the configuration",
}


@blueprint.get("/audit")
@login_required
def audit() -> str:
    """Show the audit log, newest first."""
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 100_000)
    items, total = entries(get_state().store, offset=(page - 1) * PAGE_SIZE)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template("rtr/admin/audit.html", entries=items, page=page, pages=pages, total=total,
                           labels=ACTION_LABELS)
