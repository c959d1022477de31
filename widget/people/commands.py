"""``flask rtr find-person EMAIL [--json]`` and ``flask rtr forget-person EMAIL --yes``."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from .find import Person, address_forms, find_person
from .forget import forget_person

#: The audit log's actor for what an operator did from the command line.
CLI_ACTOR = "command line"


def _when(epoch: float | None) -> str:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC).isoformat(timespec="seconds") if epoch else ""


def _refuse_unusable(address: str) -> None:
    if not address_forms(address):
        click.echo(f"Error: {address!r} is not an email address.", err=True)
        sys.exit(2)


def describe(person: Person) -> list[str]:
    """Return the record as lines a person reads (times in UTC, ISO 8601)."""
    lines = [f"Everything held about {person.address}:"]
    for title, found in (("Requests", person.leads), ("Suspected spam", person.spam)):
        lines.append(f"{title}: {len(found)}")
        for lead in found:
            received = _when(lead["created_at"])
            lines.append(f"  {lead['public_id']} received {received} through widget {lead['widget_id']}")
            for key in ("name", "email", "phone", "service", "location", "message", "page_url", "language",
                        "spam_reason", "spam_detail"):
                if lead.get(key):
                    lines.append(f"    {key}: {lead[key]}")
            for delivery in lead["deliveries"]:
                lines.append(f"    delivery {delivery['id']} {delivery['channel']} to {delivery['target']}: "
                             f"{delivery['status']}")
                lines.extend(f"      attempt {_when(a['at'])} {a['outcome']}: {a['detail']}"
                             for a in delivery["attempts"])
    lines.append(f"Audit entries mentioning it: {len(person.audit)}")
    lines.extend(f"  {_when(e['at'])} {e['actor']} {e['action']}: {e['detail']}" for e in person.audit)
    lines.append(f"Emails in the outbox folder: {len(person.files)}")
    lines.extend(f"  {path}" for path in person.files)
    return lines


def _json_default(value: Any) -> Any:
    return str(value)


@click.command("find-person")
@click.argument("address")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@with_appcontext
def find_person_command(address: str, as_json: bool) -> None:
    """List everything held about an email address (requests, deliveries, spam, audit, outbox files)."""
    _refuse_unusable(address)
    person = find_person(current_app._get_current_object(), address)  # type: ignore[attr-defined]
    if as_json:
        click.echo(json.dumps(person.as_json(), indent=2, ensure_ascii=False, default=_json_default))
    else:
        click.echo("\n".join(describe(person)))


@click.command("forget-person")
@click.argument("address")
@click.option("--yes", is_flag=True, help="Erase without asking (required when not run interactively).")
@with_appcontext
def forget_person_command(address: str, yes: bool) -> None:
    """Erase everything held about an email address; the audit log keeps only a hash of it."""
    _refuse_unusable(address)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not yes:
        if not sys.stdin.isatty():
            click.echo("Error: add --yes to erase without a question.", err=True)
            sys.exit(2)
        click.confirm(f"Erase everything held about {address}? This can't be undone", abort=True)
    erasure = forget_person(app, address, CLI_ACTOR)
    click.echo(f"Erased {erasure.summary()}.")
    click.echo(f"Recorded in the audit log as {erasure.hash}. Copies already emailed or sent to a CRM "
               "are not reachable from here: erase them there too.")
