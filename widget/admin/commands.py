"""``flask rtr create-admin``: the way in that needs no web page (password from a prompt or stdin)."""

from __future__ import annotations

import sys

import click
from flask import current_app

from ..cli import rtr
from ..extension import get_state
from .audit import record
from .first_run import forget_token
from .passwords import AccountError, create_admin


def _read_password(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt="Type it again"))


@rtr.command("create-admin")
@click.argument("username")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (for scripts).")
def create_admin_command(username: str, password_stdin: bool) -> None:
    """Create an admin who can sign in at /admin/."""
    store = get_state().store
    try:
        name = create_admin(store, username, _read_password(password_stdin))
    except AccountError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    forget_token(current_app._get_current_object())
    record(store, "command line", "admin.created", detail=name)
    click.echo(f"Created the admin '{name}'. Sign in at /admin/.")
