"""The owners' accounts page: who can sign in, invitations by email, roles, removal, requiring two-factor.

Every change is written to the audit log. There is always an owner: the last one can't be removed
or made staff. Removing an admin deletes their sessions with them, so every browser they were
signed in on, and any copy of its cookie, is signed out at once.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from flask import abort, current_app, redirect, render_template, url_for
from werkzeug.wrappers import Response

from ..queries import account_links
from ..queries.accounts import LastAdminError, get_admin_by_email, get_admin_by_id, list_admins, remove_admin, set_role
from ..queries.audit import record
from ..state import get_state
from ..timezones import admin_time
from . import account_mail, two_factor
from .account_forms import InviteForm, RequireTwoFactorForm, RoleForm
from .auth import actor, current_session, log_out, login_required
from .blueprint import blueprint
from .forms import ActionForm
from .passwords import AccountError, normalise_email
from .session import flash

LAST_OWNER = "There must always be an owner: make someone else an owner first."


def token_hash(token: str) -> str:
    """Return what is stored for a link's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def when(epoch: float) -> str:
    """Write a moment for an admin's email, in the installation's time zone: ``2026-11-28 09:05 EST``."""
    return admin_time(epoch)


def _page(invite_form: InviteForm | None = None, status: int = 200) -> Any:
    store = get_state().store
    admins = list_admins(store)
    return render_template(
        "rtr/admin/accounts.html", admins=admins, invites=account_links.open_invites(store),
        invite_form=invite_form or InviteForm(), action_form=ActionForm(),
        role_forms={admin.id: RoleForm(prefix=f"admin{admin.id}", role=admin.role) for admin in admins},
        require_form=RequireTwoFactorForm(require=two_factor.required(store)),
        me=current_session(),
    ), status


@blueprint.get("/accounts")
@login_required
def accounts() -> Any:
    """List the admins and open invitations, with the forms that change them."""
    return _page()


@blueprint.post("/accounts/invite")
@login_required
def invite() -> Any:
    """Email a one-time link to choose a username and password, with the role chosen here."""
    form = InviteForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    store, app = get_state().store, current_app._get_current_object()
    try:
        email = normalise_email(form.email.data or "")
    except AccountError as error:
        form.email.errors = [str(error)]
        return _page(form, 400)
    if get_admin_by_email(store, email) is not None:
        form.email.errors = ["An admin already uses this address."]
        return _page(form, 400)
    token = secrets.token_urlsafe(32)
    invitation = account_links.add_invite(store, token_hash(token), email, form.role.data or "staff", actor(),
                                          float(app.config["RTR_ADMIN_INVITE_SECONDS"]))
    url = account_mail.link(app, "rtr_admin.accept_invite", token, trust_request=True) or ""
    sent = account_mail.send(app, email, "You're invited to the Ready to Rebuild admin", "invite", {
        "inviter": actor(), "role": invitation.role, "url": url, "expires": when(invitation.expires_at)})
    record(store, actor(), "admin.invited", f"{email} as {invitation.role}")
    return render_template("rtr/admin/invite_sent.html", invitation=invitation, sent=sent, url=url,
                           expires=when(invitation.expires_at))


@blueprint.post("/accounts/invites/<int:link_id>/revoke")
@login_required
def revoke_invite(link_id: int) -> Response:
    """Withdraw an invitation: its link stops working."""
    if not ActionForm().validate_on_submit():
        flash("This form expired; press Withdraw again.", "error")
    else:
        revoked = account_links.revoke_invite(get_state().store, link_id)
        if revoked is not None:
            record(get_state().store, actor(), "admin.invite_revoked", revoked.email)
            flash(f"The invitation to {revoked.email} is withdrawn; its link no longer works.", "success")
    return redirect(url_for("rtr_admin.accounts"))


@blueprint.post("/accounts/<int:admin_id>/role")
@login_required
def change_role(admin_id: int) -> Response:
    """Make an admin an owner or staff (never the last owner staff)."""
    store = get_state().store
    admin = get_admin_by_id(store, admin_id) or abort(404, description="There is no such admin.")
    form = RoleForm(prefix=f"admin{admin_id}")
    if not form.validate_on_submit():
        flash("This form expired, or the role was not one we know; choose it and press Change role again.", "error")
        return redirect(url_for("rtr_admin.accounts"))
    try:
        set_role(store, admin.username, form.role.data or "")
    except LastAdminError:
        flash(LAST_OWNER, "error")
        return redirect(url_for("rtr_admin.accounts"))
    if form.role.data != admin.role:
        record(store, actor(), "admin.role", f"{admin.username}: {form.role.data}")
        flash(f"{admin.username} is now {'an owner' if form.role.data == 'owner' else 'staff'}.", "success")
    me = current_session()
    if me is not None and me.admin_id == admin_id and form.role.data != "owner":
        return redirect(url_for("rtr_admin.inbox"))
    return redirect(url_for("rtr_admin.accounts"))


@blueprint.route("/accounts/<int:admin_id>/remove", methods=["GET", "POST"])
@login_required
def remove_account(admin_id: int) -> Any:
    """Ask, then remove an admin and sign them out everywhere (never the last owner)."""
    store = get_state().store
    admin = get_admin_by_id(store, admin_id) or abort(404, description="There is no such admin.")
    form = ActionForm()
    if form.validate_on_submit():
        try:
            remove_admin(store, admin.username)
        except LastAdminError:
            flash(LAST_OWNER, "error")
            return redirect(url_for("rtr_admin.accounts"))
        record(store, actor(), "admin.removed", admin.username)
        me = current_session()
        if me is not None and me.admin_id == admin_id:
            log_out()
            flash("Your account is removed.", "success")
            return redirect(url_for("rtr_admin.login"))
        flash(f"{admin.username} is removed and signed out everywhere.", "success")
        return redirect(url_for("rtr_admin.accounts"))
    return render_template("rtr/admin/account_remove.html", admin=admin, form=form), 400 if form.errors else 200


@blueprint.post("/accounts/two-factor")
@login_required
def require_two_factor() -> Response:
    """Require (or stop requiring) two-factor sign-in for every admin."""
    store, me = get_state().store, current_session()
    form = RequireTwoFactorForm()
    if not form.validate_on_submit():
        flash("This form expired; press Save again.", "error")
    elif form.require.data and me is not None and not me.two_factor:
        flash("Set up two-factor sign-in for your own account first (Your account), so you aren't locked out.",
              "error")
    elif form.require.data != two_factor.required(store):
        two_factor.set_required(store, bool(form.require.data))
        record(store, actor(), "admin.two_factor_required", "on" if form.require.data else "off")
        flash("Every admin now needs two-factor sign-in; those without it set it up at their next page."
              if form.require.data else "Two-factor sign-in is now each admin's choice.", "success")
    return redirect(url_for("rtr_admin.accounts"))
