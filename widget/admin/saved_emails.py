"""Emails saved as files while no email server was set up: the widgets list says so, and sends them later."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, redirect, url_for
from werkzeug.wrappers import Response

from ..delivery.queue import failed_ids, replay
from ..delivery.smtp_config import effective_smtp
from ..delivery.worker import wake_worker
from ..queries.audit import record
from ..queries.handling import count_saved_to_file
from ..state import get_state
from .auth import actor, login_required
from .blueprint import blueprint
from .forms import ActionForm
from .session import flash


@dataclass(frozen=True)
class EmailSetup:
    """Whether email can leave this server, and how many emails wait as files because it could not."""

    configured: bool
    saved: int


def email_setup(app: Flask) -> EmailSetup:
    """Return what the widgets list tells the admin about email."""
    return EmailSetup(effective_smtp(app).configured, count_saved_to_file(get_state(app).store))


@blueprint.post("/deliveries/send-saved")
@login_required
def send_saved() -> Response:
    """Send every email that was saved as a file, now that an email server is set up."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    store = get_state().store
    if not ActionForm().validate_on_submit():
        flash("That button had expired; press it again.", "error")
    elif not effective_smtp(app).configured:
        flash("Email is still not set up, so they would only be saved as files again.", "error")
    else:
        count = replay(store, failed_ids(store, statuses=("saved_to_file",)))
        wake_worker(app)
        record(store, actor(), "deliveries.sent_saved", f"{count} email(s) saved as files")
        flash(f"Sending {count} email{'s' if count != 1 else ''} now; each request's page shows how it went.",
              "success")
    return redirect(url_for("rtr_admin.widgets"))
