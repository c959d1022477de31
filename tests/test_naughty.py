"""The bad-input suite for the public submit endpoint: naughty strings and generated leads, with figures.

Each run prints: inputs tried, accepted, rejected by reason, 5xx (must be 0). Run with ``-s`` to
see the tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from widget.i18n import STRINGS
from widget.queries.widgets import get_widget
from widget.schema import leads
from widget.security import issue_form_token

from .support.naughty import (
    LIMITS,
    Tally,
    expected_row,
    lead_problems,
    naughty_strings,
    row_problems,
)

pytestmark = pytest.mark.slow
JSON = {"Accept": "application/json"}
WORDS = STRINGS["en"]
BLNS = naughty_strings()
UNLIMITED = "100000 per minute"
HIDDEN = ("page_url", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "service",
          "location", "lang", "mode", "origin", "instance", "theme")


def _reason(field: str, message: str) -> str:
    """Map a field message back to its key in the interface words."""
    for key, text in WORDS.items():
        if message == text or (key == "too_long" and message == text.format(limit=LIMITS.get(field, 0))):
            return key
    return "unknown: " + message


class Submitter:
    """Post leads to the demo widget through the real endpoint and check each answer and row."""

    def __init__(self, app: Flask, tally: Tally) -> None:
        self.app, self.tally = app, tally
        self.client: FlaskClient = app.test_client()
        self.store = app.extensions["rtr"].store
        settings = get_widget(self.store, "demo").settings
        self.services = [s.name for s in settings.services]
        self.locations = [loc.name for loc in settings.locations]

    def _count(self) -> int:
        with self.store.reading() as conn:
            return conn.execute(select(func.count()).select_from(leads)).scalar_one()

    def _newest(self) -> dict[str, Any]:
        with self.store.reading() as conn:
            return dict(conn.execute(select(leads).order_by(leads.c.id.desc()).limit(1)).one()._mapping)

    def send(self, lead: dict[str, str]) -> None:
        """Submit one lead and hold the answer against the oracle."""
        tally = self.tally
        tally.tried += 1
        with self.app.test_request_context():
            token = issue_form_token("demo")
        before = self._count()
        body = urlencode({**lead, "token": token}).encode()
        response = self.client.post("/w/demo/leads", data=body, headers=JSON,
                                    content_type="application/x-www-form-urlencoded")
        stored = self._count() - before
        expected = lead_problems(lead)
        if response.status_code >= 500:
            tally.server_errors += 1
            tally.problems.append(f"{response.status_code} for {lead!r:.300}")
        elif len(body) > self.app.config["RTR_MAX_BODY_BYTES"]:
            tally.reject("body over 16 KB: 413")
            if response.status_code != 413 or stored:
                tally.problems.append(f"{len(body)} bytes answered {response.status_code}, stored {stored}")
        elif response.status_code == 201:
            tally.accepted += 1
            self._check_stored(lead, expected, stored)
        else:
            self._check_refused(lead, expected, stored, response)

    def _check_stored(self, lead: dict[str, str], expected: dict[str, str], stored: int) -> None:
        if expected or stored != 1:
            self.tally.problems.append(f"accepted (stored {stored}) but should refuse {expected}: {lead!r:.300}")
            return
        row = self._newest()
        want = expected_row(lead)
        if {key: row[key] for key in want} != want:
            self.tally.problems.append(f"stored {({key: row[key] for key in want})!r}, typed {want!r}")
        wrong = row_problems(row, self.services, self.locations)
        if wrong:
            self.tally.problems.append(f"stored invalid {wrong}: {lead!r:.300}")

    def _check_refused(self, lead: dict[str, str], expected: dict[str, str], stored: int, response: Any) -> None:
        errors = (response.get_json(silent=True) or {}).get("errors") or {}
        reasons = {name: _reason(name, message) for name, message in errors.items()}
        self.tally.reject(*(f"{name}: {reason}" for name, reason in reasons.items()))
        if response.status_code != 400 or not errors or stored:
            self.tally.problems.append(f"{response.status_code}, stored {stored}, errors {errors}: {lead!r:.300}")
        elif reasons != expected:
            self.tally.problems.append(f"refused {reasons}, expected {expected}: {lead!r:.300}")

    def send_raw(self, body: bytes, content_type: str) -> None:
        """Post a raw body: it may be refused, never crash, never store an invalid row."""
        self.tally.tried += 1
        before = self._count()
        response = self.client.post("/w/demo/leads", data=body, content_type=content_type, headers=JSON)
        stored = self._count() - before
        if response.status_code >= 500:
            self.tally.server_errors += 1
            self.tally.problems.append(f"{response.status_code} for raw {body[:60]!r}")
        elif response.status_code == 201:
            self.tally.accepted += 1
        else:
            self.tally.reject(f"raw body: {response.status_code}")
            if stored or not (400 <= response.status_code < 500):
                self.tally.problems.append(f"raw body {response.status_code}, stored {stored}")


@pytest.fixture
def submitter(make_app: Callable[..., Flask]) -> Iterator[Submitter]:
    app = make_app(RTR_SUBMIT_LIMIT=UNLIMITED, RTR_WIDGET_SUBMIT_LIMIT=UNLIMITED)
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    yield Submitter(app, Tally("Public submit endpoint (POST /w/demo/leads)"))


def _valid(**overrides: str) -> dict[str, str]:
    return {"name": "Maya", "email": "maya@example.org", "phone": "", "message": "", "consent": "y", **overrides}


LEADS = st.fixed_dictionaries(
    {
        "name": st.one_of(st.text(max_size=140), st.from_regex(r"[^\W\d_]{1,20}([' -][^\W\d_]{1,20}){0,3}",
                                                                fullmatch=True)),
        "email": st.one_of(st.emails(), st.text(max_size=60),
                           st.builds("{}@{}".format, st.text(max_size=20), st.text(max_size=20))),
        "phone": st.one_of(st.just(""), st.text(max_size=45),
                           st.from_regex(r"\+?[0-9 ()./-]{4,34}( ?(ext\.?|x|#) ?[0-9]{1,6})?", fullmatch=True)),
        "message": st.one_of(st.just(""), st.text(max_size=520)),
        "consent": st.sampled_from(["y", "y", "y", ""]),
    },
    optional={key: st.text(max_size=60) for key in ("page_url", "utm_source", "contact_method", "service")},
)


def test_the_submit_endpoint_holds_against_bad_input(submitter: Submitter) -> None:
    for text in BLNS:
        for field in ("name", "email", "phone", "message"):
            submitter.send(_valid(**{field: text}))
        submitter.send(_valid(**{key: text for key in HIDDEN}, **({text: text} if text not in HIDDEN else {})))

    @settings(max_examples=500, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(lead=LEADS)
    def generated(lead: dict[str, str]) -> None:
        submitter.send(lead)

    generated()
    for body, content_type in RAW_BODIES:
        submitter.send_raw(body, content_type)
    tally = submitter.tally
    print(tally.report())
    assert tally.tried >= 1000
    assert tally.server_errors == 0
    assert tally.problems == [], "\n".join(tally.problems[:20])
    with submitter.store.reading() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(leads))]
    invalid = [r["id"] for r in rows if row_problems(r, submitter.services, submitter.locations)]
    print(f"  rows stored         {len(rows):>6}\n  invalid rows        {len(invalid):>6}")
    assert invalid == [] and len(rows) == tally.accepted


RAW_BODIES = [
    (b"name=%ZZ&email=%&consent=y", "application/x-www-form-urlencoded"),
    (b"name=%FF%FE%00&email=a%40example.org&consent=y", "application/x-www-form-urlencoded"),
    (b"name=Maya;email=maya@example.org;consent=y", "application/x-www-form-urlencoded"),
    (("name=Maya&email=maya@example.org&consent=y&" + "&".join(f"f{n}=v" for n in range(1500))).encode(),
     "application/x-www-form-urlencoded"),
    (b'{"name": "Maya", "email": "maya@example.org", "consent": "y"}', "application/json"),
    (b"\x00\x01\x02\xff" * 100, "application/octet-stream"),
    (b"name=Maya&name=Other&email=maya@example.org&email=b@example.org&consent=y",
     "application/x-www-form-urlencoded"),
    (b"--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nMaya\r\n--x--\r\n",
     "multipart/form-data; boundary=x"),
    (b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.exe\"\r\n\r\nMZ\x90\x00\r\n--x--\r\n",
     "multipart/form-data; boundary=x"),
    (b"--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nunterminated", "multipart/form-data; boundary=x"),
    (b"name=Maya", "multipart/form-data"),
    (b"", "application/x-www-form-urlencoded"),
    (b"=&==&&&=x", "application/x-www-form-urlencoded"),
    (b"a" * 16 * 1024 + b"b", "application/x-www-form-urlencoded"),
]
