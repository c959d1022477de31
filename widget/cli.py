"""``flask rtr …``: the command group, its widget commands, ``db``, and the commands of the other parts.

The group is also registered as a ``flask.commands`` entry point (setup.cfg), so Flask finds it
without loading the app: ``flask --app widget rtr --help`` works with nothing configured, and
``flask rtr db upgrade`` runs on a database the app would refuse to start with.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, ScriptInfo

from . import migrate
from .admin.commands import create_admin_command, remove_admin_command
from .configio import export_command, import_command, settings_schema_command
from .delivery.commands import retry_command, worker_command
from .models import Widget
from .people.commands import find_person_command, forget_person_command
from .queries.widgets import create_widget, get_widget, list_widgets
from .retention import purge_command
from .routing import every_address
from .settings import demo_settings, validate_settings
from .state import get_state

rtr = AppGroup("rtr", help="Ready to Rebuild: widgets, admins, delivery, configuration and the database.")
DEMO_WIDGET_ID = "demo"
for _command in (create_admin_command, remove_admin_command, export_command, import_command,
                 settings_schema_command, retry_command, worker_command, purge_command, find_person_command,
                 forget_person_command):
    rtr.add_command(_command)
#: The create-widget option that sets each setting, to name it in an error.
OPTIONS = {"practice_name": "--name", "notify_emails": "--notify-email", "webhook_url": "--webhook-url",
           "allowed_origins": "--allowed-origin"}


def register(app: Flask) -> None:
    """Add the ``rtr`` command group to the app (once, whatever else registers commands on it)."""
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
              help="A site that may embed the widget, like desertbloom.com (its www twin too; repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the widget as JSON, including its webhook secret.")
def create_widget_command(name: str, notify_emails: tuple[str, ...], webhook_url: str,
                          allowed_origins: tuple[str, ...], as_json: bool) -> None:
    """Create a widget and print its id."""
    raw = {"practice_name": name, "notify_emails": list(notify_emails), "webhook_url": webhook_url,
           "allowed_origins": list(allowed_origins)}
    settings, errors = validate_settings(raw, current_app.config["RTR_WEBHOOK_ALLOW_PRIVATE"])
    if errors:
        _fail("; ".join(_option_error(raw, path, message) for path, message in errors.items()))
    widget = create_widget(get_state().store, name, settings)
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
def list_widgets_command(as_json: bool) -> None:
    """List every widget: id, name and where its requests go."""
    widgets = list_widgets(get_state().store)
    if as_json:
        click.echo(json.dumps([widget_json(w) for w in widgets], indent=2))
        return
    for widget in widgets:
        settings = widget.settings
        targets = ", ".join([*every_address(settings), *([settings.webhook_url] if settings.webhook_url else [])])
        click.echo(f"{widget.id}\t{widget.name}\t{targets or '(no delivery configured)'}")


@rtr.command("demo")
def demo() -> None:
    """Create the demo practice (widget id ``demo``); running it again changes nothing."""
    store = get_state().store
    if get_widget(store, DEMO_WIDGET_ID) is None:
        settings = demo_settings()
        create_widget(store, settings.practice_name, settings, widget_id=DEMO_WIDGET_ID)
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


# The database --------------------------------------------------------------------------------------

@rtr.group("db")
def db() -> None:
    """The database schema: where it stands, and upgrading it (back it up first)."""


def _app_whatever_its_schema() -> Flask:
    """Load the app without the start-up schema check (the app would refuse a stale database)."""
    with migrate.unchecked():
        return click.get_current_context().ensure_object(ScriptInfo).load_app()


@db.command("upgrade", with_appcontext=False)
def db_upgrade() -> None:
    """Bring the database to this version's schema (take a backup first)."""
    app = _app_whatever_its_schema()
    try:
        before, now = migrate.upgrade(get_state(app).store)
    except migrate.SchemaError as error:
        _fail(str(error))
    if before.state == "current":
        click.echo(f"The database is up to date (revision {now}).")
    else:
        click.echo(f"Upgraded the database from revision {before.revision or before.state} to {now}.")


def _schema_status() -> migrate.SchemaStatus:
    with get_state(_app_whatever_its_schema()).store.reading() as conn:
        return migrate.status(conn)


@db.command("current", with_appcontext=False)
def db_current() -> None:
    """Print the database's schema revision and whether it needs an upgrade."""
    found = _schema_status()
    click.echo(f"{found.revision or '(none)'} ({found.state}; this code's newest is {found.head})")


@db.command("revision", with_appcontext=False)
@click.option("-m", "--message", required=True, help="What the revision changes, in a few words.")
def db_revision(message: str) -> None:
    """Draft the next revision from widget/schema.py (for developers; the database must be current)."""
    app = _app_whatever_its_schema()
    try:
        path = migrate.new_revision(get_state(app).store, message)
    except migrate.SchemaError as error:
        _fail(str(error))
    click.echo(f"Wrote {path}: read it before committing (SQLite needs batch mode; data moves are yours).")


@db.command("check", with_appcontext=False)
def db_check() -> None:
    """Exit 0 when the database is at this version's schema, else say what to do and exit 1."""
    found = _schema_status()
    if found.state != "current":
        click.echo(found.problem() or f"The database is {found.state}.", err=True)
        sys.exit(1)
    click.echo(f"The database is up to date (revision {found.revision}).")
