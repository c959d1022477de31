"""Bot defences: honeypot, time trap, one lead per token, allowed origins. "Thank you" only for what is stored:
a honeypot hit is kept as suspected spam; a person too quick for the trap, or resending a used form, presses again."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from widget.config import DEFAULTS
from widget.i18n import STRINGS, strings_for
from widget.queries.inbox import LeadFilter, count_leads
from widget.queries.widgets import get_widget, save_settings
from widget.schema import daily_stats, deliveries, leads
from widget.security import issue_form_token

from .conftest import TOKEN_RE, form_token, valid_lead
from .support.settings import changed

JSON = {"Accept": "application/json"}
PRACTICE = "https://www.rebuild-practice.example"


def _rows(app: Flask) -> list[Any]:
    with app.extensions["rtr"].store.reading() as conn:
        return list(conn.execute(select(leads).order_by(leads.c.id)))


def _deliveries(app: Flask) -> int:
    with app.extensions["rtr"].store.reading() as conn:
        return conn.execute(select(func.count()).select_from(deliveries)).scalar_one()


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


def test_filled_honeypot_is_stored_as_suspected_spam_undelivered_and_counted_as_blocked(
        app: Flask, client: FlaskClient) -> None:
    response = client.post("/w/demo/leads", data=valid_lead(token=form_token(client), website="https://cheap.example"),
                           headers=JSON)
    assert response.status_code == 201 and response.json["ok"] is True, "it is stored: thanking is no lie"
    [caught] = _rows(app)
    assert (caught.name, caught.spam_reason, caught.spam_detail) == ("Maya", "honeypot", "https://cheap.example")
    assert _deliveries(app) == 0, "suspected spam goes nowhere until an admin releases it"
    assert _stat(app, "blocked") == 1 and _stat(app, "submissions") == 0, "not in the conversion figures"
    with app.extensions["rtr"].store.reading() as conn:
        assert count_leads(conn, LeadFilter()) == 0, "not in the inbox"


def test_honeypot_without_javascript_shows_the_thank_you_page(app: Flask, client: FlaskClient) -> None:
    response = client.post("/w/demo/leads", data=valid_lead(token=form_token(client), website="x"))
    html = response.get_data(as_text=True)
    assert response.status_code == 201 and 'id="rtr-thanks"' in html and "<form" not in html
    assert [row.spam_reason for row in _rows(app)] == ["honeypot"] and _stat(app, "blocked") == 1


@pytest.mark.parametrize("accept", [JSON, {}], ids=["json", "no-js"])
def test_a_filled_honeypot_on_an_invalid_form_gets_the_errors_anyone_gets(app: Flask, client: FlaskClient,
                                                                           accept: dict[str, str]) -> None:
    # A person's autofill may have filled the hidden field: they must see what to fix, not "thank you".
    typed = valid_lead(token=form_token(client), website="Maya Reyes", email="maya@example", name="Maya Reyes")
    response = client.post("/w/demo/leads", data=typed, headers=accept)
    assert response.status_code == 400
    if accept:
        assert response.json["ok"] is False and "email" in response.json["errors"]
    else:
        html = response.get_data(as_text=True)
        assert "Maya Reyes" in html and "maya@example" in html and 'id="rtr-thanks"' not in html
    assert _rows(app) == []


def test_the_time_trap_defaults_to_three_seconds(trap_app: Flask) -> None:
    assert trap_app.config["RTR_MIN_FORM_SECONDS"] == 3.0


def test_a_token_younger_than_the_trap_asks_to_press_again_and_pressing_again_stores(trap_app: Flask) -> None:
    # A browser's autofill and a quick click: never "thank you" while nothing is stored.
    client = trap_app.test_client()
    for age in (0, 1, 2.5):
        response = client.post("/w/demo/leads", data=valid_lead(token=_aged_token(trap_app, age)), headers=JSON)
        assert response.status_code == 400 and response.json["ok"] is False
        assert response.json["errors"] == {"token": strings_for("en")["too_young"]}
    assert _rows(trap_app) == []
    again = client.post("/w/demo/leads", data=valid_lead(token=response.json["token"]), headers=JSON)
    assert again.status_code == 201
    assert [(row.name, row.spam_reason) for row in _rows(trap_app)] == [("Maya", None)]
    assert _stat(trap_app, "submissions") == 1


def test_a_too_young_token_without_javascript_keeps_what_was_typed(trap_app: Flask) -> None:
    client = trap_app.test_client()
    typed = valid_lead(token=_aged_token(trap_app, 0.5), name="Ana Ruiz", message="Evenings, please.")
    response = client.post("/w/demo/leads", data=typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="rtr-thanks"' not in html
    assert "Ana Ruiz" in html and "Evenings, please." in html and "press the button again" in html
    typed["token"] = TOKEN_RE.search(html).group(1)
    assert client.post("/w/demo/leads", data=typed).status_code == 201
    assert [row.name for row in _rows(trap_app)] == ["Ana Ruiz"]


def test_the_same_request_sent_twice_with_one_token_is_stored_once_and_told_it_arrived(
        app: Flask, client: FlaskClient) -> None:
    token = form_token(client)
    first = client.post("/w/demo/leads", data=valid_lead(token=token), headers=JSON)
    twice = [client.post("/w/demo/leads", data=valid_lead(token=token), headers=JSON) for _ in range(2)]
    assert first.status_code == 201
    assert all(r.status_code == 200 and r.json["ok"] for r in twice), "a double click: it did arrive"
    assert len(_rows(app)) == 1


@pytest.mark.parametrize("accept", [JSON, {}], ids=["json", "no-js"])
def test_a_changed_request_on_a_used_token_is_asked_to_press_again_never_dropped(
        app: Flask, client: FlaskClient, accept: dict[str, str]) -> None:
    # The back button: the page still holds the token that stored the first request.
    token = form_token(client)
    assert client.post("/w/demo/leads", data=valid_lead(token=token), headers=JSON).status_code == 201
    changed_one = valid_lead(token=token, name="Jordan", email="jordan@example.org")
    response = client.post("/w/demo/leads", data=changed_one, headers=accept)
    assert response.status_code == 400
    if accept:
        assert response.json["errors"] == {"token": strings_for("en")["already_sent"]}
        fresh = response.json["token"]
    else:
        html = response.get_data(as_text=True)
        assert "Jordan" in html and "already sent once" in html and 'id="rtr-thanks"' not in html
        fresh = TOKEN_RE.search(html).group(1)
    assert client.post("/w/demo/leads", data={**changed_one, "token": fresh}, headers=JSON).status_code == 201
    assert [row.name for row in _rows(app)] == ["Maya", "Jordan"]


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
    assert [r.status_code for r in replays] == [400] * 3 and not any(r.json["ok"] for r in replays)
    assert _leads(app) == 1


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
