"""Store the senders' results together: one transaction for the results that are ready at once.

Group commit: a sender that hands over a result while another sender's transaction is running
waits for it to end, then stores everything that arrived meanwhile in one transaction
(``queue.record_many``), its own result and the other waiting senders' too. A sender goes on to its
next send only once its result is stored, so a crash can cost at most the sends in flight (sent
again, same webhook-id), as with one transaction per result.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy.exc import DBAPIError

from ..db import Store
from . import queue
from .base import Outcome


@dataclass(eq=False)
class _Ticket:
    delivery: dict[str, Any]
    outcome: Outcome
    duration_ms: int
    status: str | None = None
    error: BaseException | None = None
    done: bool = False


class Recorder:
    """Group-commit attempt results for one worker's senders."""

    def __init__(self, store: Store, app: Flask) -> None:
        self.store = store
        self.app = app
        self._turn = threading.Condition()
        self._pending: list[_Ticket] = []
        self._writing = False

    def record(self, delivery: dict[str, Any], outcome: Outcome, duration_ms: int) -> str:
        """Store one attempt's result (perhaps with others'); return its status as ``queue.record`` does."""
        mine = _Ticket(delivery, outcome, duration_ms)
        with self._turn:
            self._pending.append(mine)
            while self._writing and not mine.done:
                self._turn.wait()
            if not mine.done:
                self._writing = True
                batch, self._pending = self._pending, []
        if not mine.done:
            self._write(batch)
        if mine.error is not None:
            raise mine.error
        return str(mine.status)

    def _write(self, batch: list[_Ticket]) -> None:
        results = [(t.delivery, t.outcome, t.duration_ms) for t in batch]
        schedule = list(self.app.config["RTR_RETRY_SCHEDULE"])
        try:
            try:
                statuses = queue.record_many(self.store, results, schedule)
            except DBAPIError as error:
                if not error.connection_invalidated:
                    raise
                statuses = queue.record_many(self.store, results, schedule)  # once more, on a new connection
            for ticket, status in zip(batch, statuses, strict=True):
                ticket.status = status
        except Exception as error:  # each sender hears of it (and logs it) in its own thread
            for ticket in batch:
                ticket.error = error
        finally:
            with self._turn:
                for ticket in batch:
                    ticket.done = True
                self._writing = False
                self._turn.notify_all()
