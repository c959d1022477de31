"""A practice's time zone: chosen on the edit page, used by the admin pages, emails, the CSV and daily counts.

The moments tested sit on New York's daylight-saving changes of 2026: clocks go from 02:00 EST to
03:00 EDT on 8 March (07:00 UTC) and from 02:00 EDT back to 01:00 EST on 1 November (06:00 UTC).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from widget.admin.csv_export import COLUMNS
from widget.config import ConfigError
from widget.delivery import email as channel
from widget.queries.stats import daily_series
from widget.queries.widgets import get_widget, save_settings
from widget.schema import daily_stats, leads
from widget.settings import validate_settings
from widget.timezones import admin_time, day_start, iso_time, local_day

from .support.admin_pages import EDIT, edit_form, error_of, store_of
from .support.admin_session import signed_in
from .support.leads import submit
from .support.smtp import SmtpServer
from .test_email import parts, smtp_app, store_lead

NEW_YORK = "America/New_York"
BEFORE_SPRING = dt.datetime(2026, 3, 8, 6, 59, tzinfo=dt.UTC).timestamp()  # 01:59 EST
AFTER_SPRING = dt.datetime(2026, 3, 8, 7, 0, tzinfo=dt.UTC).timestamp()  # 03:00 EDT
FIRST_ONE_THIRTY = dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC).timestamp()  # 01:30 EDT
SECOND_ONE_THIRTY = dt.datetime(2026, 11, 1, 6, 30, tzinfo=dt.UTC).timestamp()  # 01:30 EST, an hour later
LATE_EVENING = dt.datetime(2026, 3, 8, 3, 30, tzinfo=dt.UTC).timestamp()  # 7 March, 22:30 EST


def test_moments_are_written_with_the_offset_in_force_on_each_side_of_a_change() -> None:
    assert admin_time(BEFORE_SPRING, NEW_YORK) == "2026-03-08 01:59 EST"
    assert admin_time(AFTER_SPRING, NEW_YORK) == "2026-03-08 03:00 EDT"
    assert iso_time(BEFORE_SPRING, NEW_YORK) == "2026-03-08T01:59:00-05:00"
    assert iso_time(AFTER_SPRING, NEW_YORK) == "2026-03-08T03:00:00-04:00"
    assert iso_time(FIRST_ONE_THIRTY, NEW_YORK) == "2026-11-01T01:30:00-04:00"
    assert iso_time(SECOND_ONE_THIRTY, NEW_YORK) == "2026-11-01T01:30:00-05:00"
    assert iso_time(AFTER_SPRING, "Europe/Madrid") == "2026-03-08T08:00:00+01:00"
    assert admin_time(None, NEW_YORK) == "" and iso_time(0, NEW_YORK) == ""


def test_days_are_the_practices_days_23_or_25_hours_long_at_a_change() -> None:
    assert local_day(LATE_EVENING, NEW_YORK) == dt.date(2026, 3, 7)
    assert local_day(LATE_EVENING, "UTC") == dt.date(2026, 3, 8)
    march = [day_start(dt.date(2026, 3, day), NEW_YORK) for day in (8, 9)]
    november = [day_start(dt.date(2026, 11, day), NEW_YORK) for day in (1, 2)]
    assert march[1] - march[0] == 23 * 3600 and november[1] - november[0] == 25 * 3600


def test_the_setting_takes_iana_names_only() -> None:
    clean, errors = validate_settings({"time_zone": NEW_YORK})
    assert not errors and clean.time_zone == NEW_YORK
    for bad in ("Mars/Olympus_Mons", "Eastern", "../../etc/passwd", "/usr/share/zoneinfo/UTC"):
        _clean, errors = validate_settings({"time_zone": bad})
        assert errors == {"time_zone": "Choose a time zone from the list: an IANA name like America/New_York."}, bad
    assert validate_settings({})[0].time_zone == "", "empty: the installation's zone"


def test_the_installation_default_is_a_checked_key(make_app: Callable[..., Flask]) -> None:
    app = make_app(RTR_TIME_ZONE="America/Chicago")
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    admin = signed_in(app.test_client())
    html = admin.get(EDIT).get_data(as_text=True)
    assert '<option selected value="">The installation&#39;s (America/Chicago)</option>' in html
    with pytest.raises(ConfigError, match="RTR_TIME_ZONE"):
        make_app(RTR_TIME_ZONE="Mars/Olympus_Mons")


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    return signed_in(app.test_client())


def test_the_edit_page_offers_the_zones_and_saves_the_one_chosen(app: Flask, admin: FlaskClient) -> None:
    fields = edit_form(admin)
    assert fields["time_zone"] == ""
    page = admin.get(EDIT).get_data(as_text=True)
    assert f'<option value="{NEW_YORK}">America/New York</option>' in page
    fields["time_zone"] = "Atlantis/Capital"
    response = admin.post(EDIT, data=fields)
    assert response.status_code == 400 and "Choose a time zone" in error_of(response.get_data(as_text=True),
                                                                          "time_zone")
    fields["time_zone"] = NEW_YORK
    assert admin.post(EDIT, data=fields).status_code == 302
    assert get_widget(store_of(app), "demo").settings.time_zone == NEW_YORK


def _in_new_york(app: Flask) -> None:
    store = store_of(app)
    widget = get_widget(store, "demo")
    save_settings(store, "demo", widget.settings.model_copy(update={"time_zone": NEW_YORK}))


def _received_at(app: Flask, lead_id: int, epoch: float) -> None:
    with store_of(app).engine.begin() as conn:
        conn.execute(update(leads).where(leads.c.id == lead_id).values(created_at=epoch, contacted_at=None))


def test_admin_pages_show_the_practices_local_time(app: Flask, admin: FlaskClient) -> None:
    _in_new_york(app)
    spring, autumn = submit(admin, name="Spring Forward"), submit(admin, name="Fall Back")
    _received_at(app, spring, AFTER_SPRING)
    _received_at(app, autumn, SECOND_ONE_THIRTY)
    inbox = admin.get("/admin/leads").get_data(as_text=True)
    assert '<time datetime="2026-03-08T03:00:00-04:00">2026-03-08 03:00 EDT</time>' in inbox
    assert '<time datetime="2026-11-01T01:30:00-05:00">2026-11-01 01:30 EST</time>' in inbox
    with store_of(app).reading() as conn:
        public_id = conn.execute(select(leads.c.public_id).where(leads.c.id == spring)).scalar_one()
    detail = admin.get(f"/admin/leads/{public_id}").get_data(as_text=True)
    assert "2026-03-08 03:00 EDT</time>" in detail and " UTC" not in detail
    # the inbox's dates are the practice's days: 7 March 23:30 EST is on the 7th, not the 8th (UTC)
    _received_at(app, autumn, dt.datetime(2026, 3, 8, 4, 30, tzinfo=dt.UTC).timestamp())
    on_the_seventh = admin.get("/admin/leads?widget=demo&since=2026-03-07&until=2026-03-07").get_data(as_text=True)
    assert "Fall Back" in on_the_seventh and "Spring Forward" not in on_the_seventh


def test_the_csv_writes_iso_8601_with_the_offset_and_the_widgets_name(app: Flask, admin: FlaskClient) -> None:
    _in_new_york(app)
    before, after = submit(admin, phone="+1 (702) 555-0134"), submit(admin, phone="+447946 095 800")
    _received_at(app, before, BEFORE_SPRING)
    _received_at(app, after, AFTER_SPRING)
    text = admin.get("/admin/leads.csv").get_data(as_text=True).removeprefix("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == COLUMNS
    assert [row["received"] for row in rows] == ["2026-03-08T03:00:00-04:00", "2026-03-08T01:59:00-05:00"]
    assert {row["widget"] for row in rows} == {"Harbor Light Couples Therapy"}
    assert {row["widget_id"] for row in rows} == {"demo"}
    assert [row["phone"] for row in rows] == ["(+44) 7946 095 800", "(+1) (702) 555-0134"]
    for delimiter in (",", ";", "\t"):  # however a spreadsheet splits it, no phone cell starts a formula
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            assert not any(cell.lstrip(' "').startswith(("=", "+", "-", "@")) for cell in row), row


def test_daily_counts_fall_on_the_practices_day(app: Flask, admin: FlaskClient) -> None:
    _in_new_york(app)
    store = store_of(app)
    with store.engine.begin() as conn:
        from widget.queries.stats import bump

        bump(conn, "demo", "views", LATE_EVENING, NEW_YORK)
        days = [row.day for row in conn.execute(select(daily_stats.c.day).where(daily_stats.c.views > 0))]
    assert days == ["2026-03-07"]
    series = daily_series(store, "demo", 2, today=dt.date(2026, 3, 8), zone_name=NEW_YORK)
    assert [(d.day.day, d.views) for d in series] == [(7, 1), (8, 0)]
    page = admin.get("/admin/widgets/demo/stats").get_data(as_text=True)
    assert "days in America/New_York" in page


def test_emails_give_the_time_in_the_practices_zone_in_the_emails_language(make_app: Callable[..., Flask]) -> None:
    with SmtpServer() as server:
        app = smtp_app(make_app, server)
        english = store_lead(app, {"confirmation_email": True, "time_zone": NEW_YORK})
        spanish = store_lead(app, {"confirmation_email": True, "time_zone": "America/Mexico_City"}, language="es")
        for job in (*english.values(), *spanish.values()):
            job.lead["created_at"] = AFTER_SPRING
        with app.app_context():
            assert channel.send_lead(english["email"]).status == "delivered"
            assert channel.send_confirmation(english["confirmation"]).status == "delivered"
            assert channel.send_confirmation(spanish["confirmation"]).status == "delivered"
    practice, visitor, visitor_es = (parts(got.message)[0].replace("\u202f", " ") for got in server.received)
    assert "March 8, 2026, 3:00 AM EDT" in practice
    assert "March 8, 2026, 3:00 AM EDT" in visitor
    assert "8 de marzo de 2026, 1:00 a.m. CST" in visitor_es
    assert "UTC" not in practice + visitor + visitor_es
