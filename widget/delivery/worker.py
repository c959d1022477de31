"""The outbox worker: claim due deliveries, hand each to its channel, record what happened.

Runs as threads inside the app (``RTR_WORKER=thread``, woken the moment a lead commits) or as its
own process (``flask rtr worker``). Several workers, in any number of processes, may run at once:
claims are leased, so no two send the same delivery at the same time. Every webhook attempt ends
within RTR_WEBHOOK_TIMEOUT (``deadline``), the lease outlasts it (checked at start-up, renewed
before a send that waited), and one endpoint gets at most RTR_ENDPOINT_CONCURRENCY threads.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask

from .. import signals
from ..db import worker_store
from ..housekeeping import TASKS
from ..links import admin_lead_url
from ..routing import every_address
from ..state import DeliveryThreads, get_state
from . import leases, queue
from .base import Job, Outcome
from .channels import attempt
from .holdings import Claimed, Holdings
from .recorder import Recorder

log = logging.getLogger("widget.delivery.worker")
#: Store one attempt's result (delivery, outcome, milliseconds) and return the delivery's status.
Recording = Callable[[dict[str, Any], Outcome, int], str]


class Worker:
    """One process's delivery threads: a claimer that leases due deliveries, senders that send them.

    The claimer (``rtr-claims``) also runs the periodic tasks; ``threads`` senders each send to an
    endpoint with room (``Holdings``) and hand the result to the ``Recorder``, which stores results
    in batches and announces them. ``run_once`` does it all in the calling thread, one at a time.
    """

    def __init__(self, app: Flask, threads: int | None = None) -> None:
        self.app = app
        self.id = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.pid = os.getpid()
        self.threads = max(1, int(threads or app.config["RTR_WORKER_THREADS"]))
        self.stopping = threading.Event()
        self.holdings = Holdings(self.threads, int(app.config["RTR_ENDPOINT_CONCURRENCY"]), on_room=self.wake)
        self.store = get_state(app).store
        self.recorder = Recorder(self.store, app)
        self._wake = threading.Condition()
        self._generation = 0
        self._claims = itertools.count(1)
        self._settings = leases.SettingsCache()
        self._running: list[threading.Thread] = []
        self._last_maintenance: float | None = None

    def start(self) -> Worker:
        """Start the claimer and the senders (daemons: a crash mid-send is safe, the lease ends)."""
        self.store = worker_store(self.store)
        self.recorder = Recorder(self.store, self.app)
        loops = [("rtr-claims", self._claim_loop)]
        loops += [(f"rtr-delivery-{index}", self._send_loop) for index in range(self.threads)]
        for name, loop in loops:
            thread = threading.Thread(target=loop, name=name, daemon=True)
            thread.start()
            self._running.append(thread)
        return self

    def wake(self) -> None:
        """Make the claimer look for due deliveries now."""
        with self._wake:
            self._generation += 1
            self._wake.notify_all()

    def stop(self, timeout: float | None = None) -> None:
        """Let each sender finish and store the delivery in hand; give back the claimed ones none took."""
        self.stopping.set()
        self.wake()
        left = self.holdings.stop()
        for thread in self._running:
            thread.join(timeout)
        left += self.holdings.stop()  # what the claimer added meanwhile
        if left:
            try:
                leases.release(self.store, [delivery for delivery, _job in left])
            except Exception:  # their leases end on their own
                log.exception("Could not give back %d claimed deliveries", len(left))
        if self.store is not get_state(self.app).store:
            self.store.engine.dispose()

    @property
    def alive(self) -> bool:
        return any(thread.is_alive() for thread in self._running)

    def lease_token(self) -> str:
        """Return a new claim's lease token: this worker's id and the claim's number."""
        return f"{self.id}/{next(self._claims)}"

    def _claim_loop(self) -> None:
        with self.app.app_context():
            while not self.stopping.is_set():
                generation = self._generation
                self.maintain()
                try:
                    claimed = self._claim()
                except Exception:  # the database may be away for a moment; keep the thread alive
                    log.exception("The delivery worker hit an error; trying again shortly")
                    claimed = 0
                if not claimed or not self.holdings.wanted():
                    self._idle(generation)

    def _claim(self) -> int:
        wanted = self.holdings.wanted()
        if not wanted:
            return 0
        claimed = leases.claim_jobs(self.store, self.lease_token(), float(self.app.config["RTR_DELIVERY_LEASE"]),
                                    self.holdings.pick, window=2 * wanted, skip=self.holdings.skip(),
                                    settings=self._settings)
        self.holdings.put(claimed)
        return len(claimed)

    def _send_loop(self) -> None:
        with self.app.app_context():
            while (item := self.holdings.take()) is not None:
                try:
                    self.deliver(item, record=self.recorder.record, sent=lambda taken=item: self.holdings.sent(taken))
                except Exception:  # storing the result failed: the lease ends and the delivery comes back
                    log.exception("The delivery worker hit an error; the delivery will be tried again")

    def _idle(self, generation: int) -> None:
        poll = float(self.app.config["RTR_WORKER_POLL_SECONDS"])
        try:
            due = leases.next_due(self.store, self.holdings.skip())
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
        """Claim, send and record one due delivery in this thread; return False when none was due."""
        claimed = leases.claim_jobs(self.store, self.lease_token(), float(self.app.config["RTR_DELIVERY_LEASE"]),
                                    lambda found: [found[0]["id"]], window=1, settings=self._settings)
        for item in claimed:
            self.deliver(item)
        return bool(claimed)

    def deliver(self, item: Claimed, record: Recording | None = None, sent: Callable[[], None] = lambda: None) -> str:
        """Send one claimed delivery, record the attempt, then signal and alert; return the status.

        ``sent`` runs as soon as the send is over; ``record`` stores the result (default: alone).
        """
        delivery, job = item
        try:
            result = self.send(delivery, job)
        finally:
            sent()
        if result is None:
            return "stale"
        outcome, duration_ms = result
        if record is None:
            schedule = list(self.app.config["RTR_RETRY_SCHEDULE"])
            status = queue.record(self.store, delivery, outcome, schedule, delivery["leased_by"], duration_ms)
        else:
            status = record(delivery, outcome, duration_ms)
        if job is not None and status != "stale":
            announce(self.app, job, outcome, status)
        return status

    def send(self, delivery: dict[str, Any], job: Job | None) -> tuple[Outcome, int] | None:
        """Send a claimed delivery and return (outcome, milliseconds), or None when its lease passed on.

        A send starts only while the lease outlasts it with room to store the result: one that
        waited long is renewed first, and one whose lease another claim took meanwhile is not sent.
        """
        lease, longest = float(self.app.config["RTR_DELIVERY_LEASE"]), float(self.app.config["RTR_WEBHOOK_TIMEOUT"])
        if delivery["lease_until"] - time.time() < 1.5 * longest and not leases.extend(self.store, delivery, lease):
            return None
        started = time.monotonic()
        outcome = attempt(job) if job else Outcome("dead", "The lead or its widget no longer exists.")
        return outcome, int((time.monotonic() - started) * 1000)


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
