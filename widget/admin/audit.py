"""The audit log page, and what a change recorded in it names. Never lead contents, never secrets."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from ..queries.audit import entries
from ..state import get_state
from .auth import login_required
from .blueprint import blueprint

PAGE_SIZE = 50


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
    "admin.removed": "Removed an admin",
    "admin.login": "Signed in",
    "admin.login_recovery": "Signed in with a recovery code",
    "admin.logout": "Signed out",
    "admin.password": "Changed their password",
    "admin.invited": "Invited an admin", "admin.invite_revoked": "Withdrew an invitation",
    "admin.joined": "Accepted an invitation", "admin.role": "Changed an admin's role",
    "admin.email": "Changed their email address",
    "admin.reset_requested": "Was sent a password reset link", "admin.password_reset": "Reset their password by email",
    "admin.two_factor_on": "Turned on two-factor sign-in", "admin.two_factor_off": "Turned off two-factor sign-in",
    "admin.recovery_codes": "Made new recovery codes",
    "admin.two_factor_required": "Changed whether two-factor sign-in is required",
    "widget.created": "Created a widget",
    "widget.duplicated": "Duplicated a widget",
    "widget.deleted": "Deleted a widget",
    "widget.settings": "Changed settings",
    "widget.secret_rotated": "Rotated the webhook secret",
    "widget.test_sent": "Sent a test delivery",
    "widget.webhook_enabled": "Turned the webhook back on",
    "widget.site_allowed": "Allowed a site that had been refused",
    "widget.site_dismissed": "Dismissed a refused site",
    "smtp.settings": "Changed the email server settings",
    "lead.deleted": "Deleted a request", "leads.exported": "Downloaded requests as CSV",
    "leads.purged": "Deleted requests past retention", "config.imported": "Imported the configuration",
    "person.forgotten": "Erased a person's data (the address kept only as a code)",
}


@blueprint.get("/audit")
@login_required
def audit() -> str:
    """Show the audit log, newest first."""
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 100_000)
    items, total = entries(get_state().store, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template("rtr/admin/audit.html", entries=items, page=page, pages=pages, total=total,
                           labels=ACTION_LABELS)
