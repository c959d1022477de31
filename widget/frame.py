"""Render the card: the frame and the hosted page, in the widget's theme, with their security headers.

Both the public routes and the admin's live preview draw the card through here.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, render_template, request
from jinja2 import Undefined
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from .assets import asset_version
from .forms import LeadForm
from .i18n import template_helpers, words
from .models import Widget
from .origins import normalise_origin
from .security import secure_public_response
from .settings import WidgetSettings

#: How the card is shown: in the page, behind a button, in a popup, or as its own page.
MODES = ("inline", "button", "popup", "page")
DARK = {"background_color": "#1d1b22", "text_color": "#f3eef1"}
CSS_VALUE = re.compile(r"[^\w\s#,.'\"-]")
# 988 and 911 standing alone (not inside a longer number), and the Lifeline's addresses: its site
# (988lifeline.org, chat.988lifeline.org, with a path such as /es for its Spanish pages) and
# 988lineadevida.org, with or without https://.
CRISIS_NUMBER = re.compile(
    r"(?<![\w-])(988|911)(?![\w-])"
    r"|(?<![\w./-])((?:https?://)?(?:[a-z]+\.)?(?:988lifeline|988lineadevida)\.org(?:/[\w-]+)*/?)(?![\w-])",
    re.IGNORECASE)


def register(app: Flask) -> None:
    """Give the templates the card's helpers (namespaced, so a host's own names are left alone)."""
    app.jinja_env.globals.setdefault("rtr_attrs", html_attributes)
    app.jinja_env.filters.setdefault("rtr_crisis_links", crisis_links)


def crisis_links(text: str) -> Markup:
    """Escape the crisis notice, then make 988 and 911 tappable (tel:) and the Lifeline's sites links.

    The person reading it may be on a phone and in crisis: one tap should start the call. The
    Spanish forms work the same way: "llame al 988", "988lifeline.org/es", "988lineadevida.org".
    """
    def link(match: re.Match[str]) -> str:
        if match.group(1):
            return f'<a href="tel:{match.group(1)}">{match.group(1)}</a>'
        address = match.group(2)
        href = address if address.lower().startswith(("http://", "https://")) else "https://" + address
        return f'<a href="{href}" target="_blank" rel="noopener">{address}</a>'

    return Markup(CRISIS_NUMBER.sub(link, str(escape(text))))


def html_attributes(**attributes: Any) -> dict[str, Any]:
    """Return the attributes worth rendering: drop None, False, empty strings and undefined names."""
    return {
        name: value for name, value in attributes.items()
        if not isinstance(value, Undefined) and value not in (None, False, "")
    }


def thank_you_text(shown: Any, language: str) -> str:
    """Return the thank-you text with {response_time} filled in, from settings shown in language."""
    when = shown.response_time or words(language)["soon"]
    return str(shown.thank_you_text).replace("{response_time}", when)


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


@dataclass(frozen=True)
class Echoed:
    """What the loader put on the frame's URL that the card carries back: checked, clipped, unescaped."""

    #: The host page's origin, for the card's messages to the loader ("" when not embedded).
    parent_origin: str = ""
    #: The loader's instance id, echoed exactly (the loader matches its messages on it).
    instance: str = ""
    #: The snippet's ``data-label``, the launcher's words instead of the practice's.
    label: str = ""

    @classmethod
    def from_request(cls, values: Mapping[str, str] | None = None) -> Echoed:
        """Read them from ``values`` (default: the query and, on a POST, the form; the label from the query only)."""
        values = request.values if values is None else values
        return cls(parent_origin=normalise_origin(values.get("origin", "")) or "",
                   instance=values.get("instance", "")[:200], label=request.args.get("label", "")[:80])


def mode_of(asked: str | None) -> str:
    """Return the card's mode a request asks for: one of ``MODES``, else ``inline``."""
    return asked if asked in MODES else "inline"


def card_html(widget: Widget, form: LeadForm, *, mode: str, nonce: str, dark: bool, echoed: Echoed,
              submitted: bool = False, notice: str = "", seen_url: str = "") -> str:
    """Render the card's HTML (``page`` mode: the hosted page, else the frame).

    ``seen_url`` is where the card reports that it was seen (first views only).
    """
    shown = form.shown
    return render_template(
        "rtr/page.html" if mode == "page" else "rtr/frame.html",
        **template_helpers(form.language),
        widget=widget, settings=shown, form=form, mode=mode, nonce=nonce,
        theme_css=theme_css(widget.settings, dark), submitted=submitted, notice=notice,
        parent_origin=echoed.parent_origin, instance=echoed.instance, label=echoed.label, seen_url=seen_url,
        thank_you_text=thank_you_text(shown, form.language), asset_version=asset_version(),
    )


def render_card(widget: Widget, form: LeadForm, *, mode: str, status: int, submitted: bool = False,
                notice: str = "", seen_url: str = "") -> Response:
    """Render the card for this request with the public headers."""
    nonce = secrets.token_urlsafe(12)
    html = card_html(widget, form, mode=mode, nonce=nonce, dark=request.values.get("theme") == "dark",
                     echoed=Echoed.from_request(), submitted=submitted, notice=notice, seen_url=seen_url)
    return card_response(html, widget, nonce, status)


def card_response(html: str, widget: Widget, nonce: str, status: int = 200) -> Response:
    """Answer with the card's HTML and the public headers (its CSP allows the nonce's inline style)."""
    return secure(current_app.response_class(html, status=status, mimetype="text/html"), widget, nonce)


def secure(response: Response, widget: Widget | None, nonce: str | None = None) -> Response:
    """Add the public headers to a response about widget."""
    return secure_public_response(response, widget, nonce or secrets.token_urlsafe(12))


def render_frame_preview(widget: Widget, language: str | None = None) -> Response:
    """Render the frame for an admin preview of (unsaved) settings in a language (default: the widget's)."""
    form = LeadForm(widget, language=language or widget.settings.language, formdata=None, data={})
    return render_card(widget, form, mode="inline", status=200)
