"""The lead inbox: filters, pages, detail with attempts, replay, contacted, delete; the conversion view."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget.admin.stats import DayCount, axis_top, conversion, daily_series, describe, svg_chart
from widget.db import Store
from widget.queries import stats
from widget.queries.inbox import LeadFilter, count_leads, iter_leads, list_leads
from widget.queries.leads import get_lead
from widget.queries.widgets import create_widget, get_widget
from widget.retention import purge_expired
from widget.schema import attempts, audit_log, daily_stats, deliveries, leads
from widget.settings import WidgetSettings

from .conftest import TOKEN_RE
from .support.admin_session import signed_in
from .support.leads import DAY, add, age, count, csrf_token, public_id_of, set_deliveries, submit


@pytest.fixture
def store(app: Flask) -> Store:
    return app.extensions["rtr"].store


@pytest.fixture
def admin(client: FlaskClient) -> FlaskClient:
    return signed_in(client)


def _names(html: str) -> list[str]:
    return re.findall(r'<h2 class="lead-name"><a href="[^"]+">([^<]+)</a>', html)


def _page(admin: FlaskClient, url: str) -> str:
    response = admin.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


ENDPOINTS = [("get", "/admin/leads"), ("get", "/admin/leads/{id}"), ("get", "/admin/leads.csv"),
             ("get", "/admin/leads/{id}/delete"), ("post", "/admin/leads/{id}/delete"),
             ("post", "/admin/leads/{id}/contacted"), ("post", "/admin/leads/{id}/deliveries/1/replay"),
             ("post", "/admin/leads/{id}/deliveries/1/handled"), ("get", "/admin/widgets/demo/stats")]


@pytest.mark.parametrize("method, url", ENDPOINTS)
def test_every_lead_page_needs_a_login(client: FlaskClient, store: Store, method: str, url: str) -> None:
    public_id = public_id_of(store, add(store, get_widget(store, "demo")))
    response = getattr(client, method)(url.format(id=public_id))
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    assert count(store, leads) == 1


@pytest.mark.parametrize("method, url", [
    ("get", "/admin/leads/{id}"), ("get", "/admin/leads/{id}/delete"), ("post", "/admin/leads/{id}/contacted"),
    ("post", "/admin/leads/1/deliveries/{id}/replay"), ("post", "/admin/leads/{id}/deliveries/1/handled"),
])
@pytest.mark.parametrize("number", ["0", "2", str(2**63), "99999999999999999999", "f" * 32, "x" * 500])
def test_a_missing_or_impossible_lead_number_is_a_404(admin: FlaskClient, store: Store, method: str, url: str,
                                                      number: str) -> None:
    lead = public_id_of(store, add(store, get_widget(store, "demo")))
    token = csrf_token(admin.get(f"/admin/leads/{lead}").get_data(as_text=True))
    response = getattr(admin, method)(url.format(id=number), data={"csrf_token": token})
    assert response.status_code == 404
    assert count(store, leads) == 1


def test_inbox_is_newest_first_and_paginated(admin: FlaskClient, store: Store) -> None:
    widget = get_widget(store, "demo")
    now = time.time()
    for number in range(30):
        age(store, add(store, widget, name=f"Person {number:02d}"), now - (30 - number) * 60)
    first = _page(admin, "/admin/leads")
    assert _names(first) == [f"Person {n:02d}" for n in range(29, 4, -1)]
    assert "30 requests." in first and "Page 1 of 2" in first and 'rel="next"' in first
    second = _page(admin, "/admin/leads?page=2")
    assert _names(second) == [f"Person {n:02d}" for n in range(4, -1, -1)]
    assert _names(_page(admin, "/admin/leads?page=99")) == _names(second)


def test_inbox_filters_by_widget_status_and_date(admin: FlaskClient, store: Store) -> None:
    demo = get_widget(store, "demo")
    other_settings = WidgetSettings(practice_name="Second Practice", notify_emails=["b@example.com"], retention_days=14)
    other = create_widget(store, "Second Practice", other_settings, widget_id="second")
    day = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC).timestamp()
    ids = {}
    for name, widget, when in [("Ana", demo, day), ("Ben", demo, day + DAY), ("Cy", other, day + 2 * DAY),
                               ("Di", other, day + 3 * DAY)]:
        ids[name] = add(store, widget, name=name)
        age(store, ids[name], when)
    set_deliveries(store, ids["Ben"], "dead", day, error="550 no such mailbox")
    set_deliveries(store, ids["Cy"], "delivered", day + 2 * DAY)
    with store.engine.begin() as conn:
        conn.execute(leads.update().where(leads.c.id == ids["Di"]).values(status="contacted"))

    assert _names(_page(admin, "/admin/leads?widget=second")) == ["Di", "Cy"]
    with store.engine.begin() as conn:  # Cy's email arrived but a second channel failed: failed, not delivered
        conn.execute(deliveries.insert().values(
            lead_id=ids["Cy"], widget_id="second", channel="webhook", target="https://crm.example.com/in",
            status="dead", attempts=8, next_attempt_at=day, message_id="msg_cy", created_at=day))
    assert _names(_page(admin, "/admin/leads?status=failed")) == ["Cy", "Ben"]
    assert _names(_page(admin, "/admin/leads?status=delivered")) == []
    with store.engine.begin() as conn:
        conn.execute(deliveries.delete().where(deliveries.c.message_id == "msg_cy"))
    assert _names(_page(admin, "/admin/leads?status=failed")) == ["Ben"]
    assert _names(_page(admin, "/admin/leads?status=delivered")) == ["Cy"]
    assert _names(_page(admin, "/admin/leads?status=pending")) == ["Di", "Ana"]
    assert _names(_page(admin, "/admin/leads?status=contacted")) == ["Di"]
    assert _names(_page(admin, "/admin/leads?status=new&widget=demo")) == ["Ben", "Ana"]
    assert _names(_page(admin, "/admin/leads?since=2026-03-11&until=2026-03-12")) == ["Cy", "Ben"]
    page = _page(admin, "/admin/leads?since=yesterday&status=bogus")
    assert _names(page) == ["Di", "Cy", "Ben", "Ana"]
    assert "Use a date like 2026-01-31" in page and "Unknown status" in page
    second = _page(admin, "/admin/leads?widget=second")
    assert "Second Practice after 14 days" in second and "Harbor Light" not in second.split("<form")[0]
    assert 'href="/admin/widgets/second/stats"' in second


def test_inbox_states_the_retention_period(admin: FlaskClient) -> None:
    page = _page(admin, "/admin/leads")
    assert "Harbor Light Couples Therapy after 90 days" in page
    assert "only saved as a file are kept until you send it, mark it as handled" in page
    assert "No requests yet." in page


def test_detail_shows_every_attempt_and_replays_a_dead_delivery(admin: FlaskClient, store: Store) -> None:
    admin.application.config["RTR_SMTP_HOST"] = "smtp.harbor.example"  # email is set up (nothing is sent here)
    row_id = submit(admin, message="We need help <b>now</b>")
    set_deliveries(store, row_id, "dead", dt.datetime(2026, 4, 2, 9, 30, tzinfo=dt.UTC).timestamp(),
                   error="SMTP 550 5.1.1 mailbox unavailable")
    lead_id = public_id_of(store, row_id)
    page = _page(admin, f"/admin/leads/{lead_id}")
    assert "2026-04-02 09:30" in page and "SMTP 550 5.1.1 mailbox unavailable" in page
    assert re.search(r"<td class=\"col-channel\">email</td>\s*<td>Failed; no more tries</td>", page)
    assert 'badge-dead">failed</span>' in page, "plain words, not the stored status"
    assert "email: failed" in _page(admin, "/admin/leads")
    assert "We need help &lt;b&gt;now&lt;/b&gt;" in page and "intake@example.com" in page
    response = admin.post(f"/admin/leads/{lead_id}/deliveries/999/replay", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 404
    (delivery_id,) = re.findall(r"/deliveries/(\d+)/replay", page)
    response = admin.post(f"/admin/leads/{lead_id}/deliveries/{delivery_id}/replay",
                          data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "Sending again now" in response.get_data(as_text=True)
    with store.reading() as conn:
        row = conn.execute(deliveries.select().where(deliveries.c.id == int(delivery_id))).one()
    assert (row.status, row.attempts) == ("pending", 0)
    assert count(store, attempts) == 1
    again = admin.post(f"/admin/leads/{lead_id}/deliveries/{delivery_id}/replay",
                       data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "Only failed deliveries can be sent again" in again.get_data(as_text=True)


@pytest.mark.parametrize("status", ["dead", "disabled", "saved_to_file"])
def test_mark_as_handled_records_who_and_when_and_lets_retention_delete_the_lead(
        admin: FlaskClient, store: Store, status: str) -> None:
    row_id = submit(admin, name="Handled Person")
    set_deliveries(store, row_id, status, time.time() - 100 * DAY, error="SMTP 550 5.1.1 mailbox unavailable")
    url = f"/admin/leads/{public_id_of(store, row_id)}"
    page = _page(admin, url)
    (delivery_id,) = re.findall(r"/deliveries/(\d+)/handled", page)
    assert purge_expired(store, time.time() + 365 * DAY) == {}, "not handled yet: kept"

    response = admin.post(f"{url}/deliveries/{delivery_id}/handled", data={"csrf_token": csrf_token(page)},
                          follow_redirects=True)
    assert "Marked as handled." in response.get_data(as_text=True)
    with store.reading() as conn:
        row = conn.execute(deliveries.select().where(deliveries.c.id == int(delivery_id))).one()
    assert (row.status, row.resolved_by) == ("resolved", "ann") and time.time() - row.resolved_at < 60
    page = _page(admin, url)
    assert "Marked as handled by ann on" in page and "SMTP 550 5.1.1 mailbox unavailable" in page
    assert f"/deliveries/{delivery_id}/handled" not in page
    [entry] = _audit(store, "delivery.handled")
    assert entry.actor == "ann" and "Handled Person" not in entry.detail and status in entry.detail
    again = admin.post(f"{url}/deliveries/{delivery_id}/handled", data={"csrf_token": csrf_token(page)},
                       follow_redirects=True)
    assert "can be marked as handled; this one is not" in again.get_data(as_text=True)
    assert purge_expired(store, time.time() + 91 * DAY) == {"demo": 1}


@pytest.mark.parametrize("status", ["pending", "delivered"])
def test_only_a_delivery_that_did_not_arrive_can_be_marked_as_handled(admin: FlaskClient, store: Store,
                                                                      status: str) -> None:
    row_id = submit(admin)
    if status == "delivered":
        set_deliveries(store, row_id, status, time.time())
    url = f"/admin/leads/{public_id_of(store, row_id)}"
    page = _page(admin, url)
    assert "/handled" not in page and "Mark as handled" not in page
    [delivery_id] = [row.id for row in _delivery_rows(store)]
    admin.post(f"{url}/deliveries/{delivery_id}/handled", data={"csrf_token": csrf_token(page)})
    assert [row.status for row in _delivery_rows(store)] == [status]
    assert _audit(store, "delivery.handled") == []


def _delivery_rows(store: Store) -> list[Any]:
    with store.reading() as conn:
        return list(conn.execute(deliveries.select()))


def _audit(store: Store, action: str) -> list[Any]:
    with store.reading() as conn:
        return list(conn.execute(audit_log.select().where(audit_log.c.action == action)))


def test_mark_contacted_and_back(admin: FlaskClient, store: Store) -> None:
    lead_id = public_id_of(store, submit(admin))
    page = _page(admin, f"/admin/leads/{lead_id}")
    assert admin.post(f"/admin/leads/{lead_id}/contacted", data={"contacted": "1"}).status_code == 302
    with store.reading() as conn:
        assert conn.execute(leads.select()).one().status == "new"
    admin.post(f"/admin/leads/{lead_id}/contacted", data={"contacted": "1", "csrf_token": csrf_token(page)})
    with store.reading() as conn:
        row = conn.execute(leads.select()).one()
    assert row.status == "contacted" and row.contacted_at
    page = _page(admin, f"/admin/leads/{lead_id}")
    assert "Mark as not contacted" in page
    admin.post(f"/admin/leads/{lead_id}/contacted", data={"contacted": "", "csrf_token": csrf_token(page)})
    with store.reading() as conn:
        row = conn.execute(leads.select()).one()
    assert (row.status, row.contacted_at) == ("new", None)


def test_delete_asks_first_then_removes_the_lead_and_its_deliveries(admin: FlaskClient, store: Store) -> None:
    keep = submit(admin, name="Keep Me")
    row_id = submit(admin, name="Remove Me", email="remove.me@example.org")
    set_deliveries(store, row_id, "dead", time.time(), error="timeout")
    lead_id = public_id_of(store, row_id)
    page = _page(admin, f"/admin/leads/{lead_id}/delete")
    assert "Delete the request from Remove Me?" in page and "1 delivery record" in page
    assert admin.post(f"/admin/leads/{lead_id}/delete").status_code == 400
    assert count(store, leads) == 2
    response = admin.post(f"/admin/leads/{lead_id}/delete", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/leads")
    assert count(store, leads, leads.c.id == row_id) == 0
    assert count(store, deliveries, deliveries.c.lead_id == row_id) == 0
    assert count(store, attempts) == 0
    assert count(store, leads, leads.c.id == keep) == 1 and count(store, deliveries) == 1
    with store.reading() as conn:
        (entry,) = conn.execute(audit_log.select().where(audit_log.c.action == "lead.deleted")).all()
    assert entry.actor == "ann" and entry.widget_id == "demo"
    assert "Remove" not in entry.detail and "remove.me" not in entry.detail
    assert admin.get(f"/admin/leads/{lead_id}").status_code == 404


def test_stats_page_draws_the_last_30_days(admin: FlaskClient, store: Store) -> None:
    today = dt.datetime.now(dt.UTC).date()
    with store.engine.begin() as conn:
        for back, views, sent in [(0, 40, 3), (3, 12, 1), (29, 7, 0), (30, 999, 99)]:
            conn.execute(daily_stats.insert().values(widget_id="demo", day=(today - dt.timedelta(back)).isoformat(),
                                                     views=views, submissions=sent, blocked=0))
    page = _page(admin, "/admin/widgets/demo/stats")
    assert "<svg" in page and 'role="img"' in page and "<script" not in page.split("</head>")[1]
    assert "<title id=\"chart-title\">Views and requests per day: Harbor Light Couples Therapy</title>" in page
    assert "viewed 59 times and sent 4 times (6.8 % of views)" in page
    assert f"<time datetime=\"{today.isoformat()}\">" in page
    assert (today - dt.timedelta(30)).isoformat() not in page
    assert admin.get("/admin/widgets/nope/stats").status_code == 404


def test_views_and_requests_are_counted_without_cookies_and_the_preview_is_not(
        app: Flask, admin: FlaskClient, store: Store) -> None:
    visitor = app.test_client()
    response = visitor.get("/w/demo/frame")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    seen = visitor.post("/w/demo/seen", data={"token": TOKEN_RE.search(response.get_data(as_text=True)).group(1)})
    assert seen.status_code == 204 and "Set-Cookie" not in seen.headers
    preview = admin.get("/admin/widgets/demo/preview").get_data(as_text=True)
    assert "data-seen" not in preview, "the preview never reports a view"
    submit(visitor, name="Dana Whitfield")  # loads the frame once more for its token, then sends
    page = _page(admin, "/admin/widgets/demo/stats")
    assert "viewed 1 time and sent 1 time (100.0 % of views)" in page, "a frame loaded but not seen is no view"
    with store.reading() as conn:
        row = conn.execute(daily_stats.select()).one()
    assert set(row._mapping) == {"widget_id", "day", "views", "submissions", "blocked"}, "whole-day counts only"


def test_daily_series_fills_missing_days_with_zero(store: Store) -> None:
    stats.count(store, "demo", "views")
    stats.count(store, "demo", "views")
    stats.count(store, "demo", "submissions")
    series = daily_series(store, "demo")
    assert len(series) == 30 and series[-1].day == dt.datetime.now(dt.UTC).date()
    assert (series[-1].views, series[-1].submissions) == (2, 1)
    assert sum(d.views for d in series[:-1]) == 0
    assert daily_series(store, "demo", days=7, today=dt.date(2020, 1, 7))[0].day == dt.date(2020, 1, 1)


@pytest.mark.parametrize("peak, top", [(0, 2), (1, 2), (3, 4), (7, 8), (10, 10), (11, 20), (61, 80), (101, 200)])
def test_axis_top_is_round(peak: int, top: int) -> None:
    assert axis_top(peak) == top


def test_svg_chart_is_plain_accessible_markup() -> None:
    series = [DayCount(dt.date(2026, 1, 1) + dt.timedelta(i), i, i // 10) for i in range(30)]
    svg = str(svg_chart(series, "Views & requests <x>", describe(series), chart_id="c1"))
    assert svg.startswith('<svg class="chart"') and 'aria-labelledby="c1-title c1-desc"' in svg
    assert "<title id=\"c1-title\">Views &amp; requests &lt;x&gt;</title>" in svg
    assert "script" not in svg and "style" not in svg and " on" not in svg
    assert svg.count("<polyline") == 2 and svg.count("<circle") == 30
    assert conversion(0, 0) == "–" and conversion(200, 3) == "1.5 %"


def test_lead_queries_on_sqlite_and_postgresql(any_store: Store) -> None:
    store = any_store
    settings = WidgetSettings(practice_name="Q", notify_emails=["q@example.com"], webhook_url="https://crm.example.com/in")
    widget = create_widget(store, "Q", settings, widget_id="q")
    day = dt.datetime(2026, 5, 1, tzinfo=dt.UTC).timestamp()
    ids = [add(store, widget, name=f"P{n}", utm={"utm_source": "x"}) for n in range(3)]
    for offset, lead_id in enumerate(ids):
        age(store, lead_id, day + offset * DAY)
    set_deliveries(store, ids[0], "delivered", day)
    set_deliveries(store, ids[1], "dead", day, error="boom")
    with store.reading() as conn:
        assert count_leads(conn, LeadFilter()) == 3
        assert [r["name"] for r in list_leads(conn, LeadFilter(), 2, 1)] == ["P1", "P0"]
        assert [r["name"] for r in list_leads(conn, LeadFilter(status="failed"), 10)] == ["P1"]
        assert [r["name"] for r in list_leads(conn, LeadFilter(status="delivered"), 10)] == ["P0"]
        assert [r["name"] for r in list_leads(conn, LeadFilter(status="pending"), 10)] == ["P2"]
        until = LeadFilter(widget_id="q", until=dt.date(2026, 5, 2))
        assert [r["name"] for r in iter_leads(conn, until)] == ["P1", "P0"]
        lead = get_lead(conn, public_id_of(store, ids[1]))
    assert [d["channel"] for d in lead["deliveries"]] == ["email", "webhook"]
    assert [a["detail"] for d in lead["deliveries"] for a in d["attempt_log"]] == ["boom", "boom"]
    assert lead["utm"] == {"utm_source": "x"}
