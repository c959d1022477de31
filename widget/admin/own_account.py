"""Your account: your email address, and two-factor sign-in (set up, new recovery codes, turn off).

Changing how you sign in asks for your password first, so a browser left signed in can't hand the
account over. Turning two-factor on or off signs every other browser out (this one gets a fresh
session). Recovery codes are shown once, on the page that made them.
"""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, url_for

from ..queries import two_factor as stored
from ..queries.account_links import forget_resets
from ..queries.accounts import Admin, EmailTakenError, get_admin_by_id, set_email
from ..queries.audit import record
from ..state import get_state
from . import two_factor
from .account_forms import ConfirmPasswordForm, EmailForm, EnrolForm
from .auth import current_session, log_in, login_required
from .blueprint import blueprint
from .passwords import AccountError, current_password_problem, normalise_email
from .session import flash


def _me() -> Admin:
    session = current_session()
    admin = get_admin_by_id(get_state().store, session.admin_id) if session else None
    return admin or abort(403)


def _page(email_form: EmailForm | None = None, codes_form: ConfirmPasswordForm | None = None,
          off_form: ConfirmPasswordForm | None = None, status: int = 200) -> Any:
    me = _me()
    store = get_state().store
    return render_template(
        "rtr/admin/account.html", me=me, email_form=email_form or EmailForm(email=me.email or ""),
        codes_form=codes_form or ConfirmPasswordForm(prefix="codes"),
        off_form=off_form or ConfirmPasswordForm(prefix="off"),
        codes_left=stored.recovery_codes_left(store, me.id) if me.two_factor else 0,
        required=two_factor.required(store),
    ), status


@blueprint.get("/account")
@login_required
def account() -> Any:
    """Show your address, your password link and your two-factor sign-in."""
    return _page()


@blueprint.post("/account/email")
@login_required
def account_email() -> Any:
    """Change your email address (where password reset links go)."""
    me, store = _me(), get_state().store
    form = EmailForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    try:
        email = normalise_email(form.email.data or "")
    except AccountError as error:
        form.email.errors = [str(error)]
        return _page(form, status=400)
    problem = current_password_problem(store, me.username, form.password.data or "", "Save address")
    if problem:
        form.password.errors = [problem]
        return _page(form, status=400)
    try:
        set_email(store, me.id, email)
    except EmailTakenError:
        form.email.errors = ["Another admin already uses this address."]
        return _page(form, status=400)
    if email != me.email:
        forget_resets(store, me.id)
        record(store, me.username, "admin.email")
    flash("Your email address is saved.", "success")
    return redirect(url_for("rtr_admin.account"))


@blueprint.route("/account/two-factor", methods=["GET", "POST"], endpoint="two_factor")
@login_required
def two_factor_setup() -> Any:
    """Set up two-factor sign-in: scan the QR code (or type the key), then confirm with a code."""
    me, store = _me(), get_state().store
    if me.two_factor:
        return redirect(url_for("rtr_admin.account"))
    form = EnrolForm()
    secret = None
    if form.is_submitted():
        secret = two_factor.enrolment_secret(form.enrolment.data or "", me.id)
        if secret is None:
            flash("That code took too long to confirm; scan this new one and type the code it gives.", "info")
            return redirect(url_for("rtr_admin.two_factor"))
    if secret is not None and form.validate():
        step = two_factor.matching_step(secret, form.code.data or "")
        if step is not None:
            codes = two_factor.new_recovery_codes()
            stored.enable(store, me.id, secret, step, [two_factor.recovery_hash(code) for code in codes])
            log_in(me.username)  # a fresh session here; every other one ended with the change
            record(store, me.username, "admin.two_factor_on")
            return render_template("rtr/admin/recovery_codes.html", codes=codes, first_time=True)
        form.code.errors = ["That code doesn't match. Check the app shows this account, then type the current code."]
    secret = secret or two_factor.new_secret()
    form.enrolment.data = two_factor.enrolment_token(me.id, secret)
    uri = two_factor.provisioning_uri(secret, me.username)
    qr = two_factor.qr_svg(uri, "QR code to add this account to your authenticator app")
    return render_template("rtr/admin/two_factor.html", form=form, qr=qr, key=two_factor.spaced(secret),
                           required=two_factor.required(store)), 400 if form.errors else 200


@blueprint.post("/account/two-factor/recovery-codes")
@login_required
def recovery_codes() -> Any:
    """Make ten new recovery codes; the old ones stop working."""
    me, store = _me(), get_state().store
    form = ConfirmPasswordForm(prefix="codes")
    if not me.two_factor:
        return redirect(url_for("rtr_admin.account"))
    if not _password_confirmed(form, me, "Make new codes"):
        return _page(codes_form=form, status=400)
    codes = two_factor.new_recovery_codes()
    stored.replace_recovery_codes(store, me.id, [two_factor.recovery_hash(code) for code in codes])
    record(store, me.username, "admin.recovery_codes")
    return render_template("rtr/admin/recovery_codes.html", codes=codes, first_time=False)


@blueprint.post("/account/two-factor/off")
@login_required
def two_factor_off() -> Any:
    """Turn two-factor sign-in off (not while the owners require it)."""
    me, store = _me(), get_state().store
    form = ConfirmPasswordForm(prefix="off")
    if two_factor.required(store):
        flash("This practice requires two-factor sign-in, so it can't be turned off.", "error")
        return redirect(url_for("rtr_admin.account"))
    if not _password_confirmed(form, me, "Turn off"):
        return _page(off_form=form, status=400)
    stored.disable(store, me.id)
    log_in(me.username)
    record(store, me.username, "admin.two_factor_off")
    flash("Two-factor sign-in is off. Every other browser signed in as you is signed out.", "success")
    return redirect(url_for("rtr_admin.account"))


def _password_confirmed(form: ConfirmPasswordForm, me: Admin, button: str) -> bool:
    """Tell whether the form came back with the admin's password (its errors say why not)."""
    if not form.validate_on_submit():
        return False
    problem = current_password_problem(get_state().store, me.username, form.password.data or "", button)
    if problem:
        form.password.errors = [problem]
        return False
    return True
