"""Accepting an invitation: the emailed one-time link lets its holder choose a username and password.

The new admin gets the role and the email address the owner chose. The link works once and
until it expires; withdrawing it on the accounts page stops it at once.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, url_for

from ..queries import account_links
from ..state import get_state
from .account_forms import AcceptInviteForm
from .accounts import token_hash
from .auth import log_out, sign_in
from .blueprint import blueprint
from .passwords import AccountError, checked_username, hash_password, password_problem
from .session import flash


@blueprint.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str) -> Any:
    """Create the invited admin's account and sign them in."""
    store = get_state().store
    invitation = account_links.find(store, account_links.INVITE, token_hash(token))
    if invitation is None:
        return render_template("rtr/admin/link_used.html", what="invitation"), 404
    form = AcceptInviteForm()
    if form.validate_on_submit():
        try:
            name = checked_username(form.username.data or "")
        except AccountError as error:
            form.username.errors = [str(error)]
        else:
            problem = password_problem(form.password.data or "")
            if problem:
                form.password.errors = [problem]
            else:
                outcome = account_links.accept_invite(store, invitation, name, hash_password(form.password.data or ""))
                if outcome == "used":
                    return render_template("rtr/admin/link_used.html", what="invitation"), 404
                if outcome == "joined":
                    log_out()  # whoever was signed in in this browser before
                    sign_in(name, "admin.joined", f"invited by {invitation.created_by} as {invitation.role}")
                    flash(f"Welcome, {name}! Your account is ready.", "success")
                    return redirect(url_for("rtr_admin.widgets" if invitation.role == "owner" else "rtr_admin.inbox"))
                if outcome == "email":
                    return render_template("rtr/admin/link_used.html", what="invitation"), 409
                form.username.errors = [f"There is already an admin called {name}; choose another username."]
    return render_template("rtr/admin/accept_invite.html", form=form, invitation=invitation), \
        400 if form.errors else 200
