"""Submission limits: per client per widget, per widget in total, behind proxies, in memory and Redis."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask, request
from flask.testing import FlaskClient
from flask_limiter import Limiter
from limits import parse
from sqlalchemy import func, select

from widget import create_app, ratelimit
from widget.queries.widgets import create_widget, get_widget, save_settings
from widget.schema import leads
from widget.security import issue_form_token

from .conftest import missing, valid_lead
from .support.host_pages import browser_page
from .support.redis import REDIS_SERVER, RedisServer
from .support.servers import ServerThread
from .support.settings import changed

JSON = {"Accept": "application/json"}


def _leads(app: Flask, spam: bool = False) -> int:
    """Return how many requests are stored (only the suspected spam among them, when spam)."""
    query = select(func.count()).select_from(leads)
    with app.extensions["rtr"].store.reading() as conn:
        return conn.execute(query.where(leads.c.spam_reason.is_not(None)) if spam else query).scalar_one()


def _token(app: Flask, widget_id: str = "demo") -> str:
    with app.test_request_context():
        return issue_form_token(widget_id)


def _submit(app: Flask, client: FlaskClient, ip: str = "203.0.113.7", widget_id: str = "demo",
            headers: dict[str, str] | None = None, **fields: str):
    data = valid_lead(token=_token(app, widget_id), **fields)
    return client.post(f"/w/{widget_id}/leads", data=data, headers={**JSON, **(headers or {})},
                       environ_base={"REMOTE_ADDR": ip})


def _demo_app(make_app: Callable[..., Flask], **config: object) -> Flask:
    app = make_app(**config)
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    return app


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server on a free loopback port."""
    if not os.path.exists(REDIS_SERVER):
        missing(f"redis-server ({REDIS_SERVER})")
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.cleanup()


def test_default_limit_is_five_a_minute_per_client_then_a_kind_429(app: Flask, client: FlaskClient) -> None:
    assert app.config["RTR_SUBMIT_LIMIT"] == "5 per minute;30 per day"
    accepted = [_submit(app, client).status_code for _ in range(5)]
    limited = _submit(app, client)
    assert accepted == [201] * 5
    assert limited.status_code == 429
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    assert limited.json["ok"] is False and "wait a minute" in limited.json["message"]
    assert "what you typed is still here" in limited.json["message"]
    assert _leads(app) == 5


def test_limited_page_without_javascript_keeps_what_they_typed(make_app: Callable[..., Flask]) -> None:
    app = _demo_app(make_app, RTR_SUBMIT_LIMIT="1 per minute")
    client = app.test_client()
    assert _submit(app, client).status_code == 201
    typed = valid_lead(token=_token(app), name="Ana O'Neil-Ruiz", email="ana@example.org", phone="(555) 010-2030",
                       message="Evenings are best", lang="es")
    response = client.post("/w/demo/leads", data=typed, environ_base={"REMOTE_ADDR": "203.0.113.7"})
    html = response.get_data(as_text=True)
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert response.mimetype == "text/html"
    assert "Espere un minuto" in html
    for value in ("Ana O&#39;Neil-Ruiz", "ana@example.org", "(555) 010-2030", "Evenings are best"):
        assert value in html, value
    assert 'name="token"' in html
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert _leads(app) == 1


def test_each_client_and_each_widget_has_its_own_budget(make_app: Callable[..., Flask]) -> None:
    app = _demo_app(make_app, RTR_SUBMIT_LIMIT="2 per minute")
    store = app.extensions["rtr"].store
    create_widget(store, "Other practice", get_widget(store, "demo").settings, widget_id="other")
    client = app.test_client()
    assert [_submit(app, client).status_code for _ in range(3)] == [201, 201, 429]
    assert _submit(app, client, widget_id="other").status_code == 201
    assert _submit(app, client, ip="198.51.100.20").status_code == 201
    assert _leads(app) == 4


def test_widget_total_counts_stored_leads_only(make_app: Callable[..., Flask]) -> None:
    app = _demo_app(make_app, RTR_WIDGET_SUBMIT_LIMIT="3 per minute")
    client = app.test_client()
    junk = [_submit(app, client, ip=f"192.0.2.{n}", email="not-an-address").status_code for n in range(10)]
    assert junk == [400] * 10, "a flood of junk does not use up the widget's budget"
    bots = [_submit(app, client, ip=f"192.0.2.{n}", website="spam").status_code for n in range(10, 20)]
    assert bots == [201] * 10, "nor do caught bots (stored as suspected spam)"
    statuses = [_submit(app, client, ip=f"198.51.100.{n}").status_code for n in range(4)]
    assert statuses == [201, 201, 201, 429]
    assert _leads(app) == 13 and _leads(app, spam=True) == 10, "the bots wait under suspected spam"


def test_spoofed_forwarded_for_is_ignored_by_default(app: Flask, client: FlaskClient) -> None:
    assert app.config["RTR_PROXY_COUNT"] == 0
    statuses = [_submit(app, client, headers={"X-Forwarded-For": f"10.0.0.{n}"}).status_code for n in range(7)]
    assert statuses == [201] * 5 + [429] * 2


def test_one_trusted_proxy_uses_the_address_it_saw(make_app: Callable[..., Flask]) -> None:
    app = _demo_app(make_app, RTR_PROXY_COUNT=1, RTR_SUBMIT_LIMIT="2 per minute")
    client = app.test_client()
    proxy = "10.0.0.1"
    # The proxy appends the address it saw; whatever the client wrote to the left is not trusted.
    spoofed = [_submit(app, client, ip=proxy, headers={"X-Forwarded-For": f"172.16.0.{n}, 203.0.113.9"}).status_code
               for n in range(3)]
    assert spoofed == [201, 201, 429]
    other_visitor = _submit(app, client, ip=proxy, headers={"X-Forwarded-For": "203.0.113.10"})
    assert other_visitor.status_code == 201


def test_two_proxies_are_two_hops(make_app: Callable[..., Flask]) -> None:
    app = _demo_app(make_app, RTR_PROXY_COUNT=2, RTR_SUBMIT_LIMIT="1 per minute")
    client = app.test_client()
    header = {"X-Forwarded-For": "198.51.100.5, 10.0.0.2"}
    assert _submit(app, client, ip="10.0.0.1", headers=header).status_code == 201
    assert _submit(app, client, ip="10.0.0.1", headers={"X-Forwarded-For": "1.1.1.1, 198.51.100.5, 10.0.0.2"}
                   ).status_code == 429
    assert _submit(app, client, ip="10.0.0.1", headers={"X-Forwarded-For": "198.51.100.6, 10.0.0.2"}
                   ).status_code == 201


def test_other_routes_are_not_limited(make_app: Callable[..., Flask]) -> None:
    app = _demo_app(make_app, RTR_SUBMIT_LIMIT="1 per minute")
    client = app.test_client()
    assert {client.get("/w/demo/frame").status_code for _ in range(5)} == {200}
    assert {client.get("/embed.js").status_code for _ in range(5)} == {200}


def test_only_submissions_run_the_limiter(make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch) -> None:
    """The card, embed.js, the beacon and the host app's own pages skip the limiter's per-request work."""
    app = _demo_app(make_app)
    app.add_url_rule("/hosts-own-page", "hosts_own_page", lambda: "the host's page")
    evaluated: list[str] = []
    identify = Limiter.identify_request

    def counting(limiter: Limiter) -> str:
        evaluated.append(request.path)
        return identify(limiter)

    monkeypatch.setattr(Limiter, "identify_request", counting)
    client = app.test_client()
    for path in ("/w/demo/frame?mode=inline", "/w/demo", "/embed.js", "/hosts-own-page", "/healthz"):
        assert client.get(path).status_code == 200, path
    client.post("/w/demo/seen", json={})
    assert evaluated == []
    assert _submit(app, client).status_code == 201
    assert evaluated == ["/w/demo/leads"]


def test_a_limiter_hooked_in_some_other_way_keeps_limiting_with_a_warning(
        make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture) -> None:
    app = _demo_app(make_app, RTR_SUBMIT_LIMIT="1 per minute")
    limiter = app.extensions["rtr"].limiter
    hooks = list(app.before_request_funcs[None]), list(app.after_request_funcs[None])
    ratelimit._run_hooks_only_when(app, limiter, lambda: True)  # its own hooks are no longer where it put them
    assert "hooks into requests in a way Ready to Rebuild doesn't know" in caplog.text
    assert (list(app.before_request_funcs[None]), list(app.after_request_funcs[None])) == hooks, "left as they were"
    client = app.test_client()
    assert [_submit(app, client).status_code for _ in range(2)] == [201, 429]


def test_memory_storage_by_default_with_flask_limiters_warning(tmp_path: Path) -> None:
    config = {"TESTING": True, "RTR_WORKER": "off", "RTR_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    with pytest.warns(UserWarning, match="in-memory storage"):
        app = create_app(config, instance_path=str(tmp_path))
    limiter = app.extensions["rtr"].limiter
    assert type(limiter.storage).__name__ == "MemoryStorage"
    app.extensions["rtr"].store.engine.dispose()


def test_redis_storage_shares_the_limit_between_processes(make_app: Callable[..., Flask],
                                                          redis_server: RedisServer) -> None:
    connection = redis.Redis.from_url(redis_server.url)
    connection.flushdb()
    first = _demo_app(make_app, RTR_RATELIMIT_STORAGE_URI=redis_server.url, RTR_SUBMIT_LIMIT="3 per minute")
    second = make_app(RTR_RATELIMIT_STORAGE_URI=redis_server.url, RTR_SUBMIT_LIMIT="3 per minute",
                      RTR_DATABASE_URL=first.config["RTR_DATABASE_URL"])
    assert type(first.extensions["rtr"].limiter.storage).__name__ == "RedisStorage"
    statuses = [_submit(app, app.test_client()).status_code for app in (first, second, first, second)]
    assert statuses == [201, 201, 201, 429]
    assert connection.keys("*rtr-client*"), "the counters live in Redis"
    assert _leads(first) == 3


def test_redis_outage_lets_people_through(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    if not os.path.exists(REDIS_SERVER):
        missing(f"redis-server ({REDIS_SERVER})")
    server = RedisServer().start()
    app = _demo_app(make_app, RTR_RATELIMIT_STORAGE_URI=server.url, RTR_SUBMIT_LIMIT="1 per minute")
    client = app.test_client()
    assert _submit(app, client).status_code == 201
    assert _submit(app, client).status_code == 429
    server.cleanup()
    assert _submit(app, client).status_code == 201, "a dead limit store must not turn people away"
    assert _leads(app) == 2


@pytest.mark.browser
def test_a_visitor_who_fixes_a_typo_is_not_limited(make_app: Callable[..., Flask], browser: Any) -> None:
    app = _demo_app(make_app, RTR_SUBMIT_LIMIT="1 per minute")
    with ServerThread(app) as server, browser_page(browser) as page:
        page.goto(server.url("localhost") + "/w/demo")
        page.locator("input[name=name]").fill("Maya Rivera")
        page.locator("input[name=email]").fill("not yet an address")
        page.locator("textarea[name=message]").fill("Weekday evenings suit us best.")
        page.locator("input[name=consent]").check()
        page.locator(".rtr-submit").click()
        page.wait_for_selector(".rtr-has-error")
        page.locator("input[name=email]").fill("maya@example.org")
        page.locator(".rtr-submit").click()
        page.wait_for_selector("#rtr-thanks")
        assert page.evaluate("window.__violations") == []
    assert _leads(app) == 1


def test_typos_do_not_use_up_the_limit_so_the_corrected_request_is_stored(app: Flask, client: FlaskClient) -> None:
    typos = [_submit(app, client, email=f"maya@example{n}").status_code for n in range(5)]
    typos += [_submit(app, client, consent="").status_code for _ in range(3)]
    assert typos == [400] * 8
    assert [_submit(app, client).status_code for _ in range(6)] == [201] * 5 + [429]
    assert _leads(app) == 5


def test_token_and_origin_failures_count_against_the_client(make_app: Callable[..., Flask]) -> None:
    app = _demo_app(make_app, RTR_SUBMIT_LIMIT="3 per minute")
    store = app.extensions["rtr"].store
    save_settings(store, "demo", changed(get_widget(store, "demo").settings,
                                         allowed_origins=["https://www.rebuild-practice.example"]))
    client = app.test_client()
    refused = [client.post("/w/demo/leads", data=valid_lead(token=token), headers=JSON,
                           environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code for token in ("", "forged")]
    refused.append(_submit(app, client, headers={"Origin": "https://evil.example"}).status_code)
    assert refused == [400, 400, 403]
    assert _submit(app, client).status_code == 429
    assert _submit(app, client, ip="198.51.100.3").status_code == 201, "another visitor is unaffected"


def test_a_429_itself_takes_no_place_in_the_daily_limit(make_app: Callable[..., Flask]) -> None:
    app = _demo_app(make_app, RTR_SUBMIT_LIMIT="1 per minute;3 per day")
    client = app.test_client()
    assert [_submit(app, client).status_code for _ in range(4)] == [201, 429, 429, 429]
    limiter = app.extensions["rtr"].limiter.limiter
    window = limiter.get_window_stats(parse("3 per day"), "rtr-client/203.0.113.7/demo", "rtr.submit_lead")
    assert window.remaining == 2


def test_a_burst_cannot_slip_past_the_client_limit(make_app: Callable[..., Flask]) -> None:
    app = _demo_app(make_app, RTR_SUBMIT_LIMIT="3 per minute")
    tokens = [_token(app) for _ in range(12)]

    def send(token: str) -> int:
        return app.test_client().post("/w/demo/leads", data=valid_lead(token=token), headers=JSON,
                                      environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = sorted(pool.map(send, tokens))
    assert statuses == [201] * 3 + [429] * 9
    assert _leads(app) == 3


def test_typos_are_given_back_in_redis_too(make_app: Callable[..., Flask], redis_server: RedisServer) -> None:
    redis.Redis.from_url(redis_server.url).flushdb()
    app = _demo_app(make_app, RTR_RATELIMIT_STORAGE_URI=redis_server.url, RTR_SUBMIT_LIMIT="2 per minute")
    client = app.test_client()
    assert [_submit(app, client, email="maya@").status_code for _ in range(4)] == [400] * 4
    assert [_submit(app, client).status_code for _ in range(3)] == [201, 201, 429]
