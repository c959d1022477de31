"""A webhook receiver for benchmarks, run as its own process: fast, or a CRM that trickles its answer.

``fast`` answers 200 at once and keeps connections alive; one asyncio loop in its own process
answers thousands of requests a second, so it is never what a benchmark measures. ``trickle``
reads the request, then sends its response headers one byte every ``--trickle`` seconds: each
byte arrives before a per-read timeout longer than that fires, so only a total deadline stops it.

Every POST is recorded with its ``webhook-id``, arrival time, path, the lead's email from the body,
how many requests (this one included) were being answered at that moment (``at_once``), and its
``kind``: ``first`` for a new id; for an id seen before, ``in_flight`` when an earlier
request with it was still being answered (a lease expired mid-send), ``after_answer`` when an
earlier one got its whole 200 (a double send), ``after_abandoned`` when the sender gave up on the
earlier ones before their answer ended (a retry). ``GET /_arrivals`` returns them as JSON.

Run from the repository's root: ``python -m bench.rig.receiver --port N [--trickle SECONDS]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import requests

from .processes import BenchError, Child, Stack, free_port

OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}"
# No Content-Length: the (empty) body ends when the connection closes, so the answer is all headers.
TRICKLED = b"HTTP/1.1 200 OK\r\n\r\n"
STATS_PATH = "/_arrivals"


class Hooks(asyncio.Protocol):
    """One connection: parse HTTP/1.1 requests off the buffer, record each, answer."""

    def __init__(self, arrivals: list[list[Any]], in_flight: Counter[str], answered: set[str],
                 trickle: float | None) -> None:
        self.arrivals = arrivals
        self.in_flight = in_flight
        self.answered = answered
        self.answering: list[str] = []
        self.trickle = trickle
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.tasks: set[asyncio.Task[None]] = set()  # held so the loop does not drop a running dribble

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.finished()

    def kind(self, webhook_id: str) -> str:
        """Say how a request with this id relates to the earlier ones (see the module's docstring)."""
        if self.in_flight[webhook_id] > 0:
            return "in_flight"
        if webhook_id in self.answered:
            return "after_answer"
        return "after_abandoned" if webhook_id in self.in_flight else "first"

    def finished(self, answered: bool = False) -> None:
        """The answers on this connection are over: all sent (answered), or the client hung up."""
        for webhook_id in self.answering:
            self.in_flight[webhook_id] -= 1
            if answered:
                self.answered.add(webhook_id)
        self.answering.clear()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None and not self.transport.is_closing():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            if len(self.buffer) < end + 4 + length:
                return
            body = bytes(self.buffer[end + 4:end + 4 + length])
            del self.buffer[:end + 4 + length]
            method, path = [*lines[0].split(" "), "", ""][:2]
            self.answer(method, path, headers, body)

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        assert self.transport is not None
        if method == "GET" and path == STATS_PATH:
            payload = json.dumps(self.arrivals).encode()
            self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: %d\r\n\r\n" % len(payload) + payload)
            return
        if method == "POST":
            webhook_id = headers.get("webhook-id", "")
            at_once = sum(self.in_flight.values()) + 1
            self.arrivals.append([webhook_id, time.time(), path, _email(body), self.kind(webhook_id), at_once])
            self.in_flight[webhook_id] += 1
            self.answering.append(webhook_id)
        if self.trickle is not None:
            task = asyncio.ensure_future(self.dribble())
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        else:
            self.transport.write(OK)
            self.finished(answered=True)
            if headers.get("connection", "").lower() == "close":
                self.transport.close()

    async def dribble(self) -> None:
        """Send the answer a byte at a time, each within the client's per-read timeout, then close."""
        assert self.transport is not None and self.trickle is not None
        for index in range(len(TRICKLED)):
            if index:
                await asyncio.sleep(self.trickle)
            if self.transport.is_closing():
                return
            self.transport.write(TRICKLED[index:index + 1])
        self.finished(answered=True)
        self.transport.close()


def _email(body: bytes) -> str:
    try:
        return str(json.loads(body)["data"]["email"])
    except (ValueError, KeyError, TypeError):
        return ""


async def serve(port: int, trickle: float | None) -> None:
    arrivals: list[list[Any]] = []
    in_flight: Counter[str] = Counter()
    answered: set[str] = set()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Hooks(arrivals, in_flight, answered, trickle), "127.0.0.1", port,
                                      backlog=1024, reuse_address=True)
    async with server:
        await server.serve_forever()


@dataclass(frozen=True)
class Arrival:
    """One webhook POST the receiver got."""

    webhook_id: str
    at: float
    path: str
    email: str
    #: ``first``, ``in_flight``, ``after_answer`` or ``after_abandoned`` (see the module's docstring).
    kind: str
    #: Requests being answered when this one arrived, itself included.
    at_once: int


class HookReceiver:
    """A receiver process started on a stack: its URL and what arrived so far."""

    def __init__(self, stack: Stack, name: str, trickle: float | None = None) -> None:
        self.port = free_port()
        argv = [sys.executable, "-m", "bench.rig.receiver", "--port", str(self.port)]
        if trickle is not None:
            argv += ["--trickle", str(trickle)]
        self.child: Child = stack.start(name, argv)
        stack.wait_http(self.child, self.url(STATS_PATH))

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def arrivals(self) -> list[Arrival]:
        try:
            rows = requests.get(self.url(STATS_PATH), timeout=10).json()
        except requests.RequestException as error:
            raise BenchError(f"the webhook receiver {self.child.name} stopped answering ({error}):\n"
                             f"{self.child.tail()}") from None
        return [Arrival(*row) for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description="A webhook receiver for the benchmarks.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--trickle", type=float, default=None,
                        help="send the response one byte every this many seconds")
    options = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(options.port, options.trickle))


if __name__ == "__main__":
    main()
