"""The outbox worker: claim due deliveries, hand each to its channel, record what happened.

Runs as threads inside the app (``RTR_WORKER=thread``, woken the moment a lead commits) or as its
own process (``flask rtr worker``). Several workers, in any number of processes, may run at once:
claims are leased, so no two send the same delivery at the same time.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
import uuid
from typing import Any

from flask import Flask

from .. import signals
from ..db import Store
from ..housekeeping import TASKS
from ..links import admin_lead_url
from ..routing import every_address
from ..state import DeliveryThreads, get_state
from . import queue
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


class Worker:
    """Delivery threads for one app, sharing one wake-up."""

    def __init__(self, app: Flask, threads: int | None = None) -> None:
        self.app = app
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.pid = os.getpid()
        self.threads = max(1, int(threads or app.config["RTR_WORKER_THREADS"]))
        self.stopping = threading.Event()
        self._wake = threading.Condition()
        self._generation = 0
        self._running: list[threading.Thread] = []
        self._last_maintenance: float | None = None

    @property
    def store(self) -> Store:
        return get_state(self.app).store

    def start(self) -> Worker:
        """Start the delivery threads (daemons: a crash mid-send is safe, the lease returns)."""
        for index in range(self.threads):
            thread = threading.Thread(target=self._loop, args=(index,), name=f"rtr-delivery-{index}", daemon=True)
            thread.start()
            self._running.append(thread)
        return self

    def wake(self) -> None:
        """Make idle threads look for due deliveries now."""
        with self._wake:
            self._generation += 1
            self._wake.notify_all()

    def stop(self, timeout: float | None = None) -> None:
        """Let each thread finish the delivery in hand, then end; wait for them."""
        self.stopping.set()
        self.wake()
        for thread in self._running:
            thread.join(timeout)

    @property
    def alive(self) -> bool:
        return any(thread.is_alive() for thread in self._running)

    def _loop(self, index: int) -> None:
        with self.app.app_context():
            while not self.stopping.is_set():
                generation = self._generation
                if index == 0:
                    self.maintain()
                try:
                    worked = self.run_once()
                except Exception:  # the database may be away for a moment; keep the thread alive
                    log.exception("The delivery worker hit an error; trying again shortly")
                    worked = False
                if not worked:
                    self._idle(generation)

    def _idle(self, generation: int) -> None:
        poll = float(self.app.config["RTR_WORKER_POLL_SECONDS"])
        try:
            due = queue.next_due(self.store)
        except Exception:  # same as above: wait a poll and look again
            due = None
        wait = poll if due is None else min(poll, max(0.005, due - time.time()))
        with self._wake:
            if generation == self._generation and not self.stopping.is_set():
                self._wake.wait(wait)

    def maintain(self, force: bool = False) -> None:
        """Run the periodic tasks when RTR_MAINTENANCE_SECONDS have passed since the last run."""
        now = time.monotonic()
        every = float(self.app.config["RTR_MAINTENANCE_SECONDS"])
        if not force and self._last_maintenance is not None and now - self._last_maintenance < every:
            return
        self._last_maintenance = now
        for task in TASKS:
            try:
                task(self.app)
            except Exception:  # one failing task must not stop the others or the deliveries
                log.exception("Periodic task %s failed", getattr(task, "__name__", task))

    def run_once(self) -> bool:
        """Claim and deliver one due delivery; return False when none was due."""
        lease = float(self.app.config["RTR_DELIVERY_LEASE"])
        claimed = queue.claim(self.store, self.id, lease, limit=1)
        for delivery in claimed:
            self.deliver(delivery)
        return bool(claimed)

    def deliver(self, delivery: dict[str, Any]) -> str:
        """Send one claimed delivery, record the attempt, then signal and alert; return the status."""
        job = queue.load_job(self.store, delivery)
        started = time.monotonic()
        outcome = _attempt(job) if job else Outcome("dead", "The lead or its widget no longer exists.")
        duration_ms = int((time.monotonic() - started) * 1000)
        schedule = list(self.app.config["RTR_RETRY_SCHEDULE"])
        status = queue.record(self.store, delivery, outcome, schedule, self.id, duration_ms)
        if job is not None and status != "stale":
            announce(self.app, job, outcome, status)
        return status


def _attempt(job: Job) -> Outcome:
    try:
        return dispatch(job)
    except Exception as error:  # a channel bug must cost a retry, not the worker
        # Type and place only: an exception's message or locals may carry lead contents.
        where = traceback.extract_tb(error.__traceback__)[-1]
        log.error("The %s channel raised %s at %s:%s while sending delivery %s", job.delivery["channel"],
                  type(error).__name__, where.filename, where.lineno, job.delivery["id"])
        return Outcome("retry", f"Internal error in the {job.delivery['channel']} channel ({type(error).__name__}).")


def announce(app: Flask, job: Job, outcome: Outcome, status: str) -> None:
    """Send the blinker signals, and one alert when the delivery is dead or the webhook disabled.

    An email saved as a file (no email server) is not delivered: it is announced as failed for good
    (``dead=True``: nothing retries it until someone sends it), and logged.
    """
    lead_id, widget_id, channel = job.lead["public_id"], job.widget.id, job.delivery["channel"]
    if status == "delivered":
        signals.send_safely(signals.lead_delivered, app, lead_id=lead_id, widget_id=widget_id, channel=channel)
        return
    final = status in ("dead", "disabled", "parked", "saved_to_file")
    signals.send_safely(signals.delivery_failed, app, lead_id=lead_id, widget_id=widget_id, channel=channel,
                        error=outcome.detail, dead=final)
    if status == "saved_to_file":  # an alert would be one more file: the log and the admin pages say it
        log.warning("Delivery %s (%s, widget %s) was saved as a file, not sent: no email server is set up",
                    job.delivery["id"], channel, widget_id)
    if status in ("dead", "disabled"):
        from .alerts import send_alert

        subject, body = alert_text(app, job, outcome, status)
        settings = job.widget.settings
        # A group practice may have no main list: then every service's and location's list hears.
        send_alert(app, subject, body, to=[settings.alert_email],
                   fallback_to=list(settings.notify_emails) or every_address(settings))


def alert_text(app: Flask, job: Job, outcome: Outcome, status: str) -> tuple[str, str]:
    """Return the alert's subject and body: widget, channel, error and a link; no lead contents."""
    channel, widget = job.delivery["channel"], job.widget
    link = admin_lead_url(app, job.lead["public_id"])
    if status == "disabled":
        subject = f"Webhook disabled for {widget.name}"
        what = ("The webhook endpoint answered 410 Gone, so it is switched off. New requests wait; press "
                "\"Turn the webhook back on\" on the widget's page, or save a new webhook address, to send them.")
    else:
        subject = f"A request for {widget.name} could not be delivered by {channel}"
        what = f"It was tried {job.attempt} times and will not be tried again unless you replay it."
    body = "\n".join([
        f"Widget: {widget.name} ({widget.id})",
        f"Channel: {channel}",
        f"Error: {outcome.detail}",
        "",
        what,
        "The request itself is stored safely. See it, and replay the delivery, here:",
        link,
        "",
        "Or replay every failed delivery from the command line: flask rtr retry",
    ])
    return subject, body


# Thread mode -------------------------------------------------------------------------------------

def register(app: Flask) -> None:
    """Wake (and in thread mode, lazily start) the worker whenever a lead is stored."""
    signals.lead_received.connect(_wake_on_lead, sender=app)
    if app.config["RTR_WORKER"] == "thread":
        # Started on the first request, not here: `flask run`'s reloader parent and one-off CLI
        # commands build the app too, and a fork after start-up (gunicorn --preload) loses threads.
        app.before_request(lambda: ensure_thread(app) and None)


def ensure_thread(app: Flask) -> DeliveryThreads:
    """Return this process's worker threads for app, starting them the first time."""
    state = get_state(app)
    with _START_LOCK:
        worker = state.worker
        if worker is None or worker.pid != os.getpid() or worker.stopping.is_set():
            worker = state.worker = Worker(app).start()
    return worker


def stop_thread(app: Flask, timeout: float | None = 10) -> None:
    """Stop the app's worker threads, if running (tests and shutdown hooks)."""
    state = get_state(app)
    worker, state.worker = state.worker, None
    if worker is not None:
        worker.stop(timeout)


def wake_worker(app: Flask) -> None:
    """Have the in-process worker look at the queue now rather than at its next poll (thread mode)."""
    if app.config["RTR_WORKER"] == "thread":
        ensure_thread(app).wake()


def _wake_on_lead(app: Flask, **_event: Any) -> None:
    wake_worker(app)


_START_LOCK = threading.Lock()
