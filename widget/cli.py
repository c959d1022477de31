"""``flask rtr …``: widgets, the demo practice and (from other modules) more commands."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .extension import get_state
from .settings import demo_settings, validate_settings
from .store import Widget

rtr = AppGroup("rtr", help="Ready to Rebuild: widgets, admins, delivery and configuration.")
DEMO_WIDGET_ID = "demo"
#: The create-widget option that sets each setting, to name it in an error.
OPTIONS = {"practice_name": "--name", "notify_emails": "--notify-email", "webhook_url": "--webhook-url",
           "allowed_origins": "--allowed-origin"}


def register(app: Flask) -> None:
    """Add the ``rtr`` command group to the app (once, whatever else registers commands on it)."""
    from . import configio  # noqa: F401  (export/import/purge join the group on import)

    if "rtr" not in app.cli.commands:
        app.cli.add_command(rtr)


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


@rtr.command("create-widget")
@click.option("--name", required=True, help="The practice's name, shown on the card.")
@click.option("--notify-email", "notify_emails", multiple=True, help="Where new requests are emailed (repeatable).")
@click.option("--webhook-url", default="", help="A CRM or automation webhook that receives each request.")
@click.option("--allowed-origin", "allowed_origins", multiple=True,
              help="A site that may embed the widget, as scheme://host[:port] (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the widget as JSON, including its webhook secret.")
def create_widget(name: str, notify_emails: tuple[str, ...], webhook_url: str,
                  allowed_origins: tuple[str, ...], as_json: bool) -> None:
    """Create a widget and print its id."""
    raw = {"practice_name": name, "notify_emails": list(notify_emails), "webhook_url": webhook_url,
           "allowed_origins": list(allowed_origins)}
    settings, errors = validate_settings(raw, current_app.config["RTR_WEBHOOK_ALLOW_PRIVATE"])
    if errors:
        _fail("; ".join(_option_error(raw, path, message) for path, message in errors.items()))
    widget = get_state().store.create_widget(name, settings)
    if as_json:
        click.echo(json.dumps(widget_json(widget, with_secret=True), indent=2))
    else:
        click.echo(widget.id)


def _option_error(raw: dict[str, Any], path: str, message: str) -> str:
    """Return ``--option 'what was typed': message`` for a create-widget setting that failed."""
    head, _, index = path.partition(".")
    value = raw[head][int(index)] if index.isdigit() else raw.get(head, "")
    return f"{OPTIONS.get(head, head)} {value!r}: {message}"


@rtr.command("list-widgets")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_widgets(as_json: bool) -> None:
    """List every widget: id, name and where its requests go."""
    widgets = get_state().store.list_widgets()
    if as_json:
        click.echo(json.dumps([widget_json(w) for w in widgets], indent=2))
        return
    for widget in widgets:
        settings = widget.settings
        targets = ", ".join([*settings.notify_emails, *([settings.webhook_url] if settings.webhook_url else [])])
        click.echo(f"{widget.id}\t{widget.name}\t{targets or '(no delivery configured)'}")


@rtr.command("demo")
def demo() -> None:
    """Create the demo practice (widget id ``demo``); running it again changes nothing."""
    store = get_state().store
    if store.get_widget(DEMO_WIDGET_ID) is None:
        settings = demo_settings()
        store.create_widget(settings.practice_name, settings, widget_id=DEMO_WIDGET_ID)
        click.echo(f"Created the demo widget '{DEMO_WIDGET_ID}'.")
    else:
        click.echo(f"The demo widget '{DEMO_WIDGET_ID}' already exists.")


def widget_json(widget: Widget, with_secret: bool = False) -> dict[str, Any]:
    """Return a widget as the JSON the CLI prints (the secret only when asked)."""
    data: dict[str, Any] = {
        "id": widget.id, "name": widget.name, "version": widget.version,
        "settings": widget.settings.model_dump(mode="json"),
    }
    if with_secret:
        data["webhook_secret"] = widget.webhook_secret
    return data
