"""A real webhook receiver on a loopback port: answers 200, 500, 503 + Retry-After, 410, 308 or hangs.

Every request is recorded (path, headers, body, when). With ``secrets`` set, the
``standardwebhooks`` package verifies each request's signature as it arrives (``verified``).
The receiver can be stopped and started again on the same port, to play an endpoint that is down
for a while.
"""

from __future__ import annotations

import json
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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet when a client drops a kept-alive connection (every webhook call does)."""


class Receiver:
    """``mode``: ``ok`` (200), ``error`` (500), ``busy`` (503 + Retry-After), ``gone`` (410),
    ``redirect`` (308 to REDIRECT_TARGET) or ``hang`` (no answer for ``hang_seconds``)."""

    def __init__(self, mode: str = "ok", retry_after: str = "1", hang_seconds: float = 30.0) -> None:
        self.mode = mode
        self.retry_after = retry_after
        self.hang_seconds = hang_seconds
        self.requests: list[Received] = []
        #: ``whsec_`` secrets that must each verify every request (empty: don't check).
        self.secrets: list[str] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.held = threading.Event()
        self._hold_next = False
        self._unhold = threading.Event()

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
        self._unhold.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)

    def hold_next(self) -> None:
        """Make the next request wait, unanswered, until ``release``; ``held`` is set once it arrives."""
        self.held.clear()
        self._unhold.clear()
        self._hold_next = True

    def release(self) -> None:
        self._unhold.set()

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
                receiver._answer(self)

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

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        mode = self.mode
        with self._lock:
            hold, self._hold_next = self._hold_next, False
        if hold:
            self.held.set()
            self._unhold.wait(30)
        if mode == "hang":
            self._release.wait(self.hang_seconds)
        status, headers = {
            "ok": (200, {}),
            "hang": (200, {}),
            "error": (500, {}),
            "busy": (503, {"Retry-After": self.retry_after}),
            "gone": (410, {}),
            "redirect": (308, {"Location": self.url(REDIRECT_TARGET)}),
        }[mode]
        body = b'{"ok": true}' if status == 200 else b'{"ok": false}'
        try:
            handler.send_response(status)
            for name, value in {**headers, "Content-Type": "application/json",
                                "Content-Length": str(len(body))}.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(body)
        except OSError:
            pass  # the client gave up (timeout) before the answer
