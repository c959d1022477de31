"""Whether the site asking for a widget's card may show it; if not, note the site and answer a link instead.

A site the widget's allowed sites don't name gets no card: it would only draw the browser's grey
"refused to connect" box (the card's CSP names the allowed sites in frame-ancestors). The frame
answers such a site with a small page that any site may frame, holding only a link to the card's
own page (and the crisis numbers). It tells the loader, which puts that link where the card would
have been. Which site asks is read from the loader's ``origin`` parameter and the Referer; either
can be missing or made up, so they only choose between the card and the link: the card keeps its
frame-ancestors, and a made-up name is at worst one of the few sites noted for the admin.
"""

from __future__ import annotations

import logging
import secrets
import time

from flask import Request, current_app, render_template, request, url_for
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from .assets import asset_version
from .frame import secure, theme_css
from .i18n import supported, template_helpers
from .links import public_base_url
from .models import Widget
from .origins import origin_of
from .queries.page_stats import page_of
from .queries.refused_sites import note_refusal
from .security import is_own_origin, public_csp
from .state import get_state

log = logging.getLogger("widget.site_check")

#: A site is written down at most this often per widget and process (its attempts counted then).
NOTE_EVERY_SECONDS = 60.0
#: Sites remembered as just written, per process.
MAX_REMEMBERED = 10_000


def asking_origins(req: Request, parent_origin: str) -> list[str]:
    """Return the origins a frame request names: the loader's ``origin`` parameter (``parent_origin``,
    already normalised, "" when absent), then the Referer's."""
    referer = req.headers.get("Referer")
    named = [parent_origin, origin_of(referer) if referer else None]
    return list(dict.fromkeys(origin for origin in named if origin))


def refused_origin(widget: Widget, req: Request, parent_origin: str) -> str | None:
    """Return the first origin the request names (``parent_origin``: the loader's, normalised) that the
    widget's allowed sites leave out, else None."""
    allowed = widget.settings.allowed_origins
    if not allowed:
        return None
    for origin in asking_origins(req, parent_origin):
        if origin not in allowed and not is_own_origin(origin, req):
            return origin
    return None


def note_refused(widget: Widget, origin: str | None, kind: str, page: str = "") -> None:
    """Note that origin was refused (``frame`` or ``request``), at most once a minute per site and process."""
    if origin is None:
        return
    remembered = get_state().refusals
    key, now = (widget.id, origin), time.monotonic()
    if now - remembered.get(key, -NOTE_EVERY_SECONDS) < NOTE_EVERY_SECONDS:
        return
    remembered.pop(key, None)
    remembered[key] = now
    if len(remembered) > MAX_REMEMBERED:
        del remembered[next(iter(remembered))]
    page = page_of(page)
    try:
        note_refusal(get_state().store, widget.id, origin, page if origin_of(page) == origin else "", kind)
    except SQLAlchemyError as error:  # the visitor still gets the link; the site is noted next time
        log.warning("Could not note a refused site: %s", type(error).__name__)


def refused_frame(widget: Widget, origin: str, mode: str) -> Response:
    """Note the site and answer the frame with the link to the card's own page, allowed in any frame."""
    note_refused(widget, origin, "frame", request.args.get("page", ""))
    language = supported(request.args.get("lang")) or widget.settings.language
    shown, nonce = widget.settings.shown_in(language), secrets.token_urlsafe(12)
    html = render_template(
        "rtr/refused.html", **template_helpers(language), settings=shown, nonce=nonce, mode=mode,
        theme_css=theme_css(widget.settings, request.args.get("theme") == "dark"), asset_version=asset_version(),
        parent_origin=origin, instance=request.args.get("instance", "")[:200], page_url=hosted_page_url(widget),
        label=request.args.get("label", "")[:80] or shown.launcher_label,
    )
    response = secure(current_app.response_class(html, mimetype="text/html"), widget, nonce)
    # Nothing on this page is worth framing against the practice's will: any site may show it.
    response.headers["Content-Security-Policy"] = public_csp(None, nonce)
    return response


def hosted_page_url(widget: Widget) -> str:
    """Return the card's own page as an absolute address, keeping the snippet's language, service and theme."""
    keep = {name: request.args[name][:80] for name in ("lang", "service", "theme") if request.args.get(name)}
    path = url_for("rtr.hosted_page", widget_id=widget.id, **keep)
    return (public_base_url(current_app) or request.host_url.rstrip("/")) + path
