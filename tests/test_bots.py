"""Bot defences: honeypot, time trap, one lead per token, allowed origins. Bots see success; people pass."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from widget.config import DEFAULTS
from widget.i18n import STRINGS
from widget.queries.widgets import get_widget, save_settings
from widget.schema import daily_stats, leads
from widget.security import issue_form_token

from .conftest import form_token, valid_lead
from .support.settings import changed

JSON = {"Accept": "application/json"}
PRACTICE = "https://www.rebuild-practice.example"


def _leads(app: Flask) -> int:
    with app.extensions["rtr"].store.reading() as conn:
        return conn.execute(select(func.count()).select_from(leads)).scalar_one()


def _stat(app: Flask, column: str) -> int:
    with app.extensions["rtr"].store.reading() as conn:
        total = conn.execute(select(func.sum(daily_stats.c[column])).where(daily_stats.c.widget_id == "demo"))
        return total.scalar_one() or 0


def _aged_token(app: Flask, seconds: float) -> str:
    with app.test_request_context():
        return issue_form_token("demo", now=time.time() - seconds)


@pytest.fixture
def trap_app(make_app: Callable[..., Flask]) -> Flask:
    """The demo widget with the default three-second time trap on."""
    app = make_app(RTR_MIN_FORM_SECONDS=DEFAULTS["RTR_MIN_FORM_SECONDS"])
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    return app


def test_filled_honeypot_looks_like_success_stores_nothing_and_is_counted(app: Flask, client: FlaskClient) -> None:
    response = client.post("/w/demo/leads", data=valid_lead(token=form_token(client), website="https://cheap.example"),
                           headers=JSON)
    assert response.status_code == 201 and response.json["ok"] is True
    assert response.json["heading"] == client.post("/w/demo/leads", data=valid_lead(token=form_token(client)),
                                                   headers=JSON).json["heading"]
    assert _leads(app) == 1 and _stat(app, "blocked") == 1


def test_honeypot_without_javascript_shows_the_thank_you_page(app: Flask, client: FlaskClient) -> None:
    response = client.post("/w/demo/leads", data=valid_lead(token=form_token(client), website="x"))
    html = response.get_data(as_text=True)
    assert response.status_code == 201 and 'id="rtr-thanks"' in html and "<form" not in html
    assert _leads(app) == 0 and _stat(app, "blocked") == 1


def test_the_time_trap_defaults_to_three_seconds(trap_app: Flask) -> None:
    assert trap_app.config["RTR_MIN_FORM_SECONDS"] == 3.0


def test_token_younger_than_the_trap_looks_like_success_and_stores_nothing(trap_app: Flask) -> None:
    client = trap_app.test_client()
    for age in (0, 1, 2.5):
        response = client.post("/w/demo/leads", data=valid_lead(token=_aged_token(trap_app, age)), headers=JSON)
        assert response.status_code == 201 and response.json["ok"] is True
    assert _leads(trap_app) == 0 and _stat(trap_app, "blocked") == 3


@pytest.mark.parametrize("token", ["", "not-a-token", "expired"])
def test_after_a_refused_token_pressing_again_at_once_is_not_taken_for_a_bot(trap_app: Flask, token: str) -> None:
    # Say the secret key changed while the page was open: the person is asked to press again.
    client = trap_app.test_client()
    sent = _aged_token(trap_app, 5 * 3600) if token == "expired" else token
    refused = client.post("/w/demo/leads", data=valid_lead(token=sent), headers=JSON)
    assert refused.status_code == 400 and "press the button again" in refused.json["errors"]["token"]
    again = client.post("/w/demo/leads", data=valid_lead(token=refused.json["token"]), headers=JSON)
    assert again.status_code == 201
    assert _leads(trap_app) == 1 and _stat(trap_app, "blocked") == 0


def test_a_person_past_the_trap_is_stored(trap_app: Flask) -> None:
    client = trap_app.test_client()
    response = client.post("/w/demo/leads", data=valid_lead(token=_aged_token(trap_app, 3.5)), headers=JSON)
    assert response.status_code == 201
    assert _leads(trap_app) == 1 and _stat(trap_app, "blocked") == 0 and _stat(trap_app, "submissions") == 1


def test_a_token_submits_one_lead_only(app: Flask, client: FlaskClient) -> None:
    token = form_token(client)
    first = client.post("/w/demo/leads", data=valid_lead(token=token), headers=JSON)
    replays = [client.post("/w/demo/leads", data=valid_lead(token=token, name=f"Replay {n}"), headers=JSON)
               for n in range(3)]
    assert first.status_code == 201
    assert all(r.status_code == 201 and r.json["ok"] for r in replays), "a replay learns nothing"
    assert _leads(app) == 1 and _stat(app, "blocked") == 3


@pytest.fixture
def guarded(app: Flask) -> Flask:
    """The demo widget restricted to the practice's own site."""
    store = app.extensions["rtr"].store
    save_settings(store, "demo", changed(get_widget(store, "demo").settings, allowed_origins=[PRACTICE]))
    return app


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Referer": "https://evil.example/landing?x=1"},
    {"Origin": "https://www.rebuild-practice.example.evil.example"},
    {"Origin": "http://www.rebuild-practice.example"},
    {"Origin": "https://www.rebuild-practice.example:99999"},  # present but not an origin: not a pass
    {"Origin": "null", "Referer": "about:blank"},
    {"Referer": "/blog/when-trust-is-broken"},
    # A sandboxed frame or a data: page sends "null"; a Referer from the practice's site does not vouch for it.
    {"Origin": "null", "Referer": PRACTICE + "/blog/when-trust-is-broken"},
    {"Origin": "", "Referer": PRACTICE + "/"},
    # urllib raises on an unmatched "[": a clean 403, not a 500.
    {"Origin": "http://["},
    {"Origin": "https://[::1"},
    {"Referer": "http://[/blog"},
    {"Referer": "https://www.rebuild-practice.example:[/blog"},
])
def test_submission_from_outside_the_allowed_origins_is_403(guarded: Flask, headers: dict[str, str]) -> None:
    client = guarded.test_client()
    response = client.post("/w/demo/leads", data=valid_lead(token=form_token(client)), headers={**JSON, **headers})
    assert response.status_code == 403
    assert response.json["ok"] is False and "origin" in response.json["errors"]
    assert _leads(guarded) == 0


def test_a_refused_origin_is_explained_in_the_widgets_language(guarded: Flask) -> None:
    store = guarded.extensions["rtr"].store
    save_settings(store, "demo", changed(get_widget(store, "demo").settings, language="es"))
    client = guarded.test_client()
    response = client.post("/w/demo/leads", data=valid_lead(token=form_token(client)),
                           headers={**JSON, "Origin": "https://evil.example"})
    assert response.status_code == 403
    assert response.json["message"] == STRINGS["es"]["origin_refused"]
    assert response.json["message"].startswith("Este formulario solo puede enviarse")


def test_refused_origin_without_javascript_keeps_the_input(guarded: Flask) -> None:
    client = guarded.test_client()
    response = client.post("/w/demo/leads", data=valid_lead(token=form_token(client), name="Tomás"),
                           headers={"Origin": "https://evil.example"})
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and "Tomás" in html and "practice&#39;s own website" in html


@pytest.mark.parametrize("headers", [
    {"Origin": PRACTICE},
    {"Referer": PRACTICE + "/blog/when-trust-is-broken"},
    {"Origin": "http://localhost"},
])
def test_submission_from_an_allowed_origin_or_our_own_frame_is_stored(guarded: Flask,
                                                                     headers: dict[str, str]) -> None:
    client = guarded.test_client()
    response = client.post("/w/demo/leads", data=valid_lead(token=form_token(client)), headers={**JSON, **headers})
    assert response.status_code == 201
    assert _leads(guarded) == 1


@pytest.mark.parametrize(("base_url", "origin", "status"), [
    ("https://widgets.example.com", "https://widgets.example.com", 201),  # RTR_PUBLIC_URL
    ("http://widgets.example.com", "https://widgets.example.com", 201),  # TLS ended at an untrusted proxy
    ("https://127.0.0.1:5000", "https://widgets.example.com", 201),  # whatever Host the proxy passes on
    # A site whose name now points at this server (DNS rebinding): the browser sends its name as Host too.
    ("http://rebound.evil.example", "http://rebound.evil.example", 403),
    ("https://rtr.old-name.example", "https://rtr.old-name.example.evil.example", 403),
    ("https://widgets.example.com", "http://widgets.example.com", 403),
])
def test_our_own_frame_is_recognised_by_rtr_public_url_not_by_the_host_header(
        guarded: Flask, base_url: str, origin: str, status: int) -> None:
    guarded.config["RTR_PUBLIC_URL"] = "https://widgets.example.com/"
    client = guarded.test_client()
    response = client.post("/w/demo/leads", data=valid_lead(token=form_token(client)), base_url=base_url,
                           headers={**JSON, "Origin": origin})
    assert response.status_code == status
    assert _leads(guarded) == (1 if status == 201 else 0)


def test_without_allowed_origins_any_site_may_submit(app: Flask, client: FlaskClient) -> None:
    response = client.post("/w/demo/leads", data=valid_lead(token=form_token(client)),
                           headers={**JSON, "Origin": "https://any-blog.example"})
    assert response.status_code == 201 and _leads(app) == 1


def test_without_rtr_public_url_our_frame_is_recognised_by_the_host_it_was_asked_for(guarded: Flask) -> None:
    client = guarded.test_client()
    for origin, status in (("https://widgets.example.com", 201), ("https://other.example", 403)):
        response = client.post("/w/demo/leads", data=valid_lead(token=form_token(client)),
                               base_url="http://widgets.example.com", headers={**JSON, "Origin": origin})
        assert response.status_code == status


def test_a_refused_unreadable_origin_keeps_what_was_typed(guarded: Flask) -> None:
    client = guarded.test_client()
    response = client.post("/w/demo/leads", data=valid_lead(token=form_token(client), name="Tomás [draft]"),
                           headers={"Referer": "https://[www.rebuild-practice.example/blog"})
    assert response.status_code == 403 and "Tomás [draft]" in response.get_data(as_text=True)


@pytest.mark.parametrize("origin", ["http://[", "https://[::1", "http://a.example:[/", "http://a.example:99999"])
def test_the_frames_origin_parameter_that_urllib_cannot_read_is_ignored(client: FlaskClient, origin: str) -> None:
    readable = client.get("/w/demo/frame", query_string={"origin": "http://127.0.0.1:8000"}).get_data(as_text=True)
    assert 'name="origin" value="http://127.0.0.1:8000"' in readable
    for path in ("/w/demo/frame", "/w/demo"):
        response = client.get(path, query_string={"origin": origin, "instance": "x"})
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "Ready to rebuild?" in html
        assert 'name="origin"' not in html and 'data-parent-origin="http' not in html
    posted = client.post("/w/demo/leads", data=valid_lead(token=form_token(client), origin="http://["))
    assert posted.status_code == 201
