"""The bad-input suite for configuration: the admin settings form and ``flask rtr import``, with figures.

Each run prints: inputs tried, accepted, rejected by reason, 5xx or crashes (must be 0). Run with
``-s`` to see the tables.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from widget.configio import FORMAT
from widget.queries.widgets import get_widget, list_widgets, save_settings
from widget.settings import validate_settings
from widget.settings.kinds import FALLBACK_MESSAGE

from .support.admin_session import signed_in
from .support.naughty import FormFields, Tally, naughty_strings

pytestmark = pytest.mark.slow
BLNS = naughty_strings()

# The admin settings form ---------------------------------------------------------------------------

NUMBER = re.compile(r"\b\d+\b")
#: What pydantic says in its own words (or our stand-in for them): never shown to a practice.
NOT_OUR_WORDS = ("Input should", "Field required", "validation error", "Value error", "Extra inputs",
                 FALLBACK_MESSAGE)
ADMIN_PATHS: dict[str, tuple[Any, ...]] = {
    "practice_name": ("practice_name",), "heading-en": ("heading", "en"), "intro-es": ("intro", "es"),
    "crisis_notice-en": ("crisis_notice", "en"), "crisis_notice-es": ("crisis_notice", "es"),
    "consent_text-es": ("consent_text", "es"), "submit_label-en": ("submit_label", "en"),
    "thank_you_text-es": ("thank_you_text", "es"), "response_time-en": ("response_time", "en"),
    "alert_email": ("alert_email",), "webhook_url": ("webhook_url",), "hubspot_portal_id": ("hubspot_portal_id",),
    "steps-0-title-en": ("steps", 0, "title", "en"), "steps-1-text-es": ("steps", 1, "text", "es"),
    "steps-1-link_url": ("steps", 1, "link_url"), "steps-0-link_label-en": ("steps", 0, "link_label", "en"),
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
        self.client = signed_in(app.test_client())
        self.tally = Tally("Admin settings form (POST /admin/widgets/demo, signed in)")
        self.original = get_widget(self.store, "demo")
        page = self.client.get("/admin/widgets/demo").get_data(as_text=True)
        self.base = FormFields.of(page, "settings-form")

    def post(self, field: str, value: str) -> None:
        tally = self.tally
        tally.tried += 1
        path = ADMIN_PATHS[field]
        typed = value.strip() if field == "retention_days" else value
        saved_settings = self.original.settings.model_dump()
        clean, errors = validate_settings(_with(saved_settings, path, typed) if path else saved_settings)
        if not path and not value.strip():
            errors["name"] = "empty"
        elif not path and len(value.strip()) > 200:
            errors["name"] = "too long"
        response = self.client.post("/admin/widgets/demo", data={**self.base, field: value})
        saved = get_widget(self.store, "demo")
        if response.status_code >= 500:
            tally.server_errors += 1
            tally.problems.append(f"{response.status_code} for {field}={value!r:.200}")
        elif response.status_code == 302:
            tally.accepted += 1
            if errors or saved.settings != clean or (not path and saved.name != value.strip()):
                tally.problems.append(f"saved {field}={value!r:.200} though {errors}")
            save_settings(self.store, "demo", self.original.settings, name=self.original.name)
        else:
            self._refused(field, value, errors, response, saved)

    def _refused(self, field: str, value: str, errors: dict[str, str], response: Any, saved: Any) -> None:
        html = response.get_data(as_text=True)
        self.tally.reject(*(f"{path}: {NUMBER.sub('N', message)[:48]}" for path, message in errors.items()))
        shown = [message for message in errors.values() if str(escape(message)) in html]
        if any(words in html for words in NOT_OUR_WORDS):
            self.tally.problems.append(f"pydantic's own words on the page for {field}={value!r:.200}")
        elif response.status_code != 400 or not errors or saved.settings != self.original.settings:
            self.tally.problems.append(f"{response.status_code} for {field}={value!r:.200}, expected {errors}")
        elif field != "name" and not shown:
            self.tally.problems.append(f"no field message on the page for {field}={value!r:.200}: {errors}")
        elif field in ("practice_name", "heading-en", "steps-0-title-en") and str(escape(value)) not in html:
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
    _, errors = validate_settings(get_widget(poster.store, "demo").settings.model_dump())
    assert errors == {}, "what is stored is always valid"


# flask rtr import ---------------------------------------------------------------------------------

IMPORT_PATHS: list[tuple[Any, ...]] = [
    ("widgets", 0, "settings", "heading"), ("widgets", 0, "settings", "heading", "es"),
    ("widgets", 0, "name"), ("widgets", 0, "id"),
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
        return {w.id: (w.name, w.settings, w.version) for w in list_widgets(self.store, )}

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
            if any(words in result.output for words in NOT_OUR_WORDS):
                tally.problems.append(f"pydantic's own words in {result.output[:160]!r}")
            elif result.exit_code != 2 or "Nothing was changed" not in result.output or self._snapshot() != before:
                tally.problems.append(f"exit {result.exit_code} {result.output[:120]!r} on {data[:120]!r}")
            elif expect_ok:
                tally.problems.append(f"refused a valid file: {result.output[:160]!r}")

    def _check_imported(self, data: bytes, expect_ok: bool | None) -> None:
        if expect_ok is False:
            self.tally.problems.append(f"accepted an invalid file: {data[:160]!r}")
            return
        for item in json.loads(data)["widgets"]:
            widget = get_widget(self.store, item["id"])
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
        whole.replace(b'"en": "Ready', b'"en": "\\ud800'), whole.replace(b'"es": "\\u00bfEs', b'"es": "\\u0000'),
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
    assert all(not validate_settings(w.settings.model_dump())[1] for w in list_widgets(importer.store, ))
