"""A real webhook receiver on a loopback port: answers 200, 500, 503 + Retry-After, 410, 308, hangs or trickles.

Every request is recorded (path, headers, body, when), and when its answer ended and whether it
was whole (``exchanges``), so a test can tell a webhook-id sent again while an earlier send was
still in flight, or after it got its 200 (``double_sends``). With ``secrets`` set, the
``standardwebhooks`` package verifies each request's signature as it arrives (``verified``).
Connections are kept alive, as a CRM's are. The receiver can be stopped (dropping its open
connections) and started again on the same port, to play an endpoint that is down for a while.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

REDIRECT_TARGET = "/redirect-target"


@dataclass(frozen=True)
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    #: Whether every one of the receiver's ``secrets`` verified the signature (None: none were set).
    verified: bool | None = None

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")


@dataclass(frozen=True)
class Exchange:
    """One request's life: when it arrived, when its answer ended, and whether all of it was sent."""

    webhook_id: str
    began: float
    ended: float
    whole: bool


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connections: set[socket.socket] = set()
        self.accepted = 0

    def process_request(self, request: Any, client_address: Any) -> None:
        self.connections.add(request)
        self.accepted += 1
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Cut every open connection, kept-alive ones included (a server going down does)."""
        for connection in list(self.connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client drops a kept-alive connection, or gives up on a trickled answer."""


class Receiver:
    """``mode``: ``ok`` (200), ``error`` (500), ``busy`` (503 + Retry-After), ``gone`` (410),
    ``redirect`` (308 to REDIRECT_TARGET), ``hang`` (no answer for ``hang_seconds``), ``trickle``
    (a 200 whose status line and headers come one byte every ``trickle_seconds``) or
    ``trickle_body`` (the headers at once, then the body a byte at a time) or ``close`` (hang up with
    no answer). ``answers`` lists the
    modes of the next requests, in order, before ``mode`` applies again."""

    def __init__(self, mode: str = "ok", retry_after: str = "1", hang_seconds: float = 30.0,
                 trickle_seconds: float = 0.1) -> None:
        self.mode = mode
        self.answers: list[str] = []
        self.retry_after = retry_after
        self.hang_seconds = hang_seconds
        self.trickle_seconds = trickle_seconds
        self.requests: list[Received] = []
        self.exchanges: list[Exchange] = []
        #: ``whsec_`` secrets that must each verify every request (empty: don't check).
        self.secrets: list[str] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.held = threading.Event()
        #: Connections accepted so far (over every start).
        self.connections_opened = 0
        self._to_hold = 0
        self._hold_past: int | None = None
        self._gates: list[threading.Event] = []

    # Life cycle ------------------------------------------------------------------------------

    def start(self) -> Receiver:
        """Listen (on the same port as before, after a stop)."""
        self._release.clear()
        self._server = _Server(("127.0.0.1", self.port), self._handler())
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused until ``start`` again."""
        self._release.set()
        with self._lock:
            for gate in self._gates:
                gate.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server.drop_connections()
            self.connections_opened += self._server.accepted
            self._server = None
        if self._thread is not None:
            self._thread.join(5)

    def hold_next(self, count: int = 1) -> None:
        """Make the next ``count`` requests wait, unanswered, each until ``release``; ``held`` is set once
        one arrives."""
        with self._lock:
            self.held.clear()
            self._to_hold = count

    def hold_past(self, count: int) -> None:
        """Make the first request that arrives after ``count`` were received wait, as ``hold_next`` does.

        Unlike ``hold_next`` called once ``count`` arrived, no request can slip past unheld meanwhile.
        """
        with self._lock:
            self.held.clear()
            self._hold_past = count

    def release(self) -> None:
        """Let the longest-held request have its answer."""
        with self._lock:
            waiting = [gate for gate in self._gates if not gate.is_set()]
            if waiting:
                waiting[0].set()

    def holding(self) -> int:
        """Return how many requests are waiting for ``release`` now."""
        with self._lock:
            return sum(1 for gate in self._gates if not gate.is_set())

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    # What arrived ------------------------------------------------------------------------------

    def received(self, path: str | None = "/hook") -> list[Received]:
        with self._lock:
            return [r for r in self.requests if path is None or r.path == path]

    def opened(self) -> int:
        """Return how many connections clients opened to this receiver so far."""
        return self.connections_opened + (self._server.accepted if self._server is not None else 0)

    def most_at_once(self) -> int:
        """Return the most requests that were being answered at the same time."""
        with self._lock:
            spans = [(e.began, e.ended) for e in self.exchanges]
        return max((sum(1 for began, ended in spans if began <= at < ended) for at, _ in spans), default=0)

    def double_sends(self) -> list[Exchange]:
        """Return the requests whose webhook-id was in flight in an earlier request, or already answered whole."""
        with self._lock:
            done = list(self.exchanges)
        return [later for later in done if any(
            earlier.webhook_id == later.webhook_id and earlier.began < later.began
            and (earlier.ended > later.began or earlier.whole) for earlier in done)]

    def wait_for(self, count: int, timeout: float = 10.0, path: str | None = "/hook") -> list[Received]:
        """Wait until ``count`` requests arrived at path (or the timeout passed); return them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.received(path)) < count:
            time.sleep(0.01)
        return self.received(path)

    # The handler -------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                record = Received(self.path, headers, body, time.time(), receiver.verify(body, headers))
                with receiver._lock:
                    receiver.requests.append(record)
                whole = receiver._answer(self)
                with receiver._lock:
                    receiver.exchanges.append(Exchange(record.webhook_id, record.at, time.time(), whole))

            do_GET = do_POST  # noqa: N815 - a followed redirect would arrive as GET or POST

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def verify(self, body: bytes, headers: dict[str, str]) -> bool | None:
        """Return whether every secret in ``secrets`` verifies the request (None when there are none)."""
        if not self.secrets:
            return None
        try:
            for secret in self.secrets:
                Webhook(secret).verify(body, headers)
        except WebhookVerificationError:
            return False
        return True

    def _answer(self, handler: BaseHTTPRequestHandler) -> bool:
        """Answer as the mode says; return whether the whole answer was sent."""
        with self._lock:
            mode = self.answers.pop(0) if self.answers else self.mode
            gate = None
            past = self._hold_past is not None and len(self.requests) > self._hold_past
            if self._to_hold or past:
                if past:
                    self._hold_past = None
                else:
                    self._to_hold -= 1
                gate = threading.Event()
                self._gates.append(gate)
        if gate is not None:
            self.held.set()
            gate.wait(30)
        if mode == "close":
            handler.close_connection = True  # hang up without a word, as a server dropping an idle connection
            return False
        if mode == "hang":
            self._release.wait(self.hang_seconds)
        status, headers = {
            "ok": (200, {}),
            "hang": (200, {}),
            "trickle": (200, {}),
            "trickle_body": (200, {}),
            "error": (500, {}),
            "busy": (503, {"Retry-After": self.retry_after}),
            "gone": (410, {}),
            "redirect": (308, {"Location": self.url(REDIRECT_TARGET)}),
        }[mode]
        body = b'{"ok": true}' if status == 200 else b'{"ok": false}'
        head = f"HTTP/1.1 {status} {handler.responses[status][0]}\r\n".encode()
        for name, value in {**headers, "Content-Type": "application/json", "Content-Length": str(len(body))}.items():
            head += f"{name}: {value}\r\n".encode()
        head += b"\r\n"
        try:
            if mode == "trickle":
                self._trickle(handler, head)
                handler.wfile.write(body)
            elif mode == "trickle_body":
                handler.wfile.write(head)
                self._trickle(handler, body)
            else:
                handler.wfile.write(head + body)
            handler.wfile.flush()
        except OSError:
            handler.close_connection = True
            return False  # the client gave up (timeout) before the whole answer
        return True

    def _trickle(self, handler: BaseHTTPRequestHandler, data: bytes) -> None:
        """Write data a byte at a time, ``trickle_seconds`` apart (each byte beats a per-read timeout).

        Between bytes it watches the connection, so a client that gives up is noticed at once.
        """
        for index in range(len(data)):
            if index and select.select([handler.connection], [], [], self.trickle_seconds)[0]:
                raise ConnectionAbortedError  # the client sends nothing while it waits: it hung up
            if self._release.is_set():
                raise ConnectionAbortedError
            handler.wfile.write(data[index:index + 1])
            handler.wfile.flush()
