"""Configuration as code: ``flask rtr export``, ``import`` and ``settings-schema``.

The file holds every widget (id, name, settings; the webhook secret only with
``--with-secrets``). Import checks everything first and writes in one transaction, so a bad
file changes nothing. Its JSON Schema (``flask rtr settings-schema``) is what the export's
``"$schema"`` refers to.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from .db import Store
from .delivery.queue import resume_webhook
from .queries.audit import record
from .queries.widgets import WidgetImport, import_widgets, list_widgets
from .settings import validate_settings
from .settings.schema import FORMAT, FORMAT_VERSION, SCHEMA_FILE, SECRET, WIDGET_ID, WIDGET_NAME_LIMIT, config_schema
from .state import get_state


class ConfigFileError(ValueError):
    """The file can't be imported; the message names the bad field."""


def export_config(store: Store, with_secrets: bool = False) -> dict[str, Any]:
    """Return every widget as the config document."""
    items = []
    for widget in list_widgets(store):
        item: dict[str, Any] = {"id": widget.id, "name": widget.name,
                                "settings": widget.settings.model_dump(mode="json")}
        if with_secrets:
            item["webhook_secret"] = widget.webhook_secret
        items.append(item)
    return {"$schema": SCHEMA_FILE, "format": FORMAT, "version": FORMAT_VERSION, "widgets": items}


def parse_config(text: str | bytes) -> list[WidgetImport]:
    """Check a config document; raise ConfigFileError naming the first bad field."""
    try:
        document = json.loads(text)
    except UnicodeDecodeError:
        raise ConfigFileError("The file is not UTF-8 text; save it as UTF-8 JSON.") from None
    except json.JSONDecodeError as error:
        raise ConfigFileError(
            f"The file is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from None
    except RecursionError:
        raise ConfigFileError("The file nests deeper than any configuration does; is it an export?") from None
    if not isinstance(document, dict):
        raise ConfigFileError("The file must hold a JSON object with a \"widgets\" list.")
    if document.get("format", FORMAT) != FORMAT:
        raise ConfigFileError(f"format: expected \"{FORMAT}\", got {document['format']!r}.")
    if document.get("version", FORMAT_VERSION) != FORMAT_VERSION:
        raise ConfigFileError(f"version: this server reads version {FORMAT_VERSION}, got {document['version']!r}.")
    items = document.get("widgets")
    if not isinstance(items, list):
        raise ConfigFileError("widgets: must be a list of widgets.")
    checked = [_check_widget(item, index) for index, item in enumerate(items)]
    seen: set[str] = set()
    for index, item in enumerate(checked):
        if item.id in seen:
            raise ConfigFileError(f"widgets[{index}].id: the id {item.id!r} appears twice.")
        seen.add(item.id)
    return checked


def _check_widget(item: Any, index: int) -> WidgetImport:
    where = f"widgets[{index}]"
    if not isinstance(item, dict):
        raise ConfigFileError(f"{where}: must be an object with id, name and settings.")
    widget_id = item.get("id")
    if not isinstance(widget_id, str) or not WIDGET_ID.match(widget_id):
        raise ConfigFileError(f"{where}.id: use 1-64 letters, digits, '-' or '_'.")
    where = f"{where} ({widget_id})"
    name = item.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > WIDGET_NAME_LIMIT:
        raise ConfigFileError(f"{where}.name: give the widget a name of up to {WIDGET_NAME_LIMIT} characters.")
    if "settings" not in item:
        raise ConfigFileError(f"{where}.settings: missing.")
    settings, errors = validate_settings(item["settings"], current_app.config["RTR_WEBHOOK_ALLOW_PRIVATE"])
    if errors:
        field, message = sorted(errors.items())[0]
        path = "settings" if field == "settings" else f"settings.{field}"
        raise ConfigFileError(f"{where}.{path}: {message}")
    secret = item.get("webhook_secret")
    if secret is not None and (not isinstance(secret, str) or not SECRET.match(secret)):
        raise ConfigFileError(f"{where}.webhook_secret: must look like whsec_ followed by base64.")
    return WidgetImport(widget_id, name.strip(), settings, secret)


def apply_config(store: Store, items: list[WidgetImport], with_secrets: bool) -> tuple[int, int]:
    """Create or update every widget in one transaction; return (created, updated).

    As on the settings page, a new webhook address turns an endpoint switched off by a 410 back
    on, and the requests that waited for it are queued again.
    """
    if not with_secrets:
        items = [dataclasses.replace(item, webhook_secret=None) for item in items]
    created, updated, moved = import_widgets(store, items)
    for widget_id in moved:
        resume_webhook(store, widget_id)
    return created, updated


def _audit(action: str, detail: str, widget_id: str | None = None) -> None:
    """Record a command-line action in the audit log (never lead contents)."""
    record(get_state().store, "command line", action, detail, widget_id)


@click.command("export")
@click.option("--with-secrets", is_flag=True, help="Include each widget's webhook secret (keep the file private).")
@with_appcontext
def export_command(with_secrets: bool) -> None:
    """Print every widget's configuration as JSON (redirect it to a file; keys sorted for clean diffs)."""
    click.echo(json.dumps(export_config(get_state().store, with_secrets), indent=2, ensure_ascii=False,
                          sort_keys=True))


@click.command("settings-schema")
def settings_schema_command() -> None:
    """Print the JSON Schema of the exported file (save it beside the file as widget-settings.schema.json)."""
    click.echo(json.dumps(config_schema(), indent=2, ensure_ascii=False))


@click.command("import")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--with-secrets", is_flag=True, help="Also take the webhook secrets from the file.")
@with_appcontext
def import_command(path: str, with_secrets: bool) -> None:
    """Create or update widgets from a JSON file made by ``flask rtr export`` ("-" reads stdin)."""
    try:
        data = sys.stdin.buffer.read() if path == "-" else _read(path)
        items = parse_config(data)
    except ConfigFileError as error:
        click.echo(f"Error: {path}: {error} Nothing was changed.", err=True)
        sys.exit(2)
    created, updated = apply_config(get_state().store, items, with_secrets)
    _audit("config.imported", f"{created} created, {updated} updated"
           + (", with webhook secrets" if with_secrets else ""))
    click.echo(f"Imported {len(items)} widget(s): {created} created, {updated} updated.")
    if not with_secrets and any(item.webhook_secret for item in items):
        click.echo("The file holds webhook secrets; they were left out (add --with-secrets to take them).")


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise ConfigFileError(f"can't read the file ({error.strerror}).") from None
