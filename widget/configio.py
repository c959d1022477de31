"""Configuration as code: ``flask rtr export``, ``import``, ``settings-schema`` and ``purge``.

The file holds every widget (id, name, settings; the webhook secret only with
``--with-secrets``). Import checks everything first and writes in one transaction, so a bad
file changes nothing. Its JSON Schema (``flask rtr settings-schema``) is what the export's
``"$schema"`` refers to.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from typing import Any

import click
from flask import current_app
from sqlalchemy import insert, select, update

from .cli import rtr
from .extension import get_state
from .settings import WidgetSettings, validate_settings
from .settings.schema import FORMAT, FORMAT_VERSION, SCHEMA_FILE, SECRET, WIDGET_ID, WIDGET_NAME_LIMIT, config_schema
from .store import Store, widgets


class ConfigFileError(ValueError):
    """The file can't be imported; the message names the bad field."""


@dataclass(frozen=True)
class ImportedWidget:
    """One checked widget from a config file."""

    id: str
    name: str
    settings: WidgetSettings
    webhook_secret: str | None


def export_config(store: Store, with_secrets: bool = False) -> dict[str, Any]:
    """Return every widget as the config document."""
    items = []
    for widget in store.list_widgets():
        item: dict[str, Any] = {"id": widget.id, "name": widget.name,
                                "settings": widget.settings.model_dump(mode="json")}
        if with_secrets:
            item["webhook_secret"] = widget.webhook_secret
        items.append(item)
    return {"$schema": SCHEMA_FILE, "format": FORMAT, "version": FORMAT_VERSION, "widgets": items}


def parse_config(text: str | bytes) -> list[ImportedWidget]:
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


def _check_widget(item: Any, index: int) -> ImportedWidget:
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
    return ImportedWidget(widget_id, name.strip(), settings, secret)


def apply_config(store: Store, items: list[ImportedWidget], with_secrets: bool) -> tuple[int, int]:
    """Create or update every widget in one transaction; return (created, updated).

    As on the settings page, a new webhook address turns an endpoint switched off by a 410 back
    on, and the requests that waited for it are queued again.
    """
    from .delivery.queue import resume_webhook
    from .store import new_webhook_secret

    now = time.time()
    created = updated = 0
    moved: list[str] = []
    with store.engine.begin() as conn:
        current = {row.id: row for row in conn.execute(
            select(widgets.c.id, widgets.c.version, widgets.c.settings, widgets.c.webhook_disabled_at))}
        for item in items:
            secret = item.webhook_secret if with_secrets else None
            if item.id in current:
                row = current[item.id]
                values: dict[str, Any] = {"name": item.name, "settings": item.settings.model_dump(mode="json"),
                                          "version": row.version + 1, "updated_at": now}
                if secret:
                    values["webhook_secret"] = secret
                new_url = item.settings.webhook_url
                old_url = WidgetSettings.from_stored(row.settings).webhook_url
                if row.webhook_disabled_at and new_url and new_url != old_url:
                    moved.append(item.id)
                conn.execute(update(widgets).where(widgets.c.id == item.id).values(**values))
                updated += 1
            else:
                conn.execute(insert(widgets).values(
                    id=item.id, name=item.name, settings=item.settings.model_dump(mode="json"), version=1,
                    webhook_secret=secret or new_webhook_secret(), created_at=now, updated_at=now,
                ))
                created += 1
    for widget_id in moved:
        resume_webhook(store, widget_id)
    return created, updated


def _audit(action: str, detail: str, widget_id: str | None = None) -> None:
    """Record a command-line action in the audit log (never lead contents)."""
    from .admin.audit import record

    record(get_state().store, "command line", action, detail, widget_id)


@rtr.command("export")
@click.option("--with-secrets", is_flag=True, help="Include each widget's webhook secret (keep the file private).")
def export_command(with_secrets: bool) -> None:
    """Print every widget's configuration as JSON (redirect it to a file; keys sorted for clean diffs)."""
    click.echo(json.dumps(export_config(get_state().store, with_secrets), indent=2, ensure_ascii=False,
                          sort_keys=True))


@rtr.command("settings-schema")
def settings_schema_command() -> None:
    """Print the JSON Schema of the exported file (save it beside the file as widget-settings.schema.json)."""
    click.echo(json.dumps(config_schema(), indent=2, ensure_ascii=False))


@rtr.command("import")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--with-secrets", is_flag=True, help="Also take the webhook secrets from the file.")
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


@rtr.command("purge")
def purge_command() -> None:
    """Delete leads older than each widget's retention period after delivery."""
    from .retention import purge_expired

    removed = purge_expired(get_state().store)
    for widget_id, count in sorted(removed.items()):
        _audit("leads.purged", f"{count} delivered lead(s) past retention", widget_id)
        click.echo(f"{widget_id}: deleted {count} lead(s).")
    click.echo(f"Deleted {sum(removed.values())} lead(s) past their retention period.")
