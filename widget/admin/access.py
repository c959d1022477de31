"""Who may use which admin page, enforced before every admin view runs (the safe default is "owners only").

- Anyone: signing in (both steps), the first-run setup, an invitation, a password reset, static files.
- Every signed-in admin: their own account (address, password, two-factor) and signing out.
- Staff: that, and the inbox (requests, a request's page and its buttons, the CSV download).
- Owners: everything, including any admin page added later until it is listed here.
- While the owners require two-factor sign-in, an admin without it may only set it up or sign out.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..queries.accounts import OWNER, AdminSession
from ..state import get_state
from . import two_factor
from .auth import current_session
from .blueprint import blueprint
from .next_url import safe_next
from .session import flash

PUBLIC = frozenset({
    "rtr_admin.login", "rtr_admin.login_code", "rtr_admin.setup", "rtr_admin.static",
    "rtr_admin.accept_invite", "rtr_admin.reset_request", "rtr_admin.reset_password",
})
ENROLMENT = frozenset({"rtr_admin.two_factor", "rtr_admin.logout"})
OWN_ACCOUNT = ENROLMENT | {
    "rtr_admin.account", "rtr_admin.account_email", "rtr_admin.password", "rtr_admin.two_factor_off",
    "rtr_admin.recovery_codes",
}
INBOX = frozenset({
    "rtr_admin.inbox", "rtr_admin.lead_detail", "rtr_admin.replay_delivery", "rtr_admin.mark_contacted",
    "rtr_admin.delete_lead", "rtr_admin.export_csv",
})
STAFF = OWN_ACCOUNT | INBOX


def may_use(endpoint: str, session: AdminSession | None) -> bool:
    """Tell whether this signed-in admin (or nobody) may use the endpoint, by role alone."""
    if endpoint in PUBLIC:
        return True
    if session is None:
        return False
    return session.role == OWNER or endpoint in STAFF


def must_enrol(session: AdminSession) -> bool:
    """Tell whether the admin has to set up two-factor sign-in before anything else."""
    return not session.two_factor and two_factor.required(get_state().store)


def home_url(session: AdminSession | None) -> str:
    """Return where an admin starts: the widgets for owners, the inbox for staff."""
    return url_for("rtr_admin.widgets" if session is None or session.role == OWNER else "rtr_admin.inbox")


def landing(target: str | None) -> str:
    """Return where to go after signing in: ``next`` when it is one of our admin paths, else home."""
    home = home_url(current_session())
    return safe_next(target, url_for("rtr_admin.widgets")) or home


@blueprint.before_request
def enforce_access() -> Any:
    """Refuse any admin view the visitor may not use, whatever decorators the view itself wears."""
    endpoint = request.endpoint or ""
    if endpoint in PUBLIC or not endpoint.startswith("rtr_admin."):
        return None
    session = current_session()
    if session is None:
        return redirect(url_for("rtr_admin.login", next=request.full_path.rstrip("?")))
    if endpoint not in ENROLMENT and must_enrol(session):
        flash("This practice requires two-factor sign-in. Set it up now to continue.", "info")
        return redirect(url_for("rtr_admin.two_factor"))
    if not may_use(endpoint, session):
        return forbidden()
    return None


def forbidden() -> Response:
    """Answer 403 with a page that says whose page this is and where to go instead."""
    return current_app.make_response((render_template("rtr/admin/forbidden.html"), 403))
