"""CSV export: real leads from the submit endpoint, formula cells neutralised, unicode kept."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget.admin.csv_export import COLUMNS, neutralise
from widget.queries.leads import add_lead
from widget.queries.widgets import create_widget, get_widget
from widget.schema import audit_log
from widget.settings import WidgetSettings

from .support.admin_session import signed_in
from .support.leads import count, submit


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://evil.example\")", "'=HYPERLINK(\"http://evil.example\")"),
    ("+1 555 0100", "'+1 555 0100"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1+1", "'\t'=1+1"),
    ("\r=1+1", "'\r'=1+1"),
    ("x;=1+1;", "x;'=1+1;"),
    ("Maya, -ish", "Maya, '-ish"),
    ("a\tb\t+1", "a\tb\t'+1"),
    ("first line\n@SUM(A1:A9)", "first line\n'@SUM(A1:A9)"),
    ('x; "=1+1"', 'x; "\'=1+1"'),
    ("a,b;c - d", "a,b;c - d"),
    ("  =1+1", "'  =1+1"),
    ("Zoë = happy", "Zoë = happy"),
    ("", ""),
    (None, ""),
    (42, "42"),
])
def test_neutralise(value: object, expected: str) -> None:
    assert neutralise(value) == expected


@pytest.fixture
def csv_app(make_app: Callable[..., Flask]) -> Flask:
    app = make_app(RTR_SUBMIT_LIMIT="100 per minute")
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    settings = WidgetSettings(practice_name="Other Practice")
    create_widget(app.extensions["rtr"].store, "Other Practice", settings, widget_id="other")
    return app


def _rows(client: FlaskClient, query: str = "") -> list[dict[str, str]]:
    response = client.get("/admin/leads.csv" + query)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="leads-')
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    reader = csv.DictReader(io.StringIO(text[1:]))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    return list(reader)


def test_csv_holds_real_leads_neutralised_with_unicode_kept(csv_app: Flask) -> None:
    client = csv_app.test_client()
    submit(client, name="Zoë Ñúñez 李雷", email="zoe@example.org", phone="+1 (555) 010-0199",
           message="=HYPERLINK(\"http://evil.example\",\"click\")\nsecond line, with a comma",
           utm_source="@newsletter", service="Couples therapy")
    submit(client, name="-Dash First", email="dash@example.org")
    submit(client, "other", name="Other Person", email="other@example.org")
    admin = signed_in(client)

    rows = _rows(admin)
    assert [row["name"] for row in rows] == ["Other Person", "'-Dash First", "Zoë Ñúñez 李雷"]
    zoe = rows[2]
    assert zoe["email"] == "zoe@example.org" and zoe["widget_id"] == "demo"
    assert zoe["widget"] == "Harbor Light Couples Therapy" and rows[0]["widget"] == "Other Practice"
    assert zoe["phone"] == "(+1) (555) 010-0199", "readable, with no apostrophe, and no formula"
    assert zoe["message"] == "'=HYPERLINK(\"http://evil.example\",\"click\")\nsecond line, with a comma"
    assert zoe["utm_source"] == "'@newsletter" and zoe["service"] == "Couples therapy"
    assert zoe["status"] == "new" and zoe["deliveries"] == "email: pending"
    assert zoe["received"].endswith("+00:00") and len(zoe["lead_id"]) == 32, "the installation's zone: UTC"
    for row in rows:
        assert not any(cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values())

    assert [row["name"] for row in _rows(admin, "?widget=other")] == ["Other Person"]
    assert _rows(admin, "?widget=other&status=contacted") == []
    assert count(csv_app.extensions["rtr"].store, audit_log, audit_log.c.action == "leads.exported") == 3


SEPARATED_FORMULAS = ["x;=1+1;", "Maya,=HYPERLINK(\"http://evil.example\")", "ok; -2+3", "a;\"@SUM(A1:A9)\""]
FORMULA_CHARS = ("=", "+", "-", "@", "\t", "\r")


def test_no_spreadsheet_separator_starts_a_formula_in_the_real_export(csv_app: Flask) -> None:
    client = csv_app.test_client()
    for number, text in enumerate(SEPARATED_FORMULAS):
        submit(client, name=text, email=f"p{number}@example.org", utm_source=text,
               message=f"{text}\nnext line;=1+1\n+1 555 0100")
    response = signed_in(client).get("/admin/leads.csv")
    text = response.get_data().decode("utf-8").removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + len(SEPARATED_FORMULAS)
    requoted = io.StringIO()
    csv.writer(requoted, quoting=csv.QUOTE_ALL).writerows(rows)
    assert requoted.getvalue() == text, "every cell is quoted"
    for delimiter in (",", ";", "\t"):  # a spreadsheet that honours the quotes but splits on another separator
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            assert not any(cell.lstrip(' "').startswith(FORMULA_CHARS) for cell in row), (delimiter, row)
    for piece in re.split(r"[,;\t\r\n]", text):  # one that ignores quotes altogether
        assert not piece.lstrip(' "').startswith(FORMULA_CHARS), piece
    names = sorted(row[COLUMNS.index("name")] for row in rows[1:])
    assert names == sorted(["x;'=1+1;", "Maya,'=HYPERLINK(\"http://evil.example\")", "ok; '-2+3", "a;\"'@SUM(A1:A9)\""])


def test_csv_of_many_leads_streams_every_row(csv_app: Flask) -> None:
    from widget.models import NewLead

    store = csv_app.extensions["rtr"].store
    widget = get_widget(store, "demo")
    for number in range(1200):
        add_lead(store, widget, NewLead(name=f"Lead {number}", email=f"l{number}@example.org",
                                       consent_text="ok", consent_version="v1"))
    rows = _rows(signed_in(csv_app.test_client()))
    assert len(rows) == 1200 and len({row["lead_id"] for row in rows}) == 1200
