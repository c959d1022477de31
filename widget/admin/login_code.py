"""The second step of signing in: a code from the admin's authenticator app, or a recovery code.

Only a browser whose password matched in the last few minutes gets here (the admin cookie says
whose, and when). Every code is counted like a password (per address, and per account on its own
count, which a right password does not clear), and each code works once.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..queries import two_factor as stored
from ..queries.accounts import Admin, get_admin_by_id
from ..state import get_state
from . import two_factor
from .access import landing
from .account_forms import CodeForm
from .auth import sign_in
from .blueprint import blueprint
from .login_check import wait_words
from .session import flash, second_step_admin
from .throttle import forget_failures, reserve_attempt

#: How long after the password the code may be typed.
SECOND_STEP_SECONDS = 5 * 60


@blueprint.route("/login/code", methods=["GET", "POST"])
def login_code() -> Any:
    """Ask for the code that finishes signing in."""
    admin_id = second_step_admin(SECOND_STEP_SECONDS)
    admin = get_admin_by_id(get_state().store, admin_id) if admin_id is not None else None
    if admin is None or not admin.two_factor:
        flash("Signing in took too long; enter your username and password again.", "info")
        return redirect(url_for("rtr_admin.login", next=request.args.get("next") or None))
    form = CodeForm(next=request.args.get("next", ""))
    status, retry_after = 200, 0
    if form.validate_on_submit():
        retry_after = reserve_attempt(admin.username, second_factor=True)
        if retry_after:
            form.code.errors = [f"Too many attempts. Wait {wait_words(retry_after)}, then try again."]
            status = 429
        else:
            done = _accept(admin, form.code.data or "")
            if done is not None:
                return done
            form.code.errors = ["That code doesn't match. Codes change every 30 seconds: type the one shown now."]
            status = 401
    elif form.errors:
        status = 400
    response = current_app.make_response((render_template("rtr/admin/login_code.html", form=form), status))
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _accept(admin: Admin, code: str) -> Response | None:
    """Sign the admin in when code is right (and unused); None when it isn't."""
    store = get_state().store
    if two_factor.looks_like_totp(code):
        step = two_factor.matching_step(admin.totp_secret or "", code)
        if step is None or not stored.claim_step(store, admin.id, step):
            return None
        action, detail = "admin.login", "with an app code"
    else:
        if not stored.use_recovery_code(store, admin.id, two_factor.recovery_hash(code)):
            return None
        left = stored.recovery_codes_left(store, admin.id)
        action, detail = "admin.login_recovery", f"{left} recovery code{'' if left == 1 else 's'} left"
        flash(f"You used a recovery code; {detail}. Make new ones on Your account page if you are running low.",
              "info")
    forget_failures(admin.username, second_factor=True)
    sign_in(admin.username, action, detail)
    return redirect(landing(request.form.get("next")))
