"""Forgotten passwords: a one-time link by email that sets a new one and signs the account out everywhere.

The request page answers the same words, with the same status, in the same time whether or not an
account uses the address: the lookup, the link and the email all happen after the answer, in the
background. Requests count against the sign-in limit per address, and one account gets at most one
link a minute, so the form can't be used to flood someone's inbox. Links start with RTR_PUBLIC_URL;
without it, no link is sent at all (see account_mail).
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from flask import Flask, current_app, redirect, render_template, url_for
from werkzeug.wrappers import Response

from ..queries import account_links
from ..queries.accounts import get_admin_by_email, get_admin_by_id
from ..queries.audit import record
from ..state import get_state
from . import account_mail
from .account_forms import ResetPasswordForm, ResetRequestForm
from .accounts import token_hash, when
from .blueprint import blueprint
from .login_check import wait_words
from .passwords import AccountError, normalise_email, password_problem, set_password
from .session import flash
from .throttle import reserve_address

#: One account gets at most one reset email this often.
RESEND_SECONDS = 60
SENT = ("If an admin account uses that address, we have sent it a link to choose a new password. "
        "It works once, within {minutes} minutes. Nothing arrived? Check the spam folder, or ask an owner.")


@blueprint.route("/reset", methods=["GET", "POST"])
def reset_request() -> Any:
    """Ask for a reset link by email address."""
    app = current_app._get_current_object()
    form = ResetRequestForm()
    available = bool(account_mail.link(app, "rtr_admin.reset_password", "x"))
    status, retry_after = 200, 0
    if available and form.validate_on_submit():
        retry_after = reserve_address()
        if retry_after:
            form.email.errors = [f"Too many attempts from here. Wait {wait_words(retry_after)}, then try again."]
            status = 429
        else:
            try:
                email = normalise_email(form.email.data or "")
            except AccountError as error:
                form.email.errors = [str(error)]
                status = 400
            else:
                token = secrets.token_urlsafe(32)
                url = account_mail.link(app, "rtr_admin.reset_password", token) or ""
                account_mail.in_background(app, lambda: _send_reset(app, email, token, url))
                minutes = int(app.config["RTR_ADMIN_RESET_SECONDS"]) // 60
                flash(SENT.format(minutes=minutes), "info")
                return redirect(url_for("rtr_admin.login"))
    elif form.errors:
        status = 400
    response = current_app.make_response(
        (render_template("rtr/admin/reset_request.html", form=form, available=available), status))
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _send_reset(app: Flask, email: str, token: str, url: str) -> None:
    """Store the link and email it, when an account uses the address and had no link this last minute."""
    store = get_state(app).store
    admin = get_admin_by_email(store, email)
    if admin is None:
        return
    last = account_links.last_reset_at(store, admin.id)
    if last is not None and time.time() - last < RESEND_SECONDS:
        return
    lifetime = float(app.config["RTR_ADMIN_RESET_SECONDS"])
    account_links.add_reset(store, token_hash(token), admin.id, email, lifetime)
    account_mail.send(app, email, "Reset your Ready to Rebuild password", "reset",
                      {"username": admin.username, "url": url, "expires": when(time.time() + lifetime)})
    record(store, admin.username, "admin.reset_requested")


@blueprint.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    """Choose a new password with a reset link; every session of the account ends."""
    store = get_state().store
    link = account_links.find(store, account_links.RESET, token_hash(token))
    admin = get_admin_by_id(store, link.admin_id) if link and link.admin_id else None
    if link is None or admin is None:
        return render_template("rtr/admin/link_used.html", what="password reset"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        return _set(link, admin.username, form) or (render_template(
            "rtr/admin/reset_password.html", form=form, username=admin.username), 400)
    return render_template("rtr/admin/reset_password.html", form=form, username=admin.username), \
        400 if form.errors else 200


def _set(link: account_links.Link, username: str, form: ResetPasswordForm) -> Response | None:
    store, password = get_state().store, form.password.data or ""
    problem = password_problem(password)
    if problem:
        form.password.errors = [problem]
        return None
    if not account_links.use(store, link):  # another tab used it a moment ago
        return redirect(url_for("rtr_admin.reset_password", token="used"))
    set_password(store, username, password)  # ends every session, voids other links
    record(store, username, "admin.password_reset")
    flash("Your password is changed and every browser signed in as you is signed out. Sign in with the new one.",
          "success")
    return redirect(url_for("rtr_admin.login"))
