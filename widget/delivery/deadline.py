"""One total deadline per delivery attempt, from connecting to the last byte of the answer.

A socket timeout bounds each read, not the whole exchange: a receiver that trickles its answer a
byte at a time holds a send as long as it likes. So each attempt runs under a ``Deadline``, and one
watchdog thread per process shuts the attempt's connections down when the deadline passes; the
read in progress then fails at once and the attempt ends. The transport registers each socket it
uses with the thread's current deadline (``current()``); a new socket about to be wrapped in TLS
(which detaches its first handle) through a duplicate handle, so it is reachable all along.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class Deadline:
    """One attempt's end, and the connections to cut when it comes."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = False
        self.done = False
        #: Whether a request went out on a kept-alive connection (set by the transport).
        self.reused = False
        self._lock = threading.Lock()
        self._handles: list[socket.socket] = []
        self._owned: list[socket.socket] = []

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def watch(self, sock: socket.socket, duplicate: bool = False) -> None:
        """Cut sock's connection when the deadline passes (at once, when it has passed).

        ``duplicate`` for a socket about to be wrapped in TLS, which detaches it: the watch then
        holds its own handle on the same connection.
        """
        handle = socket.socket(sock.family, sock.type, sock.proto, fileno=os.dup(sock.fileno())) if duplicate else sock
        with self._lock:
            if self.done:
                if duplicate:
                    handle.close()
                return
            self._handles.append(handle)
            if duplicate:
                self._owned.append(handle)
            if self.expired:
                _cut(handle)

    def expire(self) -> None:
        """Cut every watched connection (the watchdog calls this when the deadline passes)."""
        with self._lock:
            if self.done:
                return
            self.expired = True
            for handle in self._handles:
                _cut(handle)

    def close(self) -> None:
        """End the watch: the attempt is over; its kept-alive connections stay usable."""
        with self._lock:
            self.done = True
            self._handles, owned, self._owned = [], self._owned, []
        for handle in owned:
            handle.close()


def _cut(handle: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed, by either side
        socket.socket.shutdown(handle, socket.SHUT_RDWR)  # not SSLSocket's: no TLS goodbye, just the cut


class _Watchdog:
    """The thread that expires deadlines as they pass (one per process, started on first use)."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._ready = threading.Condition()
        self._heap: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, deadline: Deadline) -> None:
        with self._ready:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="rtr-deadlines", daemon=True)
                self._thread.start()
            heapq.heappush(self._heap, (deadline.at, next(self._order), deadline))
            if self._heap[0][2] is deadline:
                self._ready.notify()

    def _run(self) -> None:
        while True:
            due: list[Deadline] = []
            with self._ready:
                now = time.monotonic()
                while self._heap and (self._heap[0][0] <= now or self._heap[0][2].done):
                    due.append(heapq.heappop(self._heap)[2])
                if not due:
                    self._ready.wait(self._heap[0][0] - now if self._heap else None)
            for deadline in due:
                deadline.expire()


_WATCHDOG = _Watchdog()
_local = threading.local()


@contextmanager
def limit(seconds: float) -> Iterator[Deadline]:
    """Run the block as one attempt that must end within ``seconds``; yield its Deadline."""
    deadline = Deadline(seconds)
    _WATCHDOG.arm(deadline)
    _local.deadline = deadline
    try:
        yield deadline
    finally:
        _local.deadline = None
        deadline.close()


def current() -> Deadline | None:
    """Return the deadline of the attempt this thread is in, if any."""
    return getattr(_local, "deadline", None)
