"""``flask rtr create-admin`` and ``remove-admin``: the ways in and out that need no web page."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from ..queries.accounts import OWNER, ROLES, LastAdminError, remove_admin
from ..queries.audit import record
from ..state import get_state
from .first_run import forget_token
from .passwords import AccountError, create_admin, normalise_username


def _read_password(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt="Type it again"))


@click.command("create-admin")
@click.argument("username")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (for scripts).")
@click.option("--email", default=None, help="Where password reset links go (the admin can set it later).")
@click.option("--role", type=click.Choice(ROLES), default=OWNER, show_default=True,
              help="owner: everything; staff: the inbox only.")
@with_appcontext
def create_admin_command(username: str, password_stdin: bool, email: str | None, role: str) -> None:
    """Create an admin who can sign in at /admin/."""
    store = get_state().store
    try:
        name = create_admin(store, username, _read_password(password_stdin), role=role, email=email)
    except AccountError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    forget_token(current_app._get_current_object())
    record(store, "command line", "admin.created", detail=f"{name} as {role}")
    click.echo(f"Created the admin '{name}' ({role}). Sign in at /admin/.")


@click.command("remove-admin")
@click.argument("username")
@with_appcontext
def remove_admin_command(username: str) -> None:
    """Remove an admin; every browser they are signed in on is signed out at once (never the last owner)."""
    store = get_state().store
    name = normalise_username(username)
    try:
        removed = remove_admin(store, name)
    except LastAdminError:
        click.echo(f"Error: '{name}' is the only owner; make another admin an owner first (on the Accounts page, "
                   "or flask rtr create-admin NAME), so someone can still run the accounts.", err=True)
        sys.exit(2)
    if not removed:
        click.echo(f"Error: there is no admin called '{name}'.", err=True)
        sys.exit(2)
    record(store, "command line", "admin.removed", detail=name)
    click.echo(f"Removed the admin '{name}' and signed them out everywhere.")
