"""``flask rtr export`` / ``import``: every widget round-trips; a bad file names the field, changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from jsonschema import Draft202012Validator
from sqlalchemy import update

from widget.queries.widgets import create_widget, get_widget, list_widgets
from widget.schema import audit_log, deliveries, widgets
from widget.settings import Service, Theme, WidgetSettings
from widget.settings.schema import SCHEMA_FILE, config_schema

from .support.delivery import add_leads
from .support.leads import count


def _cli(app: Flask, *args: str, input: bytes | str | None = None) -> Any:
    return app.test_cli_runner().invoke(args=["rtr", *args], input=input)


def _export(app: Flask, *flags: str) -> dict[str, Any]:
    result = _cli(app, "export", *flags)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def source(app: Flask) -> Flask:
    """The demo app plus two more widgets that use most settings."""
    store = app.extensions["rtr"].store
    busy = WidgetSettings(
        practice_name="Río Claro Counseling", language="es", allowed_origins=["https://www.rioclaro.example"],
        webhook_url="https://crm.example.com/in",
        services=[Service(name={"es": "Terapia de pareja"}, description={"es": "Reconstruir la confianza"})],
        notify_emails=["hola@rioclaro.example"], detail_level="full", retention_days=30,
        theme=Theme(accent_color="#114477"),
    )
    create_widget(store, "Río Claro", busy, widget_id="rio-claro")
    create_widget(store, "Quiet", WidgetSettings(practice_name="Quiet Practice"))
    return app


def _write(tmp_path: Path, document: Any) -> str:
    path = tmp_path / "config.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return str(path)


def test_export_import_round_trips_every_widget(source: Flask, make_app: Callable[..., Flask],
                                                tmp_path: Path) -> None:
    exported = _export(source)
    assert [w["id"] for w in exported["widgets"]][:2] == ["demo", "rio-claro"]
    assert len(exported["widgets"]) == 3
    assert all("webhook_secret" not in w for w in exported["widgets"])

    fresh = make_app()
    result = _cli(fresh, "import", _write(tmp_path, exported))
    assert result.exit_code == 0, result.output
    assert "3 created, 0 updated" in result.output
    assert _export(fresh) == exported
    old = {w.id: w.webhook_secret for w in list_widgets(source.extensions["rtr"].store, )}
    new = {w.id: w.webhook_secret for w in list_widgets(fresh.extensions["rtr"].store, )}
    assert old.keys() == new.keys() and all(old[k] != new[k] for k in old)


def test_secrets_travel_only_with_the_flag(source: Flask, make_app: Callable[..., Flask],
                                           tmp_path: Path) -> None:
    with_secrets = _export(source, "--with-secrets")
    assert all(w["webhook_secret"].startswith("whsec_") for w in with_secrets["widgets"])
    path = _write(tmp_path, with_secrets)

    without_flag = make_app()
    result = _cli(without_flag, "import", path)
    assert result.exit_code == 0 and "they were left out (add --with-secrets" in result.output
    assert _export(without_flag, "--with-secrets") != with_secrets

    fresh = make_app()
    assert _cli(fresh, "import", "--with-secrets", path).exit_code == 0
    assert _export(fresh, "--with-secrets") == with_secrets


def test_import_updates_existing_widgets_and_is_audited(source: Flask, tmp_path: Path) -> None:
    exported = _export(source)
    # A plain text (as files written before texts were localised hold) is the widget's language's version.
    exported["widgets"][1]["settings"]["heading"] = "¿Lista para reconstruir?"
    exported["widgets"][1]["name"] = "Río Claro (renamed)"
    result = _cli(source, "import", _write(tmp_path, exported))
    assert result.exit_code == 0 and "0 created, 3 updated" in result.output
    widget = get_widget(source.extensions["rtr"].store, "rio-claro")
    assert widget.settings.heading.es == "¿Lista para reconstruir?" and widget.name == "Río Claro (renamed)"
    assert widget.settings.heading.en == ""
    assert widget.version == 2
    assert count(source.extensions["rtr"].store, audit_log, audit_log.c.action == "config.imported") == 1


def test_a_new_webhook_address_in_the_file_turns_a_410_endpoint_back_on(source: Flask, tmp_path: Path) -> None:
    store = source.extensions["rtr"].store
    with store.engine.begin() as conn:
        conn.execute(update(widgets).where(widgets.c.id == "rio-claro").values(webhook_disabled_at=1.0))
    exported = _export(source)
    [rio] = [w for w in exported["widgets"] if w["id"] == "rio-claro"]
    add_leads(store, get_widget(store, "rio-claro"))
    with store.engine.begin() as conn:  # what the worker does with a request for a switched-off webhook
        conn.execute(update(deliveries).where(deliveries.c.channel == "webhook").values(status="disabled"))
    assert _cli(source, "import", _write(tmp_path, exported)).exit_code == 0
    assert get_widget(store, "rio-claro").webhook_disabled_at == 1.0, "the same address stays switched off"
    rio["settings"]["webhook_url"] = "https://hooks.example.org/new"
    assert _cli(source, "import", _write(tmp_path, exported)).exit_code == 0
    assert get_widget(store, "rio-claro").webhook_disabled_at is None
    with store.reading() as conn:
        row = conn.execute(deliveries.select().where(deliveries.c.channel == "webhook")).one()
    assert (row.status, row.target) == ("pending", "https://hooks.example.org/new")


def test_import_reads_stdin(source: Flask, make_app: Callable[..., Flask]) -> None:
    fresh = make_app()
    result = _cli(fresh, "import", "-", input=json.dumps(_export(source)).encode())
    assert result.exit_code == 0, result.output
    assert len(list_widgets(fresh.extensions["rtr"].store, )) == 3


def _widget(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"id": "new-one", "name": "New",
                            "settings": WidgetSettings(practice_name="New").model_dump(mode="json")}
    for key, value in changes.items():
        if key.startswith("settings."):
            item["settings"][key.removeprefix("settings.")] = value
        else:
            item[key] = value
    return item


def _theme(**colours: str) -> dict[str, Any]:
    return {**Theme().model_dump(), **colours}


BAD_FILES: list[tuple[str, Any, str]] = [
    ("malformed JSON", '{"widgets": [', "not valid JSON (line 1, column 14"),
    ("not an object", "[1, 2]", "a JSON object"),
    ("wrong format", {"format": "other", "widgets": []}, "format:"),
    ("newer version", {"version": 9, "widgets": []}, "version:"),
    ("no widget list", {"widgets": {"id": "x"}}, "widgets: must be a list"),
    ("widget not an object", {"widgets": ["demo"]}, "widgets[0]: must be an object"),
    ("bad id", {"widgets": [_widget(id="has space")]}, "widgets[0].id:"),
    ("empty name", {"widgets": [_widget(name="  ")]}, "widgets[0] (new-one).name:"),
    ("no settings", {"widgets": [{"id": "x", "name": "X"}]}, "widgets[0] (x).settings: missing"),
    ("settings not an object", {"widgets": [_widget(settings=[])]}, "(new-one).settings: Settings must be"),
    ("bad colour", {"widgets": [_widget(**{"settings.theme": _theme(accent_color="reddish")})]},
     "(new-one).settings.theme.accent_color: Use a colour like #7a3e5d"),
    ("bad origin", {"widgets": [_widget(**{"settings.allowed_origins": ["ftp://a.example/path"]})]},
     "settings.allowed_origins.0: Type your website's address"),
    ("bad email", {"widgets": [_widget(**{"settings.notify_emails": ["not-an-address"]})]},
     "settings.notify_emails.0: This isn't a valid email"),
    ("bad webhook url", {"widgets": [_widget(**{"settings.webhook_url": "ftp://x.example"})]},
     "settings.webhook_url: Use a full web address"),
    ("bad retention", {"widgets": [_widget(**{"settings.retention_days": 0})]}, "settings.retention_days:"),
    ("no crisis line", {"widgets": [_widget(**{"settings.crisis_notice": "Be well."})]},
     "settings.crisis_notice.en: The crisis notice must keep"),
    ("bad secret", {"widgets": [_widget(webhook_secret="hunter2")]}, "(new-one).webhook_secret:"),
    ("duplicate id", {"widgets": [_widget(), _widget()]}, "widgets[1].id: the id 'new-one' appears twice"),
    ("good then bad", {"widgets": [_widget(id="good"), _widget(**{"settings.language": "fr"})]},
     "widgets[1] (new-one).settings.language:"),
    ("unmatched [ in a URL", {"widgets": [_widget(**{"settings.webhook_url": "https://[crm.example.com/in"})]},
     "(new-one).settings.webhook_url: Use a full web address"),
    ("unmatched [ in an origin", {"widgets": [_widget(**{"settings.allowed_origins": ["https://[::1"]})]},
     "(new-one).settings.allowed_origins.0: Type your website's address"),
    ("a mistyped setting", {"widgets": [_widget(**{"settings.heding": "Hi"})]},
     "(new-one).settings.heding: Unknown setting: heding."),
]


@pytest.mark.parametrize("document, message", [case[1:] for case in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_a_bad_file_names_the_field_and_changes_nothing(source: Flask, tmp_path: Path, document: Any,
                                                        message: str) -> None:
    before = _export(source, "--with-secrets")
    result = _cli(source, "import", "--with-secrets", _write(tmp_path, document))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Nothing was changed." in result.stderr and "Traceback" not in result.output
    assert _export(source, "--with-secrets") == before
    assert count(source.extensions["rtr"].store, audit_log) == 0


def test_unreadable_files_get_a_clear_message(source: Flask, tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes('{"widgets": [{"name": "Peña"}]}'.encode("latin-1"))
    result = _cli(source, "import", str(latin1))
    assert result.exit_code == 2 and "not UTF-8" in result.stderr
    result = _cli(source, "import", str(tmp_path / "missing.json"))
    assert result.exit_code == 2 and "can't read the file" in result.stderr


def test_the_real_flask_command_round_trips_through_a_file(tmp_path: Path) -> None:
    flask = Path(sys.prefix) / "bin" / "flask"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RTR_", "FLASK_"))}
    env.update(FLASK_APP="widget", RTR_SECRET_KEY="cli-test", RTR_INSTANCE_PATH=str(tmp_path))

    def run(database: str, *args: str, stdout: Any = subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([str(flask), "rtr", *args], env={**env, "RTR_DATABASE_URL": f"sqlite:///{tmp_path}/{database}"},
                              stdout=stdout, stderr=subprocess.PIPE, timeout=60, check=False)

    assert run("a.db", "demo").returncode == 0
    config = tmp_path / "config.json"
    with config.open("wb") as handle:
        assert run("a.db", "export", stdout=handle).returncode == 0
    assert json.loads(config.read_text(encoding="utf-8"))["widgets"][0]["id"] == "demo"
    assert run("b.db", "import", str(config)).returncode == 0
    assert run("b.db", "export").stdout == config.read_bytes()
    config.write_text('{"widgets": [', encoding="utf-8")
    failed = run("b.db", "import", str(config))
    assert failed.returncode == 2 and b"not valid JSON" in failed.stderr and b"Traceback" not in failed.stderr


# The published JSON Schema -------------------------------------------------------------------------

COMMITTED_SCHEMA = Path(__file__).resolve().parents[1] / "schema" / SCHEMA_FILE


def test_the_committed_schema_is_the_models_schema() -> None:
    committed = json.loads(COMMITTED_SCHEMA.read_text(encoding="utf-8"))
    assert committed == config_schema(), "run: flask --app widget rtr settings-schema > schema/" + SCHEMA_FILE


def test_flask_rtr_settings_schema_prints_it(app: Flask) -> None:
    result = _cli(app, "settings-schema")
    assert result.exit_code == 0 and json.loads(result.stdout) == config_schema()
    assert result.stdout.strip() == COMMITTED_SCHEMA.read_text(encoding="utf-8").strip()


def test_an_export_names_its_schema_and_is_valid_under_it(source: Flask) -> None:
    exported = _export(source, "--with-secrets")
    assert exported["$schema"] == SCHEMA_FILE
    Draft202012Validator.check_schema(config_schema())
    assert list(Draft202012Validator(config_schema()).iter_errors(exported)) == []


@pytest.mark.parametrize("name", ["bad colour", "bad retention", "settings not an object", "a mistyped setting",
                                  "bad id", "bad secret", "no settings"])
def test_the_schema_refuses_what_import_refuses(name: str) -> None:
    [document] = [case[1] for case in BAD_FILES if case[0] == name]
    assert list(Draft202012Validator(config_schema()).iter_errors(document)), name
