"""Hand one job to its channel and turn anything it raises into a retry, never into a dead worker."""

from __future__ import annotations

import logging
import traceback

from .base import Job, Outcome

log = logging.getLogger("widget.delivery.worker")


def dispatch(job: Job) -> Outcome:
    """Send one delivery through its channel (the email module is imported only when needed)."""
    channel = job.delivery["channel"]
    if channel == "webhook":
        from . import webhook

        return webhook.send(job)
    from . import email

    if channel == "email":
        return email.send_lead(job)
    if channel == "confirmation":
        return email.send_confirmation(job)
    return Outcome("dead", f"Unknown delivery channel {channel!r}.")


def attempt(job: Job) -> Outcome:
    """Send the job and return what happened; a channel that raises costs a retry."""
    try:
        return dispatch(job)
    except Exception as error:  # a channel bug must cost a retry, not the worker
        # Type and place only: an exception's message or locals may carry lead contents.
        where = traceback.extract_tb(error.__traceback__)[-1]
        log.error("The %s channel raised %s at %s:%s while sending delivery %s", job.delivery["channel"],
                  type(error).__name__, where.filename, where.lineno, job.delivery["id"])
        return Outcome("retry", f"Internal error in the {job.delivery['channel']} channel ({type(error).__name__}).")
