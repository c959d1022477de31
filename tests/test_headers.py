"""Response headers of the public surface: a CSP with nothing but what the frame needs, and embed.js caching."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget.queries.widgets import get_widget, save_settings
from widget.security import issue_form_token

from .conftest import form_token, valid_lead
from .support.settings import changed

JSON = {"Accept": "application/json"}


def _csp(header: str) -> dict[str, str]:
    directives = [part.strip().split(" ", 1) for part in header.split(";") if part.strip()]
    return {name: (rest[0] if rest else "") for name, *rest in directives}


def _assert_public_headers(response) -> None:
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert _csp(response.headers["Content-Security-Policy"])["default-src"] == "'none'"
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("path", ["/w/demo/frame", "/w/demo"])
def test_the_csp_allows_only_what_the_card_needs(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    csp = _csp(response.headers["Content-Security-Policy"])
    nonce = re.search(r'<style nonce="([^"]+)">', response.get_data(as_text=True)).group(1)
    assert csp == {
        "default-src": "'none'",
        "style-src": f"'self' 'nonce-{nonce}'",
        "script-src": "'self'",
        "connect-src": "'self'",
        "form-action": "'self'",
        "base-uri": "'none'",
        "frame-ancestors": "*",
    }
    _assert_public_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_the_style_nonce_is_fresh_for_every_response(client: FlaskClient) -> None:
    nonces = {_csp(client.get("/w/demo/frame").headers["Content-Security-Policy"])["style-src"] for _ in range(5)}
    assert len(nonces) == 5


def test_frame_ancestors_come_from_the_allowed_origins(app: Flask, client: FlaskClient) -> None:
    store = app.extensions["rtr"].store
    origins = ["https://www.practice.example", "https://blog.practice.example:8443"]
    save_settings(store, "demo", changed(get_widget(store, "demo").settings, allowed_origins=origins))
    for path in ("/w/demo/frame", "/w/demo"):
        csp = _csp(client.get(path).headers["Content-Security-Policy"])
        assert csp["frame-ancestors"] == ("'self' https://www.practice.example https://practice.example "
                                           "https://blog.practice.example:8443")


def test_every_answer_to_a_submission_carries_the_headers(make_app: Callable[..., Flask]) -> None:
    app = make_app(RTR_SUBMIT_LIMIT="1 per minute")  # the stored one uses it up; typos take nothing
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    client = app.test_client()
    answers = {
        "invalid": client.post("/w/demo/leads", data=valid_lead(token=form_token(client), email="x"), headers=JSON),
        "invalid page": client.post("/w/demo/leads", data=valid_lead(token=form_token(client), email="x")),
        "stored": client.post("/w/demo/leads", data=valid_lead(token=form_token(client)), headers=JSON),
        "limited": client.post("/w/demo/leads", data=valid_lead(token=form_token(client)), headers=JSON),
        "too large": client.post("/w/demo/leads", data={"message": "m" * 20000}, headers=JSON,
                                 environ_base={"REMOTE_ADDR": "198.51.100.1"}),
    }
    assert [r.status_code for r in answers.values()] == [400, 400, 201, 429, 413]
    for name, response in answers.items():
        _assert_public_headers(response)
        assert response.headers["Cache-Control"] == "no-store", name


def test_a_refused_origin_carries_the_headers(app: Flask, client: FlaskClient) -> None:
    store = app.extensions["rtr"].store
    save_settings(store, "demo", changed(get_widget(store, "demo").settings, allowed_origins=["https://a.example"]))
    with app.test_request_context():
        token = issue_form_token("demo")
    response = client.post("/w/demo/leads", data=valid_lead(token=token), headers={"Origin": "https://b.example"})
    assert response.status_code == 403
    _assert_public_headers(response)


def test_embed_js_type_cors_cache_and_etag(client: FlaskClient) -> None:
    first = client.get("/embed.js")
    assert first.status_code == 200
    assert first.mimetype == "text/javascript"
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert 0 < first.cache_control.max_age <= 3600, "short, so a fix reaches every site within the hour"
    etag = first.headers["ETag"]
    again = client.get("/embed.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    changed = client.get("/embed.js", headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200 and changed.get_data() == first.get_data()


@pytest.mark.parametrize(("filename", "mimetype"), [("frame.css", "text/css"), ("frame.js", "text/javascript")])
def test_the_frames_own_assets_are_typed_and_not_sniffed(client: FlaskClient, filename: str, mimetype: str) -> None:
    response = client.get(f"/static/{filename}")
    assert response.status_code == 200 and response.mimetype == mimetype
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "ETag" in response.headers
