"""Count the card as seen: the frame's beacon, gathered in memory and written in batches.

A view is the card seen, not the frame loaded: an inline card once at least half of it was on
screen (half the screen, for a card taller than that), a dialog's card once the dialog opened.
The frame's script watches that and then posts its form token (and the host page and UTM campaign
it was drawn for) here once. The token proves the frame was ours and names the view: a token counts
once per process however often it comes back. Counts wait in memory, bounded, and a thread writes
them every ``RTR_VIEW_FLUSH_SECONDS`` in one transaction, so a view costs the visitor no database
write. What a process still holds when it exits is written then.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref

from flask import Flask, current_app, jsonify, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from .db import Store
from .frame import secure
from .queries.page_stats import OVER_CAP, ViewKey, add_views, campaign_of, page_of
from .queries.stats import day_of
from .queries.widget_cache import widget_for_card
from .security import check_form_token
from .state import RTRState, get_state

log = logging.getLogger("widget.seen")

#: Page and campaign pairs held between two writes; views of further pairs wait in the ``*`` pair.
MAX_PENDING = 5_000
#: Tokens remembered as already counted (the oldest are forgotten first).
MAX_RECENT = 20_000


class ViewCounter:
    """Views reported in this process and not yet written, and the thread that writes them."""

    def __init__(self, store: Store, flush_seconds: float) -> None:
        self.store = store
        self.flush_seconds = flush_seconds
        self._reset()
        self._exit_hook = False

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._pending: dict[ViewKey, int] = {}
        self._recent: dict[str, None] = {}
        self._writer: threading.Thread | None = None

    @property
    def pending(self) -> int:
        """How many page and campaign pairs wait to be written."""
        return len(self._pending)

    def record(self, widget_id: str, nonce: str, page: str, campaign: str, now: float | None = None,
               zone_name: str = "") -> bool:
        """Count one view unless its token was counted already; False when it was."""
        if self._pid != os.getpid():  # a forked web worker starts with nothing of its parent's
            self._reset()
        key = ViewKey(widget_id, day_of(time.time() if now is None else now, zone_name), page, campaign)
        with self._lock:
            if nonce in self._recent:
                return False
            self._recent[nonce] = None
            if len(self._recent) > MAX_RECENT:
                del self._recent[next(iter(self._recent))]
            if key not in self._pending and len(self._pending) >= MAX_PENDING:
                key = key._replace(page=OVER_CAP, campaign=OVER_CAP)
            self._pending[key] = self._pending.get(key, 0) + 1
            if self._writer is None:
                self._start_writer()
        return True

    def flush(self) -> int:
        """Write every pending view now, in one transaction; return how many were written."""
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return 0
        try:
            add_views(self.store, pending)
        except SQLAlchemyError as error:
            # By kind only, like every database error here; the views wait for the next write.
            log.error("Could not write %d views: %s", sum(pending.values()), type(error).__name__)
            with self._lock:
                for key, views in pending.items():
                    self._pending[key] = self._pending.get(key, 0) + views
            return 0
        return sum(pending.values())

    def _start_writer(self) -> None:
        self._writer = threading.Thread(target=self._write_while_busy, name="rtr-views", daemon=True)
        self._writer.start()
        if not self._exit_hook:
            self._exit_hook = True
            atexit.register(_flush_at_exit, weakref.ref(self))

    def _write_while_busy(self) -> None:
        """Write every flush_seconds; end once a write leaves nothing (the next view starts another)."""
        while True:
            time.sleep(self.flush_seconds)
            try:
                self.flush()
            except Exception:  # a thread must not die with views in hand
                log.exception("Writing views failed")
            with self._lock:
                if not self._pending:
                    self._writer = None
                    return


def _flush_at_exit(counter_ref: weakref.ref[ViewCounter]) -> None:
    counter = counter_ref()
    if counter is not None and counter.pending and counter._pid == os.getpid():
        counter.flush()


def register(app: Flask, state: RTRState) -> None:
    """Give the app its view counter."""
    state.views = ViewCounter(state.store, float(app.config["RTR_VIEW_FLUSH_SECONDS"]))


def count_seen(widget_id: str) -> Response:
    """Take the frame's beacon: the card was seen. Answer 204 at once; the count is written later."""
    state = get_state()
    widget = widget_for_card(state.store, widget_id[:64], float(current_app.config["RTR_SETTINGS_FRESH_SECONDS"]))
    if widget is None:
        return _answer(jsonify(ok=False, errors={"widget": "There is no widget with this id."}), 404)
    check = check_form_token(request.form.get("token"), widget.id)
    if check.state not in ("ok", "too_young"):
        return _answer(jsonify(ok=False, errors={"token": "This view's token is unreadable or expired."}), 400)
    if state.views is None:
        raise RuntimeError("The view counter is not set up; did you forget to call init_app?")
    state.views.record(widget.id, check.nonce, page_of(request.form.get("page")),
                       campaign_of(request.form.get("campaign")), zone_name=widget.settings.time_zone)
    return _answer(current_app.response_class(status=204), 204)


def _answer(response: Response, status: int) -> Response:
    response.status_code = status
    return secure(response, None)
