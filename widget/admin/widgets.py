"""Widget pages: list, create, edit (with preview and snippets), duplicate and delete."""

from __future__ import annotations

from flask import render_template

from ..extension import get_state
from . import blueprint
from .auth import login_required


@blueprint.get("/")
@login_required
def widgets() -> str:
    """List every widget with its links."""
    return render_template("rtr/admin/widgets.html", widgets=get_state().store.list_widgets())
