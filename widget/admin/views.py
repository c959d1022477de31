"""Sign-in pages (first-run setup, login, logout, change password), the nav, and every admin response's headers."""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..i18n import language_name
from ..queries.accounts import get_admin
from ..queries.audit import record
from ..state import get_state
from . import first_run
from .access import home_url, landing, may_use, must_enrol
from .auth import actor, current_admin, current_session, log_in, log_out, login_required, sign_in
from .blueprint import blueprint
from .forms import LoginForm, LogoutForm, PasswordForm, SetupForm, csrf_failed
from .login_check import Verdict, attempt_login, wait_words
from .passwords import AccountError, create_admin, current_password_problem, has_admins, set_password
from .session import await_second_step, flash, generate_csrf_token, save_cookie, take_flashes

ADMIN_CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "frame-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
])
NAV = (
    ("rtr_admin.widgets", "Widgets"), ("rtr_admin.inbox", "Inbox"), ("rtr_admin.spam", "Suspected spam"),
    ("rtr_admin.audit", "Audit log"), ("rtr_admin.people", "People's data"), ("rtr_admin.smtp", "Email server"),
    ("rtr_admin.accounts", "Accounts"),
    ("rtr_admin.account", "Your account"),
)


@blueprint.after_request
def secure_admin_response(response: Response) -> Response:
    """Forbid framing and inline scripts on every admin page (the preview sets its own policy)."""
    if "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = ADMIN_CSP
        response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.endpoint != "rtr_admin.static":
        response.headers["Cache-Control"] = "no-store"
    return response


blueprint.after_request(save_cookie)  # the admin's own cookie, written back when a request changed it


@blueprint.app_template_global("rtr_admin_nav")
def admin_nav() -> list[tuple[str, str, bool]]:
    """Return (url, label, is_current) for each nav link the signed-in admin may follow."""
    session = current_session()
    if session is None or must_enrol(session):  # until then every link leads back to the set-up page
        return []
    return [(url_for(endpoint), label, request.endpoint == endpoint) for endpoint, label in NAV
            if may_use(endpoint, session)]


@blueprint.app_template_global("rtr_admin_may")
def admin_may(endpoint: str) -> bool:
    """Tell templates whether the signed-in admin may open endpoint (hide links staff can't follow)."""
    return may_use(endpoint, current_session())


@blueprint.app_template_global("rtr_admin_home")
def admin_home() -> str:
    """Return where the brand link leads: the widgets for owners, the inbox for staff."""
    return home_url(current_session())


blueprint.add_app_template_global(csrf_failed, "rtr_csrf_failed")


@blueprint.context_processor
def admin_context() -> dict[str, Any]:
    return {"admin_user": current_admin(), "csrf_token": generate_csrf_token, "rtr_admin_flashes": take_flashes}


@blueprint.route("/setup", methods=["GET", "POST"])
def setup() -> Any:
    """Create the first admin, guarded by the one-time token printed in the server log."""
    store = get_state().store
    if has_admins(store):
        flash("Setup is already done. Sign in, or ask an admin to create an account for you.", "info")
        return redirect(url_for("rtr_admin.login"))
    app = current_app._get_current_object()
    form = SetupForm(token=request.args.get("token", ""))
    if not first_run.token_matches(app, form.token.data):
        first_run.announce(app)
        return render_template("rtr/admin/setup.html", form=None), 403
    if form.validate_on_submit():
        try:
            name = create_admin(store, form.username.data or "", form.password.data or "",
                                email=form.email.data or "")
        except AccountError as error:
            field = form.email if "email" in str(error) else form.username
            field.errors = [*field.errors, str(error)]
        else:
            first_run.forget_token(app)
            sign_in(name, "admin.setup")
            flash("Welcome! Your admin account is ready.", "success")
            return redirect(url_for("rtr_admin.widgets"))
    return render_template("rtr/admin/setup.html", form=form), 400 if form.errors else 200


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Sign in; failed attempts are throttled per IP address and per account."""
    store = get_state().store
    form = LoginForm(next=request.args.get("next", ""))
    if request.method == "GET" and current_admin():
        return redirect(landing(form.next.data))
    status, verdict = 200, Verdict()
    if form.validate_on_submit():
        verdict = attempt_login(store, form.username.data or "", form.password.data or "")
        if verdict.retry_after:
            form.password.errors = [f"Too many attempts. Wait {wait_words(verdict.retry_after)}, then try again."]
            status = 429
        elif verdict.username:
            return _password_matched(verdict.username, form.next.data)
        else:
            form.password.errors = ["That username and password don't match."]
            status = 401
    elif form.errors:
        status = 400
    response = current_app.make_response(
        (render_template("rtr/admin/login.html", form=form, no_admins=not has_admins(store)), status)
    )
    if status == 429:
        response.headers["Retry-After"] = str(verdict.retry_after)
    return response


def _password_matched(username: str, next_url: str | None) -> Response:
    """Sign in, or ask for the second step when the admin has two-factor sign-in on."""
    admin = get_admin(get_state().store, username)
    if admin is not None and admin.two_factor:
        await_second_step(admin.id)
        return redirect(url_for("rtr_admin.login_code", next=next_url or None))
    sign_in(username)
    return redirect(landing(next_url))


@blueprint.post("/logout")
@login_required
def logout() -> Response:
    """Sign out (a POST with the CSRF token, so no other site can sign you out)."""
    if not LogoutForm().validate_on_submit():
        flash("Your session form expired; press Sign out again.", "error")
        return redirect(home_url(current_session()))
    record(get_state().store, actor(), "admin.logout")
    log_out()
    flash("You are signed out.", "success")
    return redirect(url_for("rtr_admin.login"))


@blueprint.route("/password", methods=["GET", "POST"])
@login_required
def password() -> Any:
    """Change the signed-in admin's password."""
    store = get_state().store
    form = PasswordForm()
    if form.validate_on_submit():
        username = actor()
        problem = current_password_problem(store, username, form.current.data or "", "Change password")
        if problem:
            form.current.errors = [problem]
        else:
            try:
                set_password(store, username, form.password.data or "")
            except AccountError as error:
                form.password.errors = [str(error)]
            else:
                log_in(username)  # a fresh session here; every other one, copies of this cookie included, ended
                record(store, username, "admin.password")
                flash("Your password is changed. Every other browser signed in as you is signed out.", "success")
                return redirect(url_for("rtr_admin.account"))
    return render_template("rtr/admin/password.html", form=form), 400 if form.errors else 200


@blueprint.app_template_filter("rtr_language")
def language_label(code: str | None) -> str:
    """Name a language in English: ``es`` -> ``Spanish``."""
    return language_name(code or "en")

