"""The card's first view at the speed of the stack (issue 11.1 and 11.5), with every frame behaviour kept.

The first view is rendered once per widget settings version and everything else that changes its
HTML, then filled in per response; settings are kept per process and checked for a newer version
every RTR_SETTINGS_FRESH_SECONDS; no view writes to the database. Every cache is bounded.
"""

from __future__ import annotations

import html as html_lib
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask, template_rendered
from sqlalchemy import event

from widget.card_cache import ASKED_PER_CARD
from widget.queries.widget_cache import WidgetCache, cache_of
from widget.queries.widgets import create_widget, get_widget, save_settings
from widget.security import check_form_token
from widget.settings import WidgetSettings

from .conftest import TOKEN_RE
from .support.settings import changed

NASTY = '"><script>alert(1)</script>&amp;\'é'
QUERIES = [
    {},
    {"mode": "inline", "origin": "https://practice.example", "instance": "demo",
     "page": "https://practice.example/blog/when-trust-is-broken"},
    {"mode": "button", "origin": "https://practice.example:8443", "instance": NASTY, "label": NASTY,
     "page": f"https://practice.example/p?q={NASTY}", "utm_source": NASTY, "utm_medium": "email",
     "utm_campaign": "spring", "utm_term": "x" * 300, "utm_content": "\u2028"},
    {"mode": "popup", "lang": "es", "theme": "dark", "service": "Couples therapy", "origin": "null"},
    {"lang": "fr", "service": "Hypnosis", "theme": "light", "instance": "a", "origin": "https://x.example/path"},
    {"mode": "page-ish", "label": "Talk to us", "page": "javascript:alert(1)"},
]


def _same_but_token_and_nonce(html: str) -> str:
    html = TOKEN_RE.sub('name="token" type="hidden" value="TOKEN"', html)
    return re.sub(r'nonce="[^"]+"', 'nonce="NONCE"', html)


@contextmanager
def rendered_templates(app: Flask) -> Iterator[list[str]]:
    names: list[str] = []

    def record(sender: Flask, template: Any, context: dict[str, Any], **extra: Any) -> None:
        names.append(template.name)

    template_rendered.connect(record, app)
    try:
        yield names
    finally:
        template_rendered.disconnect(record, app)


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """Record every SQL statement the app's engine runs."""
    engine = app.extensions["rtr"].store.engine
    ran: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        ran.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield ran
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("path", ["/w/demo/frame", "/w/demo"])
def test_a_kept_first_view_is_exactly_what_a_fresh_render_gives(make_app: Callable[..., Flask], path: str) -> None:
    kept, fresh = make_app(), make_app(RTR_CARD_CACHE_SIZE=0)
    for app in (kept, fresh):
        app.test_cli_runner().invoke(args=["rtr", "demo"])
    for query in QUERIES:
        url = f"{path}?{urlencode(query)}"
        expected = _same_but_token_and_nonce(fresh.test_client().get(url).get_data(as_text=True))
        for attempt in ("rendered now", "kept"):
            response = kept.test_client().get(url)
            assert response.status_code == 200
            assert _same_but_token_and_nonce(response.get_data(as_text=True)) == expected, (query, attempt)
    assert NASTY not in kept.test_client().get(f"{path}?{urlencode(QUERIES[2])}").get_data(as_text=True)


def test_the_card_is_rendered_once_per_version_language_mode_theme_and_service(app: Flask) -> None:
    client = app.test_client()
    with rendered_templates(app) as rendered:
        for number in range(5):  # what differs per host page and per response is filled in
            client.get("/w/demo/frame?" + urlencode({"page": f"https://practice.example/{number}",
                                                     "utm_campaign": f"c{number}", "instance": f"i{number}",
                                                     "origin": f"https://site{number}.example"}))
        assert rendered.count("rtr/frame.html") == 1
        for query in ({"lang": "es"}, {"mode": "button"}, {"theme": "dark"}, {"service": "Couples therapy"}):
            client.get("/w/demo/frame?" + urlencode({"page": "https://practice.example/1", **query}))
            client.get("/w/demo/frame?" + urlencode({"page": "https://practice.example/2", **query}))
        assert rendered.count("rtr/frame.html") == 5
        client.get("/w/demo")
        client.get("/w/demo?utm_campaign=spring")
        assert rendered.count("rtr/page.html") == 1


def test_a_save_shows_at_once_in_this_process(app: Flask) -> None:
    client = app.test_client()
    assert '<h1 id="rtr-heading">Ready to rebuild?</h1>' in client.get("/w/demo/frame").get_data(as_text=True)
    store = app.extensions["rtr"].store
    save_settings(store, "demo", changed(get_widget(store, "demo").settings, heading="Start again, together"))
    assert '<h1 id="rtr-heading">Start again, together</h1>' in client.get("/w/demo/frame").get_data(as_text=True)


def test_another_process_sees_a_save_within_the_freshness_time(make_app: Callable[..., Flask], tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/shared.sqlite3"
    web = make_app(RTR_DATABASE_URL=url, RTR_SETTINGS_FRESH_SECONDS=0.3)
    admin = make_app(RTR_DATABASE_URL=url)  # another process: its own engine, its own caches
    web.test_cli_runner().invoke(args=["rtr", "demo"])
    client = web.test_client()
    assert "Ready to rebuild?" in client.get("/w/demo").get_data(as_text=True)
    store = admin.extensions["rtr"].store
    save_settings(store, "demo", changed(get_widget(store, "demo").settings, heading="Start again, together"))
    deadline = time.monotonic() + 0.3 + 2.0  # the freshness time, and more than enough for one request
    while "Start again, together" not in client.get("/w/demo").get_data(as_text=True):
        assert time.monotonic() < deadline, "the save never showed"
        time.sleep(0.05)


def test_a_repeat_view_runs_no_sql_and_no_view_writes_anything(app: Flask) -> None:
    client = app.test_client()
    with statements(app) as ran:
        client.get("/w/demo/frame")
    assert not [s for s in ran if not s.lstrip().upper().startswith(("SELECT", "BEGIN"))], "a view writes nothing"
    with statements(app) as ran:
        for _ in range(3):
            assert client.get("/w/demo/frame?lang=es").status_code == 200
            assert client.get("/w/demo").status_code == 200
    assert len(ran) <= 2, f"settings are kept between views, not read each time: {ran}"


def test_every_response_has_its_own_working_token_and_nonce(app: Flask) -> None:
    client = app.test_client()
    tokens, nonces = set(), set()
    for _ in range(4):
        response = client.get("/w/demo/frame?instance=x")
        html = response.get_data(as_text=True)
        token = html_lib.unescape(TOKEN_RE.search(html).group(1))
        nonce = re.search(r'<style nonce="([^"]+)">', html).group(1)
        assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
        assert "Set-Cookie" not in response.headers
        with app.test_request_context():
            assert check_form_token(token, "demo", now=time.time() + 60).state == "ok"
        tokens.add(token)
        nonces.add(nonce)
    assert len(tokens) == len(nonces) == 4


def test_input_kept_on_errors_is_rendered_from_what_was_typed(app: Flask) -> None:
    client = app.test_client()
    client.get("/w/demo/frame")  # the first view is kept; a re-rendered form must not come from it
    token = TOKEN_RE.search(client.get("/w/demo/frame").get_data(as_text=True)).group(1)
    html = client.post("/w/demo/leads", data={"token": html_lib.unescape(token), "name": "Quill <Marrowby>",
                                              "email": "not-an-address", "service": "Family therapy"}
                       ).get_data(as_text=True)
    assert 'value="Quill &lt;Marrowby&gt;"' in html and 'value="not-an-address"' in html
    assert '<option selected value="Family therapy">' in html
    assert 'aria-invalid="true"' in html


def test_the_kept_renderings_are_bounded(make_app: Callable[..., Flask]) -> None:
    app = make_app(RTR_CARD_CACHE_SIZE=3)
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    client = app.test_client()
    for query in ({}, {"lang": "es"}, {"theme": "dark"}, {"mode": "button"}, {"mode": "popup"}, {"lang": "es"}):
        client.get("/w/demo/frame?" + urlencode(query))
    assert len(app.extensions["rtr"].cards) == 3


def test_the_kept_queries_are_bounded_and_share_one_rendering(make_app: Callable[..., Flask]) -> None:
    app = make_app(RTR_CARD_CACHE_SIZE=3)
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    client = app.test_client()
    pages = [f"https://practice.example/blog/post-{number}" for number in range(40)]
    for page in pages:
        html = client.get("/w/demo/frame?" + urlencode({"page": page})).get_data(as_text=True)
        assert f'value="{page}"' in html
    state = app.extensions["rtr"]
    assert len(state.cards) == 1, "every post shares the one rendering"
    assert len(state.asked) == 3 * ASKED_PER_CARD
    assert f'value="{pages[0]}"' in client.get("/w/demo/frame?" + urlencode({"page": pages[0]})).get_data(as_text=True)


def test_the_kept_widgets_are_bounded_and_unknown_ids_are_not_kept(app: Flask) -> None:
    store = app.extensions["rtr"].store
    for number in range(4):
        create_widget(store, f"Practice {number}", WidgetSettings(), widget_id=f"p{number}")
    cache = WidgetCache(size=2)
    for widget_id in ("p0", "p1", "p2", "p3", "nope", "p3"):
        cache.get(store, widget_id, fresh_seconds=60)
    assert len(cache) == 2
    client = app.test_client()
    for number in range(20):
        assert client.get(f"/w/no-such-{number}/frame").status_code == 404
    assert len(cache_of(store)) <= 1, "ids that match no widget are never kept"
