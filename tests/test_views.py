"""Honest view counts (issue 13.6): the frame's beacon, counted once, in batches, per page and campaign.

The browser side (what makes the frame send it) is in test_browser_views.py; here the server side
through the test client, and the batch writes on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import logging
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from widget import seen
from widget.db import Store
from widget.queries import page_stats
from widget.queries.page_stats import OVER_CAP, ViewKey, add_views, campaign_of, page_of, totals_by
from widget.queries.widgets import create_widget, delete_widget
from widget.schema import daily_stats
from widget.schema import page_stats as page_stats_table
from widget.settings import WidgetSettings

from .conftest import TOKEN_RE
from .support.host_pages import wait_until
from .support.leads import submit

TODAY = dt.datetime.now(dt.UTC).date().isoformat()
POST = "https://practice.example/blog/when-trust-is-broken"


def frame_token(client: FlaskClient, query: str = "") -> str:
    html = client.get(f"/w/demo/frame{query}").get_data(as_text=True)
    return html_lib.unescape(TOKEN_RE.search(html).group(1))


def beacon(client: FlaskClient, token: str, page: str = POST, campaign: str = "") -> Any:
    return client.post("/w/demo/seen", data={"token": token, "page": page, "campaign": campaign})


def total_views(app: Flask) -> int:
    with app.extensions["rtr"].store.reading() as conn:
        return int(conn.execute(select(daily_stats.c.views).where(daily_stats.c.widget_id == "demo")).scalar() or 0)


def rows(store: Store, widget_id: str = "demo") -> list[tuple[str, str, int, int]]:
    table = page_stats_table
    with store.reading() as conn:
        return [tuple(r) for r in conn.execute(
            select(table.c.page, table.c.campaign, table.c.views, table.c.submissions)
            .where(table.c.widget_id == widget_id).order_by(table.c.page, table.c.campaign))]


def test_loading_the_frame_or_the_hosted_page_is_not_a_view(app: Flask, client: FlaskClient) -> None:
    for url in ("/w/demo/frame", "/w/demo", "/w/demo/frame?mode=button"):
        assert client.get(url).status_code == 200
    app.extensions["rtr"].views.flush()
    assert total_views(app) == 0


def test_a_beacon_counts_once_per_token_without_cookies_and_off_the_request_path(app: Flask,
                                                                                client: FlaskClient) -> None:
    token = frame_token(client, "?utm_campaign=spring")
    for _ in range(3):  # a replayed beacon is the same page view
        response = beacon(client, token, page=POST + "?email=maya%40example.org#top", campaign="spring")
        assert response.status_code == 204 and "Set-Cookie" not in response.headers
        assert response.headers["Cache-Control"] == "no-store"
    assert total_views(app) == 0, "the request itself writes nothing"
    assert app.extensions["rtr"].views.flush() == 1
    assert total_views(app) == 1
    assert rows(app.extensions["rtr"].store) == [(POST, "spring", 1, 0)], "origin and path only"
    beacon(client, frame_token(client))  # a second load of the page is a second view
    app.extensions["rtr"].views.flush()
    assert total_views(app) == 2


def test_the_writer_thread_writes_views_within_the_flush_time(make_app: Callable[..., Flask]) -> None:
    app = make_app(RTR_VIEW_FLUSH_SECONDS=0.05)
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    client = app.test_client()
    beacon(client, frame_token(client))
    wait_until(lambda: total_views(app) == 1, "the writer thread")
    counter = app.extensions["rtr"].views
    wait_until(lambda: counter._writer is None, "the writer to stop once idle")
    beacon(client, frame_token(client))
    wait_until(lambda: total_views(app) == 2, "a new writer for the next view")


@pytest.mark.parametrize(("token", "status", "field"), [
    ("", 400, "token"), ("forged", 400, "token"), (None, 404, "widget"),
])
def test_a_beacon_without_a_token_of_ours_counts_nothing(app: Flask, client: FlaskClient, token: str | None,
                                                         status: int, field: str) -> None:
    if token is None:
        response = client.post("/w/nope/seen", data={"token": frame_token(client)})
    else:
        response = beacon(client, token)
    assert response.status_code == status and field in response.get_json()["errors"]
    app.extensions["rtr"].views.flush()
    assert total_views(app) == 0


def test_a_token_for_another_widget_counts_nothing(app: Flask, client: FlaskClient) -> None:
    create_widget(app.extensions["rtr"].store, "Other", WidgetSettings(), widget_id="other")
    other = html_lib.unescape(TOKEN_RE.search(client.get("/w/other/frame").get_data(as_text=True)).group(1))
    assert beacon(client, other).status_code == 400


@pytest.mark.parametrize(("given", "kept"), [
    (POST, POST), ("https://Practice.Example:443/a?b=c#d", "https://practice.example/a"),
    ("http://practice.example:8080", "http://practice.example:8080/"), ("javascript:alert(1)", ""),
    ("https://user:pw@practice.example/x", "https://practice.example/x"), ("https://[", ""), ("", ""),
    ("https://practice.example/" + "a" * 400, "https://practice.example/" + "a" * 274 + "…"),
])
def test_a_page_is_kept_as_its_origin_and_path_only(given: str, kept: str) -> None:
    assert page_of(given) == kept
    assert len(page_of(given)) <= page_stats.PAGE_LIMIT


def test_a_campaign_is_kept_printable_and_short() -> None:
    assert campaign_of(" spring\x00\u2028 ") == "spring"
    assert campaign_of("x" * 500) == "x" * page_stats.CAMPAIGN_LIMIT


def test_views_beyond_the_days_cap_gather_in_one_row(any_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page_stats, "PAGES_PER_DAY", 3)
    create_widget(any_store, "Demo", WidgetSettings(), widget_id="demo")
    add_views(any_store, {ViewKey("demo", TODAY, f"https://p.example/{n}", ""): n + 1 for n in range(2)})
    add_views(any_store, {ViewKey("demo", TODAY, f"https://p.example/{n}", ""): 10 for n in range(6)})
    kept = rows(any_store)
    assert len(kept) == 4 and (OVER_CAP, OVER_CAP, 30, 0) in kept
    assert sum(r[2] for r in kept) == 1 + 2 + 60, "no view is lost"
    with any_store.reading() as conn:
        assert conn.execute(select(daily_stats.c.views)).scalar_one() == 63


def test_views_of_a_deleted_widget_are_dropped_and_the_rest_written(any_store: Store) -> None:
    for widget_id in ("kept", "gone"):
        create_widget(any_store, widget_id, WidgetSettings(), widget_id=widget_id)
    delete_widget(any_store, "gone")
    add_views(any_store, {ViewKey("kept", TODAY, POST, ""): 2, ViewKey("gone", TODAY, POST, ""): 5})
    assert rows(any_store, "kept") == [(POST, "", 2, 0)] and rows(any_store, "gone") == []


def test_the_buffer_is_bounded_and_a_failed_write_loses_nothing(
        app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(seen, "MAX_PENDING", 3)
    monkeypatch.setattr(seen, "MAX_RECENT", 5)
    counter = seen.ViewCounter(app.extensions["rtr"].store, flush_seconds=3600)
    for number in range(10):
        assert counter.record("demo", f"n{number}", f"https://p.example/{number}", "")
    assert counter.pending == 4 and len(counter._recent) == 5, "three pairs, then the * pair"
    store = app.extensions["rtr"].store
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE rtr_page_stats RENAME TO rtr_page_stats_away")
    assert counter.flush() == 0 and counter.pending == 4
    assert "Could not write 10 views" in caplog.text and "p.example" not in caplog.text
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE rtr_page_stats_away RENAME TO rtr_page_stats")
    assert counter.flush() == 10 and total_views(app) == 10


def test_requests_are_counted_by_page_and_campaign_too(app: Flask, client: FlaskClient) -> None:
    submit(client, page_url=POST + "?ref=1", utm_campaign="spring")
    submit(client, page_url=POST, utm_campaign="spring")
    submit(client)
    store = app.extensions["rtr"].store
    assert rows(store) == [("", "", 0, 1), (POST, "spring", 0, 2)]
    assert [(c.name, c.views, c.submissions) for c in totals_by(store, "demo", "campaign")] == [
        ("spring", 0, 2), ("", 0, 1)]


def test_totals_cover_the_last_days_only(any_store: Store) -> None:
    create_widget(any_store, "Demo", WidgetSettings(), widget_id="demo")
    today = dt.date(2026, 3, 31)
    add_views(any_store, {ViewKey("demo", day, POST, "spring"): views for day, views in (
        ("2026-03-31", 4), ("2026-03-02", 2), ("2026-03-01", 100))})
    add_views(any_store, {ViewKey("demo", "2026-03-31", "https://p.example/other", ""): 9})
    counts = totals_by(any_store, "demo", "page", days=30, today=today)
    assert [(c.name, c.views) for c in counts] == [("https://p.example/other", 9), (POST, 6)]


def test_the_views_page_breaks_views_down_by_page_and_campaign(app: Flask, client: FlaskClient) -> None:
    from .support.admin_session import signed_in

    for campaign, times in (("spring", 3), ("", 1)):
        for _ in range(times):
            beacon(client, frame_token(client), campaign=campaign)
    beacon(client, frame_token(client), page="https://practice.example/other")
    submit(client, page_url=POST, utm_campaign="spring")
    admin = signed_in(app.test_client())
    page = admin.get("/admin/widgets/demo/stats").get_data(as_text=True)  # writes what the process holds first
    pages = page[page.index('id="pages-table"'):]
    assert pages.index("practice.example/blog/when-trust-is-broken") < pages.index("practice.example/other")
    assert "<td>4</td><td>1</td><td>25.0 %</td>" in pages
    campaigns = page[page.index('id="campaigns-table"'):]
    assert "spring</th><td>3</td><td>1</td><td>33.3 %</td>" in campaigns
    assert "No campaign</th><td>2</td><td>0</td>" in campaigns
    assert 'aria-labelledby="pages-chart-title pages-chart-desc"' in page
    assert "viewed 5 times and sent 1 time" in page


def test_a_page_name_is_text_never_a_link_or_markup(app: Flask, client: FlaskClient) -> None:
    from .support.admin_session import signed_in

    beacon(client, frame_token(client), page="https://evil.example/<b>login</b>", campaign="<script>x</script>")
    page = signed_in(app.test_client()).get("/admin/widgets/demo/stats").get_data(as_text=True)
    assert "<script>x" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert 'href="https://evil.example' not in page


def test_logs_name_no_page(app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    beacon(client, frame_token(client), page="https://practice.example/private-words")
    app.extensions["rtr"].views.flush()
    assert total_views(app) == 1 and "private-words" not in caplog.text
