"""The public surface: embed.js, the frame, the hosted page and lead submission. No cookies."""

from __future__ import annotations

import logging
import re
import secrets
import time

from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, request
from flask_limiter import RateLimitExceeded
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response

from . import ratelimit, seen, signals, site_check
from .assets import asset_response, asset_version
from .card_cache import asked_for, first_view
from .forms import LeadForm
from .frame import mode_of, render_card, secure, thank_you_text, theme_css
from .i18n import supported, template_helpers, words
from .models import NewLead, ReplayError, Widget
from .queries.leads import add_lead, lead_for_token
from .queries.widget_cache import widget_for_card
from .queries.widgets import get_widget
from .security import check_form_token, issue_form_token, request_origin, submission_origin_allowed
from .settings import WidgetSettings
from .state import RTRState, get_state, resource_dir

log = logging.getLogger("widget.public")

# The template folder makes rtr/… templates findable in host apps too; theirs still win.
blueprint = Blueprint("rtr", __name__, template_folder=resource_dir("templates"))
WIDGET_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def register(app: Flask, state: RTRState) -> None:
    """Mount the public blueprint at the configured prefix, with the submission limits on it."""
    app.register_blueprint(blueprint, url_prefix=state.url_prefix or None)
    ratelimit.limit_submissions(app, state.limiter, blueprint, submit_endpoint=f"{blueprint.name}.submit_lead")
    seen.register(app, state)


# Static ----------------------------------------------------------------------------------------

@blueprint.get("/embed.js")
def embed_js() -> Response:
    """Serve the loader: right type, CORS for any page, short cache, ETag for 304s."""
    response = asset_response("embed.js", max_age=300)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@blueprint.get("/static/<path:filename>")
def static(filename: str) -> Response:
    """Serve the frame's own CSS and JS (and nothing from any third party)."""
    return asset_response(filename, max_age=3600)


@blueprint.get("/healthz")
def healthz() -> Response:
    store = get_state().store
    with store.reading() as conn:
        conn.exec_driver_sql("SELECT 1")
    return jsonify(ok=True)


# Frame and hosted page -------------------------------------------------------------------------

@blueprint.get("/w/<widget_id>/frame")
def frame(widget_id: str) -> Response:
    """Render the card inside the loader's iframe (counted as a view once the card reports it was seen);
    a site the widget doesn't allow gets a link to the hosted page instead."""
    widget = _load_widget(widget_id, cached=True)
    asked = asked_for(widget)
    refused = site_check.refused_origin(widget, request, asked.echoed.parent_origin)
    if refused:
        return site_check.refused_frame(widget, refused, asked.mode)
    return first_view(widget, asked)


@blueprint.get("/w/<widget_id>")
def hosted_page(widget_id: str) -> Response:
    """Render the card as a full page: for plain links and the no-JavaScript fallback."""
    widget = _load_widget(widget_id, cached=True)
    return first_view(widget, asked_for(widget, "page"))


blueprint.add_url_rule("/w/<widget_id>/seen", view_func=seen.count_seen, methods=["POST"])


@blueprint.post("/w/<widget_id>/leads")
def submit_lead(widget_id: str) -> Response:
    """Validate, store the lead with its deliveries in one transaction, then answer 201.

    "Thank you" is only ever said about a stored request. Everyone gets the same field messages,
    whatever the honeypot holds (a person's autofill may fill it); a valid form with the honeypot
    filled is stored as suspected spam, undelivered, for an admin to release or delete.
    """
    widget = _load_widget(widget_id)
    mode = _mode(request.form.get("mode"))
    if not submission_origin_allowed(request, widget):
        site_check.note_refused(widget, request_origin(request), "request")
        ratelimit.count_against_client()
        return refuse(widget, 403, "origin_refused", field="origin")
    form = LeadForm(widget, language=_language(widget), formdata=request.form)
    if not form.validate():
        if form.token.errors:  # expired, unreadable, or sent faster than a person types
            ratelimit.count_against_client()
        _keep_or_refresh_token(form, widget)
        return _invalid(widget, form, mode)
    lead, spam = form.to_lead(), form.spam_mark()
    try:
        lead_id = add_lead(get_state().store, widget, lead, token_nonce=form.token_check.nonce, spam=spam)
    except SQLAlchemyError as error:
        log_storage_error(error)
        return refuse(widget, 503, "storage_failed")
    except ReplayError:
        ratelimit.count_against_client()
        return _sent_before(widget, form, lead, mode)
    ratelimit.count_against_client()
    if spam is None:  # host subscribers can't change this answer: the lead is stored whatever they do
        signals.send_safely(signals.lead_received, current_app._get_current_object(), lead_id=lead_id,
                            widget_id=widget.id)
    return _thanks(widget, form, mode, status=201)


def _sent_before(widget: Widget, form: LeadForm, lead: NewLead, mode: str) -> Response:
    """Answer a form whose token already stored a request: thanks again if this is that very request
    (a double click, a lost answer), else ask to press again with a new token (the back button and a
    changed form), so a second request is never dropped."""
    stored = lead_for_token(get_state().store, form.token_check.nonce)
    if stored is not None and lead.same_request(stored):
        return _thanks(widget, form, mode, status=200)
    form.token.errors = [form.words["already_sent"]]
    form.token.current_token = _aged_token(widget)
    return _invalid(widget, form, mode)


# Helpers ---------------------------------------------------------------------------------------

def _load_widget(widget_id: str, cached: bool = False) -> Widget:
    """Return the widget, or answer the kind 404; ``cached``: as this process last saw it (see widget_cache)."""
    widget = None
    if WIDGET_ID.match(widget_id):
        store = get_state().store
        widget = (widget_for_card(store, widget_id, float(current_app.config["RTR_SETTINGS_FRESH_SECONDS"]))
                  if cached else get_widget(store, widget_id))
    if widget is None:
        abort(_unavailable())
    return widget


def log_storage_error(error: SQLAlchemyError) -> None:
    """Log that the database failed, by kind only: its message may quote the row, i.e. what a person typed."""
    cause = getattr(error, "orig", None)
    log.error("The database failed on %s: %s%s", request.endpoint, type(error).__name__,
              f" ({type(cause).__name__})" if cause is not None else "")


@blueprint.errorhandler(SQLAlchemyError)
def answer_database_down(error: SQLAlchemyError) -> Response:
    """Answer 503 with the kind page (crisis numbers included) when the database is away."""
    log_storage_error(error)
    return _unavailable(status=503)


def _unavailable(status: int = 404) -> Response:
    """Answer an unknown widget (or a database that is away) kindly: a visitor may still be reading,
    so keep the crisis numbers."""
    language = supported(request.values.get("lang")) or "en"
    said, nonce = words(language), secrets.token_urlsafe(12)
    if wants_json():
        response = jsonify(ok=False, message=f"{said['unavailable_heading']}. {said['unavailable_text']}", errors={})
    else:
        settings = WidgetSettings()
        html = render_template("rtr/unavailable.html", **template_helpers(language),
                               settings=settings.shown_in(language), nonce=nonce, mode="page",
                               theme_css=theme_css(settings, request.values.get("theme") == "dark"),
                               asset_version=asset_version())
        response = current_app.response_class(html, mimetype="text/html")
    response.status_code = status
    return secure(response, None, nonce)


def _mode(value: str | None = None) -> str:
    return mode_of(value or request.args.get("mode"))


def _language(widget: Widget) -> str:
    """Return the language asked for (``data-lang``), else the widget's; LeadForm falls back to the widget's
    own language for one we don't speak."""
    return request.values.get("lang") or widget.settings.language


def _keep_or_refresh_token(form: LeadForm, widget: Widget) -> None:
    """Give the re-rendered form a token a person can use right away.

    An unused valid token is kept (its age still counts towards the time trap). An expired,
    unreadable (say, the secret key changed while the page was open) or too young one is replaced
    by one already past the trap: the message asks the person to press again, and doing so at once
    must be stored.
    """
    if form.token_check.state == "ok":
        form.token.current_token = form.token.data
    else:
        form.token.current_token = _aged_token(widget)


def _aged_token(widget: Widget) -> str:
    """Return a new form token already past the time trap, so pressing Send at once is not refused."""
    config = current_app.config
    shortest, longest = float(config["RTR_MIN_FORM_SECONDS"]), float(config["RTR_FORM_MAX_AGE"])
    return issue_form_token(widget.id, now=time.time() - shortest - min(1.0, (longest - shortest) / 2))


def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _invalid(widget: Widget, form: LeadForm, mode: str) -> Response:
    if wants_json():
        errors = {name: field.errors[0] for name, field in form._fields.items() if field.errors}
        response = jsonify(ok=False, message=form.words["fix_errors"], errors=errors,
                           token=form.token.current_token)
        response.status_code = 400
        return secure(response, widget)
    return render_card(widget, form, mode=mode, status=400)


def _thanks(widget: Widget, form: LeadForm, mode: str, status: int = 201) -> Response:
    if wants_json():
        response = jsonify(ok=True, heading=form.shown.thank_you_heading,
                           text=thank_you_text(form.shown, form.language))
        response.status_code = status
        return secure(response, widget)
    return render_card(widget, form, mode=mode, status=status, submitted=True)


def refuse(widget: Widget, status: int, reason: str, field: str | None = None) -> Response:
    """Refuse a submission kindly, in the visitor's language: the message (``reason`` names it in
    ``i18n.WORDS``) and, without JavaScript, the form as they typed it."""
    form = LeadForm(widget, language=_language(widget), formdata=request.form)
    form.token_check = check_form_token(request.form.get("token"), widget.id)
    _keep_or_refresh_token(form, widget)
    message = form.words[reason]
    if wants_json():
        response = jsonify(ok=False, message=message, errors={field: message} if field else {})
        response.status_code = status
        return secure(response, widget)
    return render_card(widget, form, mode=_mode(request.form.get("mode")), status=status, notice=message)




@blueprint.before_request
def _cap_body() -> None:
    """Read at most RTR_MAX_BODY_BYTES of a public POST (the GETs read no body; the host app's routes are untouched)."""
    if request.method != "POST":
        return
    cap = int(current_app.config["RTR_MAX_BODY_BYTES"])
    request.max_content_length = cap
    # Without a Content-Length (a chunked body) Werkzeug stops quietly at the cap and parses what it
    # read; read it here instead, so a longer body is refused rather than cut short.
    if request.content_length is None and len(request.get_data(cache=True)) >= cap:
        raise RequestEntityTooLarge()


def _widget_or_none() -> Widget | None:
    widget_id = str((request.view_args or {}).get("widget_id", ""))
    return get_widget(get_state().store, widget_id) if WIDGET_ID.match(widget_id) else None


@blueprint.errorhandler(RateLimitExceeded)
def answer_rate_limited(error: RateLimitExceeded) -> Response | HTTPException:
    """Answer 429 in the visitor's words, keeping the form as typed (Retry-After is added after)."""
    widget = _widget_or_none()
    if widget is None:
        return error
    return refuse(widget, 429, "rate_limited")


@blueprint.errorhandler(RequestEntityTooLarge)
def answer_too_large(error: RequestEntityTooLarge) -> Response | HTTPException:
    """Answer 413 with a message instead of a bare error page; the body is never read."""
    widget = _widget_or_none()
    if widget is None:
        return error
    # The refused body stays unread: give the page helpers an empty form instead of parsing again.
    request.__dict__.update(form=ImmutableMultiDict(), files=ImmutableMultiDict())
    return refuse(widget, 413, "too_large")
