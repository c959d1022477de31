"""The bad-input suite: naughty strings and generated inputs through the real endpoints, with figures.

Each run prints: inputs tried, accepted, rejected by reason, 5xx (must be 0). Run with ``-s`` to
see the tables.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import func, select

from widget.configio import FORMAT
from widget.i18n import STRINGS
from widget.security import issue_form_token
from widget.settings import validate_settings
from widget.store import leads

from .support.leads import sign_in
from .support.naughty import (
    LIMITS,
    FormFields,
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
        settings = self.store.get_widget("demo").settings
        self.services = [s["name"] for s in settings["services"]]
        self.locations = [loc["name"] for loc in settings["locations"]]

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


# The admin settings form ---------------------------------------------------------------------------

NUMBER = re.compile(r"\b\d+\b")
ADMIN_PATHS: dict[str, tuple[Any, ...]] = {
    "practice_name": ("practice_name",), "heading": ("heading",), "intro": ("intro",),
    "crisis_notice": ("crisis_notice",), "consent_text": ("consent_text",), "submit_label": ("submit_label",),
    "thank_you_text": ("thank_you_text",), "response_time": ("response_time",), "alert_email": ("alert_email",),
    "webhook_url": ("webhook_url",), "hubspot_portal_id": ("hubspot_portal_id",),
    "steps-0-title": ("steps", 0, "title"), "steps-1-text": ("steps", 1, "text"),
    "steps-1-link_url": ("steps", 1, "link_url"), "steps-0-link_label": ("steps", 0, "link_label"),
    "theme-font_stack": ("theme", "font_stack"), "theme-accent_color": ("theme", "accent_color"),
    "theme-radius": ("theme", "radius"), "retention_days": ("retention_days",), "name": (),
}


def _with(settings: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(settings)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


class AdminPoster:
    """Post the widget settings form with one field replaced; check the answer and what was saved."""

    def __init__(self, app: Flask) -> None:
        self.app, self.store = app, app.extensions["rtr"].store
        self.client = sign_in(app.test_client())
        self.tally = Tally("Admin settings form (POST /admin/widgets/demo, signed in)")
        self.original = self.store.get_widget("demo")
        page = self.client.get("/admin/widgets/demo").get_data(as_text=True)
        self.base = FormFields.of(page, "settings-form")

    def post(self, field: str, value: str) -> None:
        tally = self.tally
        tally.tried += 1
        path = ADMIN_PATHS[field]
        typed = value.strip() if field == "retention_days" else value
        clean, errors = validate_settings(_with(self.original.settings, path, typed) if path
                                          else self.original.settings)
        if not path and not value.strip():
            errors["name"] = "empty"
        elif not path and len(value.strip()) > 200:
            errors["name"] = "too long"
        response = self.client.post("/admin/widgets/demo", data={**self.base, field: value})
        saved = self.store.get_widget("demo")
        if response.status_code >= 500:
            tally.server_errors += 1
            tally.problems.append(f"{response.status_code} for {field}={value!r:.200}")
        elif response.status_code == 302:
            tally.accepted += 1
            if errors or saved.settings != clean or (not path and saved.name != value.strip()):
                tally.problems.append(f"saved {field}={value!r:.200} though {errors}")
            self.store.save_settings("demo", self.original.settings, name=self.original.name)
        else:
            self._refused(field, value, errors, response, saved)

    def _refused(self, field: str, value: str, errors: dict[str, str], response: Any, saved: Any) -> None:
        html = response.get_data(as_text=True)
        self.tally.reject(*(f"{path}: {NUMBER.sub('N', message)[:48]}" for path, message in errors.items()))
        shown = [message for message in errors.values() if str(escape(message)) in html]
        if response.status_code != 400 or not errors or saved.settings != self.original.settings:
            self.tally.problems.append(f"{response.status_code} for {field}={value!r:.200}, expected {errors}")
        elif field != "name" and not shown:
            self.tally.problems.append(f"no field message on the page for {field}={value!r:.200}: {errors}")
        elif field in ("practice_name", "heading", "steps-0-title") and str(escape(value)) not in html:
            self.tally.problems.append(f"what was typed in {field} was not kept: {value!r:.200}")


def test_the_admin_settings_form_holds_against_bad_input(app: Flask) -> None:
    poster = AdminPoster(app)
    fields = list(ADMIN_PATHS)
    for index, text in enumerate(BLNS):
        poster.post(fields[(2 * index) % len(fields)], text)
        poster.post(fields[(2 * index + 1) % len(fields)], text)

    @settings(max_examples=120, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(field=st.sampled_from(fields), value=st.text(max_size=700))
    def generated(field: str, value: str) -> None:
        poster.post(field, value)

    generated()
    tally = poster.tally
    print(tally.report())
    assert tally.tried >= 1000 and tally.server_errors == 0
    assert tally.problems == [], "\n".join(tally.problems[:20])
    _, errors = validate_settings(poster.store.get_widget("demo").settings)
    assert errors == {}, "what is stored is always valid"


# flask rtr import ---------------------------------------------------------------------------------

IMPORT_PATHS: list[tuple[Any, ...]] = [
    ("widgets", 0, "settings", "heading"), ("widgets", 0, "name"), ("widgets", 0, "id"),
    ("widgets", 0, "settings", "theme", "accent_color"), ("widgets", 0, "settings", "steps", 0, "link_url"),
    ("widgets", 0, "settings", "allowed_origins"), ("widgets", 0, "settings", "notify_emails"),
    ("widgets", 0, "settings", "retention_days"), ("widgets", 0, "settings", "services", 0, "name"),
    ("widgets", 0, "settings", "fields"), ("widgets", 0, "settings"), ("widgets", 0), ("widgets",),
    ("format",), ("version",), ("widgets", 0, "webhook_secret"),
]
WIDGET_ID_RULE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _import_should_succeed(document: Any) -> bool:
    """Say whether a config document is one the import must accept, from the documented format."""
    if not isinstance(document, dict) or document.get("format", FORMAT) != FORMAT:
        return False
    if document.get("version", 1) != 1 or not isinstance(document.get("widgets"), list):
        return False
    ids = [item.get("id") if isinstance(item, dict) else None for item in document["widgets"]]
    if len(set(map(str, ids))) != len(ids):
        return False
    for item in document["widgets"]:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            return False
        if not WIDGET_ID_RULE.fullmatch(item["id"]):
            return False
        name = item.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 200 or "settings" not in item:
            return False
        if validate_settings(item["settings"])[1]:
            return False
        secret = item.get("webhook_secret")
        if secret is not None and not (isinstance(secret, str) and secret.startswith("whsec_")):
            return False
    return True


class Importer:
    """Run ``flask rtr import -`` on a document; check the exit, the message and the stored widgets."""

    def __init__(self, app: Flask) -> None:
        self.app, self.store = app, app.extensions["rtr"].store
        self.runner = app.test_cli_runner()
        self.export = json.loads(self.runner.invoke(args=["rtr", "export"]).output)
        self.tally = Tally("flask rtr import - (malformed configuration files)")

    def _snapshot(self) -> dict[str, Any]:
        return {w.id: (w.name, w.settings, w.version) for w in self.store.list_widgets()}

    def run(self, data: bytes, expect_ok: bool | None) -> None:
        tally = self.tally
        tally.tried += 1
        before = self._snapshot()
        result = self.runner.invoke(args=["rtr", "import", "-"], input=data)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            tally.server_errors += 1
            tally.problems.append(f"crashed ({type(result.exception).__name__}) on {data[:120]!r}")
        elif result.exit_code == 0:
            tally.accepted += 1
            self._check_imported(data, expect_ok)
        else:
            match = re.search(r"Error: -: (widgets\[\d+\](?: \([^)]*\))?\.)?([^:(]{0,40})", result.output)
            tally.reject(re.sub(r"\d+", "N", match.group(2).strip()) if match else result.output[:40])
            if result.exit_code != 2 or "Nothing was changed" not in result.output or self._snapshot() != before:
                tally.problems.append(f"exit {result.exit_code} {result.output[:120]!r} on {data[:120]!r}")
            elif expect_ok:
                tally.problems.append(f"refused a valid file: {result.output[:160]!r}")

    def _check_imported(self, data: bytes, expect_ok: bool | None) -> None:
        if expect_ok is False:
            self.tally.problems.append(f"accepted an invalid file: {data[:160]!r}")
            return
        for item in json.loads(data)["widgets"]:
            widget = self.store.get_widget(item["id"])
            if widget is None or widget.settings != validate_settings(item["settings"])[0]:
                self.tally.problems.append(f"widget {item['id']!r} not stored as given")
                continue
            page = self.app.test_client().get(f"/w/{widget.id}/frame")
            if page.status_code != 200:
                self.tally.problems.append(f"the imported widget's frame answers {page.status_code}")

    def mutated(self, path: tuple[Any, ...], value: Any) -> bytes:
        document = _with(self.export, path, value)
        return json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _structural(export: dict[str, Any]) -> list[bytes]:
    whole = json.dumps(export).encode()
    cuts = [whole[: len(whole) * n // 20] for n in range(1, 20)]
    return [
        *cuts, b"", b"   \n", b"[" * 100_000 + b"]" * 100_000, b"{" * 50_000, b"\xff\xfe\x00\x00",
        b"\xef\xbb\xbf" + whole,
        whole.replace(b'"version": 1', b'"version": NaN'), whole.replace(b'"version": 1', b'"version": 1e999'),
        whole.replace(b'"widgets": [', b'"widgets": [], "widgets": ['), b'{"widgets": null}', b'{"widgets": {}}',
        b'{"widgets": [null]}', b'{"widgets": [{"id": "x", "name": "X"}]}', b'"just a string"', b"null", b"0",
        whole.replace(b'"heading": "', b'"heading": "\\ud800'), whole.replace(b'"heading": "', b'"heading": "\\u0000'),
        whole.replace(b"Harbor", b"Harbor\x00"), whole * 2, b'{"widgets": [' + b"{}," * 5000 + b"{}]}",
    ]


SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40)
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)


def test_flask_rtr_import_holds_against_malformed_json(app: Flask) -> None:
    importer = Importer(app)
    for text in BLNS:
        importer.run(text.encode("utf-8"), expect_ok=False)
    for index, text in enumerate(BLNS):
        path = IMPORT_PATHS[index % len(IMPORT_PATHS)]
        data = importer.mutated(path, text)
        importer.run(data, expect_ok=_import_should_succeed(json.loads(data)))
    for data in _structural(importer.export):
        importer.run(data, expect_ok=None)

    @settings(max_examples=120, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(path=st.sampled_from(IMPORT_PATHS), value=JSON_VALUES)
    def generated(path: tuple[Any, ...], value: Any) -> None:
        data = importer.mutated(path, value)
        importer.run(data, expect_ok=_import_should_succeed(json.loads(data)))

    generated()
    tally = importer.tally
    print(tally.report())
    assert tally.problems == [], "\n".join(tally.problems[:20])
    assert tally.tried >= 1000 and tally.server_errors == 0
    assert all(not validate_settings(w.settings)[1] for w in importer.store.list_widgets())
