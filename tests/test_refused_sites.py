"""A site the widget doesn't allow: a link to the card's page instead of a refused frame, noted for the admin."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget.queries.refused_sites import PER_WIDGET, refused_for
from widget.queries.widgets import get_widget, save_settings

from .conftest import form_token, valid_lead
from .support.settings import changed

PRACTICE = "https://desertbloom.example"
STRANGER = "https://copycat.example"
JSON = {"Accept": "application/json"}


@pytest.fixture
def guarded(app: Flask) -> Flask:
    """The demo widget allowed on desertbloom.example as a practice types it (so www. too)."""
    store = app.extensions["rtr"].store
    save_settings(store, "demo", changed(get_widget(store, "demo").settings, allowed_origins=["desertbloom.example"]))
    return app


def _frame_ancestors(response) -> str:
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    return policy["frame-ancestors"]


def _refused(app: Flask) -> list:
    return refused_for(app.extensions["rtr"].store, "demo")


def test_an_unlisted_site_gets_a_link_to_the_card_page_in_any_frame(guarded: Flask) -> None:
    response = guarded.test_client().get(
        "/w/demo/frame", query_string={"origin": STRANGER, "instance": "demo", "mode": "inline", "lang": "es",
                                       "page": STRANGER + "/blog/post"},
        headers={"Referer": STRANGER + "/"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and _frame_ancestors(response) == "*"
    assert 'href="http://localhost/w/demo?lang=es"' in html and 'target="_top"' in html
    assert "<form" not in html and 'name="token"' not in html, "the card itself never reaches that site"
    assert "988" in html, "the crisis numbers stay"
    assert "Este sitio web no puede mostrar aquí el formulario" in html, "in the language the snippet asked for"
    assert "data-refused" in html and f'data-parent-origin="{STRANGER}"' in html
    assert "Set-Cookie" not in response.headers
    [site] = _refused(guarded)
    assert (site.origin, site.page, site.kind, site.attempts) == (STRANGER, STRANGER + "/blog/post", "frame", 1)


@pytest.mark.parametrize("origin", [PRACTICE, "https://www.desertbloom.example"])
def test_an_allowed_site_gets_the_card_only_it_may_frame(guarded: Flask, origin: str) -> None:
    response = guarded.test_client().get("/w/demo/frame", query_string={"origin": origin},
                                         headers={"Referer": origin + "/blog/"})
    assert response.status_code == 200 and "<form" in response.get_data(as_text=True)
    assert _frame_ancestors(response) == f"'self' {PRACTICE} https://www.desertbloom.example"
    assert _refused(guarded) == []


@pytest.mark.parametrize(("query", "headers"), [
    ({"origin": PRACTICE}, {"Referer": STRANGER + "/page"}),  # the loader's parameter copied onto another site
    ({}, {"Referer": STRANGER + "/page"}),                     # an iframe written by hand
    ({"origin": STRANGER}, {}),                                # a page that sends no Referer
])
def test_either_name_of_a_stranger_gets_the_link(guarded: Flask, query: dict, headers: dict) -> None:
    response = guarded.test_client().get("/w/demo/frame", query_string=query, headers=headers)
    assert "<form" not in response.get_data(as_text=True) and _frame_ancestors(response) == "*"
    assert [site.origin for site in _refused(guarded)] == [STRANGER]


def test_a_stranger_copying_a_kept_query_still_gets_the_link(guarded: Flask) -> None:
    """What a query asks for is kept between views; the Referer is still checked on every one."""
    client, query = guarded.test_client(), {"origin": PRACTICE, "page": PRACTICE + "/blog/"}
    assert "<form" in client.get("/w/demo/frame", query_string=query, headers={"Referer": PRACTICE + "/blog/"}).text
    copied = client.get("/w/demo/frame", query_string=query, headers={"Referer": STRANGER + "/page"})
    assert "<form" not in copied.text and _frame_ancestors(copied) == "*"
    assert "<form" in client.get("/w/demo/frame", query_string=query).text


def test_a_frame_that_names_no_site_is_the_card_the_browser_still_guards(guarded: Flask) -> None:
    response = guarded.test_client().get("/w/demo/frame")
    assert "<form" in response.get_data(as_text=True) and _frame_ancestors(response) != "*"


def test_without_allowed_sites_every_site_gets_the_card(app: Flask, client: FlaskClient) -> None:
    response = client.get("/w/demo/frame", query_string={"origin": STRANGER})
    assert "<form" in response.get_data(as_text=True) and _frame_ancestors(response) == "*"
    assert _refused(app) == []


def test_the_hosted_page_is_never_refused_for_where_the_visitor_came_from(guarded: Flask) -> None:
    response = guarded.test_client().get("/w/demo", headers={"Referer": "https://social.example/post/1"})
    assert "<form" in response.get_data(as_text=True)
    assert _refused(guarded) == []


def test_a_request_refused_by_its_origin_notes_the_site(guarded: Flask) -> None:
    client = guarded.test_client()
    response = client.post("/w/demo/leads", data=valid_lead(token=form_token(client)),
                           headers={**JSON, "Origin": STRANGER})
    assert response.status_code == 403
    [site] = _refused(guarded)
    assert (site.origin, site.kind, site.page) == (STRANGER, "request", "")


def test_a_site_is_written_once_a_minute_and_a_widget_keeps_a_bounded_list(guarded: Flask) -> None:
    client = guarded.test_client()
    for _ in range(5):
        client.get("/w/demo/frame", query_string={"origin": STRANGER})
    assert [site.attempts for site in _refused(guarded)] == [1]
    for n in range(PER_WIDGET + 10):
        client.get("/w/demo/frame", query_string={"origin": f"https://made-up-{n}.example"})
    assert len(_refused(guarded)) == PER_WIDGET
