"""The public surface: embed.js, the frame, the hosted page and lead submission. No cookies."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from jinja2 import Undefined
from markupsafe import Markup, escape
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

from .extension import RTRState, get_state, resource_dir
from .forms import UTM_KEYS, LeadForm
from .i18n import STRINGS, strings_for
from .origins import normalise_origin
from .security import check_form_token, issue_form_token, secure_public_response, submission_origin_allowed
from .settings import WidgetSettings, consent_version
from .store import ReplayError, Widget

log = logging.getLogger("widget.public")

# The template folder makes rtr/… templates findable in host apps too; theirs still win.
blueprint = Blueprint("rtr", __name__, template_folder=resource_dir("templates"))
WIDGET_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MODES = ("inline", "button", "popup", "page")
DARK = {"background_color": "#1d1b22", "text_color": "#f3eef1"}
CSS_VALUE = re.compile(r"[^\w\s#,.'\"-]")
# 988 and 911 standing alone (not inside a longer number), and the Lifeline's chat address.
CRISIS_NUMBER = re.compile(r"(?<![\w-])(988|911)(?![\w-])|(?<![\w.-])(988lifeline\.org)(?![\w-])")


def register(app: Flask, state: RTRState) -> None:
    """Mount the public blueprint at the configured prefix."""
    app.register_blueprint(blueprint, url_prefix=state.url_prefix or None)
    app.jinja_env.globals.setdefault("rtr_attrs", html_attributes)
    app.jinja_env.filters.setdefault("rtr_crisis_links", crisis_links)


def crisis_links(text: str) -> Markup:
    """Escape the crisis notice, then make 988 and 911 tappable (tel:) and 988lifeline.org a link.

    The person reading it may be on a phone and in crisis: one tap should start the call.
    """
    def link(match: re.Match[str]) -> str:
        if match.group(1):
            return f'<a href="tel:{match.group(1)}">{match.group(1)}</a>'
        return '<a href="https://988lifeline.org" target="_blank" rel="noopener">988lifeline.org</a>'

    return Markup(CRISIS_NUMBER.sub(link, str(escape(text))))


def html_attributes(**attributes: Any) -> dict[str, Any]:
    """Return the attributes worth rendering: drop None, False, empty strings and undefined names."""
    return {
        name: value for name, value in attributes.items()
        if not isinstance(value, Undefined) and value not in (None, False, "")
    }


def lead_listeners() -> list[Any]:
    """Callables run (with the app and the lead's public id) after a lead commits."""
    return get_state().extras.setdefault("lead_listeners", [])


# Static ----------------------------------------------------------------------------------------

@blueprint.get("/embed.js")
def embed_js() -> Response:
    """Serve the loader: right type, CORS for any page, short cache, ETag for 304s."""
    response = _asset("embed.js", max_age=300)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@blueprint.get("/static/<path:filename>")
def static(filename: str) -> Response:
    """Serve the frame's own CSS and JS (and nothing from any third party)."""
    return _asset(filename, max_age=3600)


ASSET_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


def _asset_file(filename: str) -> tuple[bytes, str]:
    """Return a static file's bytes and ETag, read once per app; 404 when there is no such asset."""
    cache: dict[str, tuple[bytes, str]] = current_app.extensions.setdefault("rtr_assets", {})
    if filename not in cache:
        path = safe_join(resource_dir("static"), "rtr", filename)
        if path is None or os.path.splitext(filename)[1] not in ASSET_TYPES or not os.path.isfile(path):
            abort(404)
        with open(path, "rb") as handle:
            body = handle.read()
        cache[filename] = (body, hashlib.sha256(body).hexdigest()[:16])
    return cache[filename]


def _asset(filename: str, max_age: int) -> Response:
    """Answer with a static file held in memory, with its ETag and a 304 when it is unchanged."""
    body, etag = _asset_file(filename)
    response = current_app.response_class(body, mimetype=ASSET_TYPES[os.path.splitext(filename)[1]])
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


@blueprint.get("/healthz")
def healthz() -> Response:
    store = get_state().store
    with store.reading() as conn:
        conn.exec_driver_sql("SELECT 1")
    return jsonify(ok=True)


# Frame and hosted page -------------------------------------------------------------------------

@blueprint.get("/w/<widget_id>/frame")
def frame(widget_id: str) -> Response:
    """Render the card inside the loader's iframe."""
    return _first_view(widget_id, _mode())


@blueprint.get("/w/<widget_id>")
def hosted_page(widget_id: str) -> Response:
    """Render the card as a full page: for plain links and the no-JavaScript fallback."""
    return _first_view(widget_id, "page")


def _first_view(widget_id: str, mode: str) -> Response:
    widget = _load_widget(widget_id)
    get_state().store.count(widget.id, "views")
    form = LeadForm(widget, language=_language(widget), formdata=None, data=_initial_data(widget))
    return _render(widget, form, mode=mode, status=200)


def render_frame_preview(widget: Widget) -> Response:
    """Render the frame for an admin preview of (unsaved) settings; not counted as a view."""
    form = LeadForm(widget, language=widget.settings.language, formdata=None, data={})
    return _render(widget, form, mode="inline", status=200)


@blueprint.post("/w/<widget_id>/leads")
def submit_lead(widget_id: str) -> Response:
    """Validate, store the lead with its deliveries in one transaction, then answer 201."""
    widget = _load_widget(widget_id)
    mode = _mode(request.form.get("mode"))
    if not submission_origin_allowed(request, widget):
        return refuse(widget, 403, "origin_refused", field="origin")
    form = LeadForm(widget, language=_language(widget), formdata=request.form)
    valid = form.validate()
    store = get_state().store
    if form.is_bot:
        store.count(widget.id, "blocked")
        return _thanks(widget, form, mode)
    if not valid:
        _keep_or_refresh_token(form, widget)
        return _invalid(widget, form, mode)
    try:
        lead_id = store.add_lead(widget, form.to_lead(consent_version(widget.settings.consent_text)),
                                 token_nonce=form.token_check.nonce)
    except SQLAlchemyError as error:
        log_storage_error(error)
        return refuse(widget, 503, "storage_failed")
    except ReplayError:
        store.count(widget.id, "blocked")
        return _thanks(widget, form, mode)
    for listener in list(lead_listeners()):
        listener(current_app._get_current_object(), lead_id)
    return _thanks(widget, form, mode, status=201)


# Helpers ---------------------------------------------------------------------------------------

def _load_widget(widget_id: str) -> Widget:
    widget = get_state().store.get_widget(widget_id) if WIDGET_ID.match(widget_id) else None
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
    language = request.values.get("lang", "")
    language = language if language in STRINGS else "en"
    words, nonce = STRINGS[language], secrets.token_urlsafe(12)
    if wants_json():
        response = jsonify(ok=False, message=f"{words['unavailable_heading']}. {words['unavailable_text']}", errors={})
    else:
        settings = WidgetSettings()
        html = render_template("rtr/unavailable.html", settings=settings, words=words, nonce=nonce, mode="page",
                               language=language,
                               theme_css=theme_css(settings, request.values.get("theme") == "dark"),
                               asset_version=_asset_version())
        response = current_app.response_class(html, mimetype="text/html")
    response.status_code = status
    return secure_public_response(response, None, nonce)


def _mode(value: str | None = None) -> str:
    mode = value or request.args.get("mode", "inline")
    return mode if mode in MODES else "inline"


def _language(widget: Widget) -> str:
    """Return the language asked for (``data-lang``), else the widget's; LeadForm checks it is one we have."""
    return request.values.get("lang") or widget.settings.language


def _initial_data(widget: Widget) -> dict[str, str]:
    data = {key: request.args.get(key, "")[:200] for key in UTM_KEYS}
    data["page_url"] = request.args.get("page", "")[:2000]
    service = request.args.get("service", "")
    if service in [s.name for s in widget.settings.services]:
        data["service"] = service
    return data


def _keep_or_refresh_token(form: LeadForm, widget: Widget) -> None:
    """Give the re-rendered form a token a person can use right away.

    An unused valid token is kept (its age still counts towards the time trap). An expired or
    unreadable one (say, the secret key changed while the page was open) is replaced by one already
    past the trap: the message asks the person to press again, and doing so at once must not be
    taken for a bot and silently dropped.
    """
    if form.token_check.state == "ok":
        form.token.current_token = form.token.data
    else:
        config = current_app.config
        shortest, longest = float(config["RTR_MIN_FORM_SECONDS"]), float(config["RTR_FORM_MAX_AGE"])
        aged = time.time() - shortest - min(1.0, (longest - shortest) / 2)
        form.token.current_token = issue_form_token(widget.id, now=aged)


def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _invalid(widget: Widget, form: LeadForm, mode: str) -> Response:
    if wants_json():
        errors = {name: field.errors[0] for name, field in form._fields.items() if field.errors}
        response = jsonify(ok=False, message=form.words["fix_errors"], errors=errors,
                           token=form.token.current_token)
        response.status_code = 400
        return _secure(response, widget)
    return _render(widget, form, mode=mode, status=400)


def _thanks(widget: Widget, form: LeadForm, mode: str, status: int = 201) -> Response:
    if wants_json():
        response = jsonify(ok=True, heading=widget.settings.thank_you_heading,
                           text=thank_you_text(widget.settings))
        response.status_code = status
        return _secure(response, widget)
    return _render(widget, form, mode=mode, status=status, submitted=True)


def refuse(widget: Widget, status: int, reason: str, field: str | None = None) -> Response:
    """Refuse a submission kindly, in the visitor's language: the message (``reason`` names it in
    ``i18n.STRINGS``) and, without JavaScript, the form as they typed it."""
    form = LeadForm(widget, language=_language(widget), formdata=request.form)
    form.token_check = check_form_token(request.form.get("token"), widget.id)
    _keep_or_refresh_token(form, widget)
    message = form.words[reason]
    if wants_json():
        response = jsonify(ok=False, message=message, errors={field: message} if field else {})
        response.status_code = status
        return _secure(response, widget)
    return _render(widget, form, mode=_mode(request.form.get("mode")), status=status, notice=message)


def thank_you_text(settings: WidgetSettings) -> str:
    """Return the thank-you text with {response_time} filled in, in the practice's language."""
    when = settings.response_time or strings_for(settings.language)["soon"]
    return settings.thank_you_text.replace("{response_time}", when)


def theme_css(settings: WidgetSettings, dark: bool) -> Markup:
    """Return the CSS custom properties for a widget's theme (validated values, sanitised again).

    ``--rtr-link`` colours links and focus rings: the accent, or on the dark card a light tint of
    it, since a practice's accent is chosen to stand out on a light background.
    """
    theme = settings.theme.model_dump()
    if dark:
        theme.update(DARK)
    clean = {key: CSS_VALUE.sub("", str(value)) for key, value in theme.items()}
    link = _tint(clean["accent_color"], 0.65) if dark else clean["accent_color"]
    return Markup(
        ":root{"
        f"--rtr-accent:{clean['accent_color']};--rtr-link:{link};--rtr-bg:{clean['background_color']};"
        f"--rtr-text:{clean['text_color']};--rtr-radius:{clean['radius']}px;--rtr-font:{clean['font_stack']}"
        "}"
    )


def _tint(colour: str, white: float) -> str:
    """Return a #rgb or #rrggbb colour mixed with that share of white."""
    digits = colour.lstrip("#")
    digits = "".join(c * 2 for c in digits) if len(digits) == 3 else digits
    channels = [int(digits[i:i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{round(c + (255 - c) * white):02x}" for c in channels)


def frame_query(widget_id: str, **params: str) -> str:
    """Return the frame URL with the given query (used by the demo and admin snippets)."""
    return url_for("rtr.frame", widget_id=widget_id) + ("?" + urlencode(params) if params else "")


def _render(widget: Widget, form: LeadForm, *, mode: str, status: int, submitted: bool = False,
            notice: str = "") -> Response:
    nonce = secrets.token_urlsafe(12)
    settings = widget.settings
    parent_origin = normalise_origin(request.values.get("origin", "")) or ""
    html = render_template(
        "rtr/page.html" if mode == "page" else "rtr/frame.html",
        widget=widget, settings=settings, form=form, words=form.words, mode=mode, nonce=nonce,
        theme_css=theme_css(settings, request.values.get("theme") == "dark"),
        submitted=submitted, notice=notice, parent_origin=parent_origin,
        # Echoed exactly (escaped by Jinja): the loader matches its messages on this id.
        instance=request.values.get("instance", "")[:200],
        thank_you_text=thank_you_text(settings),
        language=form.language,
        asset_version=_asset_version(),
    )
    response = current_app.response_class(html, status=status, mimetype="text/html")
    return _secure(response, widget, nonce)


def _secure(response: Response, widget: Widget, nonce: str | None = None) -> Response:
    return secure_public_response(response, widget, nonce or secrets.token_urlsafe(12))


def _asset_version() -> str:
    """Return a fingerprint of the frame's CSS and JS, so browsers refetch them after an upgrade."""
    return _asset_file("frame.css")[1][:5] + _asset_file("frame.js")[1][:5]
