"""Send a webhook over a kept-alive connection to its checked address, within one total deadline.

Each endpoint (scheme, host, port) gets one pool of kept-alive connections pinned to its checked
address (``ssrf.pinned_pool``); its host is resolved and checked again at least every
``RECHECK_SECONDS``, and after any failure to connect, so a CRM that moves is followed and a name
re-pointed inside the network is refused. Every send runs under a ``deadline.limit``: connecting,
sending, and reading the whole answer (its body up to ``MAX_ANSWER_BYTES``) together take at most
the given seconds, however the receiver trickles.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import urllib3
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection

from .. import ssrf
from ..origins import split_url
from . import deadline

#: Resolve and check an endpoint's host again at least this often (seconds).
RECHECK_SECONDS = 60.0
#: Close an endpoint's connections after this long without a send (seconds).
IDLE_SECONDS = 120.0
#: Read at most this much of an answer's body; a longer one ends its connection instead.
MAX_ANSWER_BYTES = 64 * 1024
#: Kept-alive connections per endpoint (more may be open at once; the extra ones are not kept).
POOL_SIZE = 10


class Answer(NamedTuple):
    """The receiver's answer: status code and headers."""

    status: int
    headers: Mapping[str, str]


class SendError(Exception):
    """The request got no answer; the message says why, for the admin (never lead contents)."""


class DeadlineError(SendError):
    """The deadline passed before the answer's status line and headers were in."""


# Connections that put each socket they use under the thread's current deadline -------------------

class _Watched:
    _requests = 0  # sent on this connection since it was opened

    def _new_conn(self) -> Any:
        sock = super()._new_conn()  # type: ignore[misc]
        self._requests = 0
        running = deadline.current()
        if running is not None:
            running.watch(sock, duplicate=isinstance(self, HTTPSConnection))
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        running = deadline.current()
        if running is not None and self.sock is not None:  # type: ignore[attr-defined]
            running.reused = self._requests > 0
            running.watch(self.sock)  # type: ignore[attr-defined]
        super().request(*args, **kwargs)  # type: ignore[misc]
        self._requests += 1  # after: a plain HTTP connection opens (and resets the count) in there


class WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


# One kept-alive pool per endpoint -------------------------------------------------------------

Key = tuple[str, str, int, bool]


@dataclass(eq=False)
class Endpoint:
    """A checked endpoint and its pool; ``users`` counts the sends using it now."""

    key: Key | None
    target: ssrf.Target
    pool: HTTPConnectionPool
    checked_at: float
    used_at: float
    users: int = 0
    retired: bool = False


class Endpoints:
    """The process's endpoints (thread-safe; forgotten in a forked child)."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[Key, Endpoint] = {}

    @contextmanager
    def endpoint(self, url: str, allow_private: bool) -> Iterator[Endpoint]:
        """Yield the endpoint for url, checked within RECHECK_SECONDS; raise as ``ssrf.check_url`` does."""
        found = self._checkout(url, allow_private)
        try:
            yield found
        finally:
            with self._lock:
                found.users -= 1
                found.used_at = time.monotonic()
                if found.retired and not found.users:
                    found.pool.close()

    def discard(self, found: Endpoint) -> None:
        """Forget an endpoint that failed: the next send resolves and checks its host again, on new connections."""
        with self._lock:
            self._retire(found)

    def close(self) -> None:
        """Close every endpoint's connections (sends in progress finish first)."""
        with self._lock:
            for found in list(self._open.values()):
                self._retire(found)

    def _checkout(self, url: str, allow_private: bool) -> Endpoint:
        key = _key(url, allow_private)
        now = time.monotonic()
        with self._lock:
            self._close_idle(now)
            found = self._open.get(key) if key else None
            if found is not None and now - found.checked_at < RECHECK_SECONDS:
                found.users += 1
                return found
        target = ssrf.check_url(url, allow_private)  # outside the lock: resolving may take a while
        with self._lock:
            found = self._open.get(key) if key else None
            if found is not None and found.target.address == target.address:
                found.checked_at = now
            else:
                if found is not None:
                    self._retire(found)
                found = Endpoint(key, target, _pool(target), checked_at=now, used_at=now)
                if key:
                    self._open[key] = found
                else:
                    found.retired = True
            found.users += 1
            return found

    def _close_idle(self, now: float) -> None:
        for found in list(self._open.values()):
            if not found.users and now - found.used_at > IDLE_SECONDS:
                self._retire(found)

    def _retire(self, found: Endpoint) -> None:
        if found.key and self._open.get(found.key) is found:
            del self._open[found.key]
        found.retired = True
        if not found.users:
            found.pool.close()


def _key(url: str, allow_private: bool) -> Key | None:
    parts = split_url(url)
    if parts is None:
        return None  # check_url says what is wrong with it
    return parts.scheme, (parts.hostname or "").rstrip("."), parts.port or 0, allow_private


def _pool(target: ssrf.Target) -> HTTPConnectionPool:
    return ssrf.pinned_pool(target, POOL_SIZE, WatchedHTTPConnectionPool, WatchedHTTPSConnectionPool)


ENDPOINTS = Endpoints()


# Sending -----------------------------------------------------------------------------------------

def post(url: str, body: bytes, headers: Mapping[str, str], seconds: float, allow_private: bool) -> Answer:
    """POST body to url and return the answer, all within ``seconds``.

    Raises ``ssrf.UnsafeURLError`` or ``ssrf.ResolveError`` for the address, ``DeadlineError`` when
    the deadline passes before the answer's headers, and ``SendError`` when there is no answer. A
    kept-alive connection the receiver closed before answering is tried once more on a new one.
    """
    with deadline.limit(seconds) as limit:
        for last_try in (False, True):
            with ENDPOINTS.endpoint(url, allow_private) as found:
                try:
                    return _exchange(found.pool, _path(url), body, {**headers, "Host": found.target.host_header},
                                     limit)
                except (urllib3.exceptions.HTTPError, OSError) as error:
                    if limit.expired or _timed_out(error):
                        raise DeadlineError(f"No answer within {seconds:g} s.") from None
                    ENDPOINTS.discard(found)  # its other kept-alive connections likely went the same way
                    closed_unanswered = isinstance(error, urllib3.exceptions.ProtocolError) and limit.reused
                    if last_try or not closed_unanswered:
                        raise SendError(_failure(error)) from None
                    limit.reused = False
    raise AssertionError("unreachable")  # pragma: no cover


def _exchange(pool: HTTPConnectionPool, path: str, body: bytes, headers: dict[str, str],
              limit: deadline.Deadline) -> Answer:
    wait = max(limit.remaining(), 0.001)
    response = pool.urlopen("POST", path, body=body, headers=headers, redirect=False, retries=False,
                            timeout=urllib3.Timeout(connect=wait, read=wait), preload_content=False,
                            assert_same_host=False)
    # The status has arrived and decides. The body is read (within the deadline, up to a limit) only
    # so the connection can carry the next send; one cut short or too long ends the connection.
    try:
        received = 0
        while chunk := response.read(min(16 * 1024, MAX_ANSWER_BYTES + 1 - received), decode_content=False):
            received += len(chunk)
            if received > MAX_ANSWER_BYTES:
                response.close()
                break
    except (urllib3.exceptions.HTTPError, OSError):
        response.close()
    finally:
        response.release_conn()
    return Answer(response.status, response.headers)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _timed_out(error: Exception) -> bool:
    # urllib3 counts a refused connection as a kind of connect timeout; it is not one here.
    timeouts = (urllib3.exceptions.TimeoutError, TimeoutError)
    return isinstance(error, timeouts) and not isinstance(error, urllib3.exceptions.NewConnectionError)


def _failure(error: Exception) -> str:
    connecting = (urllib3.exceptions.ProtocolError, urllib3.exceptions.NewConnectionError,
                  urllib3.exceptions.SSLError, OSError)
    if isinstance(error, connecting):
        return f"Could not connect ({_reason(error)})."
    return f"The request failed ({type(error).__name__})."


def _reason(error: Exception) -> str:
    text = str(error)
    for found, reason in (("Connection refused", "connection refused"), ("Connection reset", "connection reset"),
                          ("Name or service not known", "name or service not known"),
                          ("without response", "closed without an answer"),
                          ("certificate verify", "certificate verify"),
                          ("doesn't match", "the certificate is for another name")):
        if found in text:
            return reason
    return type(error).__name__
