"""The card's first view, rendered once and then only filled in: the frame and the hosted page.

Two first views (a GET of the frame or of the hosted page) of the same widget differ only in a few
values: the form token and the CSP nonce (new in every response) and what the loader put on the URL
(the host page, its UTM fields, the parent origin, the instance id, the launcher's words). So the
card is rendered once with a marker in each of those places and kept as the text between the
markers; each response joins that text with its own values, escaped as Jinja escapes them. The key
holds everything else that changes the HTML: the widget's settings version, the template (mode),
the language, the theme, the preselected service, which optional values are present at all, and
the script root. Re-rendered forms (errors, thanks) never come from here: they carry what a person
typed. At most ``RTR_CARD_CACHE_SIZE`` renderings are kept per app, least recently used go first.

Reading the query (its parsing, the origin check, the escaping) costs a quarter of a view, and a
blog post's readers all send the same one: so what a query asks for is kept too, by widget version
and the query's exact text, up to ``ASKED_PER_CARD`` times as many as the renderings.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, fields
from functools import cached_property
from typing import TypeVar

from flask import current_app, request, url_for
from markupsafe import escape
from werkzeug.wrappers import Response

from .forms import UTM_KEYS, LeadForm, form_language, option_value
from .frame import Echoed, card_html, card_response, mode_of, render_card
from .models import Widget
from .security import issue_form_token
from .state import get_state

T = TypeVar("T")
#: Each process marks its slots with its own random tag, so no settings text can pose as one.
TAG = secrets.token_hex(8)
SLOT = re.compile(f"rtr-slot-{TAG}-([a-z_]+)-")
_lock = threading.Lock()
ECHOED = tuple(f.name for f in fields(Echoed))
#: Queries kept per rendering kept: the posts, pages and campaigns that share one card.
ASKED_PER_CARD = 4


@dataclass(frozen=True)
class FirstView:
    """What one first view asks for, beyond the widget: read from the request once."""

    mode: str
    language: str
    dark: bool
    service: str
    echoed: Echoed
    page_url: str
    utm: tuple[str, ...]

    @classmethod
    def from_request(cls, widget: Widget, mode: str | None) -> FirstView:
        """Read the query (a first view is a GET: only the query counts); ``mode``: the route's, else the query's."""
        args = request.args
        names = [s.name for s in widget.settings.services]
        return cls(
            mode=mode or mode_of(args.get("mode")),
            language=form_language(widget, args.get("lang") or widget.settings.language),
            dark=args.get("theme") == "dark",
            service=option_value(names, widget.settings.language, args.get("service", "")),
            echoed=Echoed.from_request(args), page_url=args.get("page", "")[:2000],
            utm=tuple(args.get(key, "")[:200] for key in UTM_KEYS),
        )

    def initial_data(self) -> dict[str, str]:
        """Return the form's data: the host page and its UTM fields, and the preselected service."""
        data = dict(zip(UTM_KEYS, self.utm, strict=True)) | {"page_url": self.page_url}
        return data | ({"service": self.service} if self.service else {})

    def slots(self, token: str, nonce: str) -> dict[str, str]:
        """Return the value of every slot, escaped."""
        return self._escaped | {"token": str(escape(token)), "nonce": str(escape(nonce))}

    @cached_property
    def _escaped(self) -> dict[str, str]:
        values = {"page_url": self.page_url, **dict(zip(UTM_KEYS, self.utm, strict=True))}
        values.update({name: getattr(self.echoed, name) for name in ECHOED})
        return {name: str(escape(value)) if value else "" for name, value in values.items()}


@dataclass(frozen=True)
class Rendered:
    """A card rendered with markers: the text around the slots, and the slot between each two texts."""

    texts: tuple[str, ...]
    slots: tuple[str, ...]

    def fill(self, values: dict[str, str]) -> str:
        pieces = [self.texts[0]]
        for slot, text in zip(self.slots, self.texts[1:], strict=True):
            pieces += (values[slot], text)
        return "".join(pieces)


def asked_for(widget: Widget, mode: str | None = None) -> FirstView:
    """Return what this first view asks for: kept per widget version and query text while cards are kept.

    ``mode``: the route's (the hosted page is ``page``), else the one the query asks for.
    """
    size = _cards_kept()
    return _asked(widget, mode, size * ASKED_PER_CARD) if size else FirstView.from_request(widget, mode)


def first_view(widget: Widget, asked: FirstView) -> Response:
    """Answer a first view of the card: from the rendering kept for its key, else rendered now."""
    size = _cards_kept()
    if not size:
        form = LeadForm(widget, language=asked.language, formdata=None, data=asked.initial_data())
        return render_card(widget, form, mode=asked.mode, status=200, seen_url=_seen_url(widget))
    rendered = _rendered(widget, asked, size)
    nonce = secrets.token_urlsafe(12)
    html = rendered.fill(asked.slots(issue_form_token(widget.id), nonce))
    return card_response(html, widget, nonce)


def _cards_kept() -> int:
    """Return how many renderings to keep: none while templates may change under us (developing)."""
    return 0 if current_app.jinja_env.auto_reload else int(current_app.config["RTR_CARD_CACHE_SIZE"])


def _key(widget: Widget, asked: FirstView) -> Hashable:
    echoed = asked.echoed
    return (widget.id, widget.version, widget.updated_at, asked.mode, asked.language, asked.dark, asked.service,
            bool(echoed.parent_origin), bool(echoed.instance), bool(echoed.label), request.script_root)


def _seen_url(widget: Widget) -> str:
    return url_for("rtr.count_seen", widget_id=widget.id)


def _asked(widget: Widget, mode: str | None, size: int) -> FirstView:
    key = (widget.id, widget.version, widget.updated_at, mode, request.query_string)
    return _kept(get_state().asked, key, size, lambda: FirstView.from_request(widget, mode))


def _rendered(widget: Widget, asked: FirstView, size: int) -> Rendered:
    return _kept(get_state().cards, _key(widget, asked), size, lambda: _render(widget, asked))


def _kept(kept: OrderedDict[Hashable, T], key: Hashable, size: int, make: Callable[[], T]) -> T:
    """Return what ``kept`` holds for key, else make it and keep it (at most ``size``, least recently used go first)."""
    with _lock:
        found = kept.get(key)
        if found is not None:
            kept.move_to_end(key)
            return found
    made = make()
    with _lock:
        kept[key] = made
        while len(kept) > size:
            kept.popitem(last=False)
    return made


def _render(widget: Widget, asked: FirstView) -> Rendered:
    """Render the card with a marker in every slot, and cut it at the markers."""
    def marker(name: str) -> str:
        return f"rtr-slot-{TAG}-{name}-"

    present = {name: marker(name) if getattr(asked.echoed, name) else "" for name in ECHOED}
    data = {name: marker(name) for name in (*UTM_KEYS, "page_url")}
    form = LeadForm(widget, language=asked.language, formdata=None,
                    data=data | ({"service": asked.service} if asked.service else {}))
    form.token.current_token = marker("token")
    html = card_html(widget, form, mode=asked.mode, nonce=marker("nonce"), dark=asked.dark,
                     echoed=Echoed(**present), seen_url=_seen_url(widget))
    parts = SLOT.split(html)
    return Rendered(texts=tuple(parts[0::2]), slots=tuple(parts[1::2]))
