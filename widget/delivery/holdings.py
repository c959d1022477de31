"""What one worker process holds: claimed deliveries waiting for a thread, and its sends per endpoint.

An endpoint is where a send goes: a webhook's ``scheme://host:port``, or the email server (one for
every email). At most ``cap`` sends to one endpoint run at once, so a receiver that answers slowly
holds at most that many threads and the others go on with other endpoints. A worker claims ahead
(up to ``PREFETCH`` deliveries per thread it may use for an endpoint) so it claims in batches, and
claims fairly: endpoints take turns within a claim, and an endpoint holding half its share or more
is left out of the next claim (by the widget and channel its deliveries were seen with), so one
endpoint's backlog can't crowd the others out.
"""

from __future__ import annotations

import functools
import threading
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from ..origins import origin_of
from .base import Job
from .leases import Pair

#: Deliveries a worker may hold claimed per thread it may use for an endpoint (sending or waiting).
PREFETCH = 8
Claimed = tuple[dict[str, Any], Job | None]


def endpoint_of(delivery: dict[str, Any]) -> str:
    """Return where a delivery is sent: the webhook's origin, or ``email`` for the email server."""
    return _webhook_endpoint(str(delivery["target"])) if delivery["channel"] == "webhook" else "email"


@functools.lru_cache(maxsize=1024)
def _webhook_endpoint(url: str) -> str:
    return origin_of(url) or url


class Holdings:
    """Claimed deliveries and sends in progress, shared by one worker's threads."""

    def __init__(self, threads: int, cap: int, on_room: Callable[[], None]) -> None:
        self.cap = max(1, min(cap, threads))
        self.per_endpoint = self.cap * PREFETCH
        self.total = threads * PREFETCH
        self._on_room = on_room
        self._changed = threading.Condition()
        self._ready: deque[Claimed] = deque()
        self._held: Counter[str] = Counter()
        self._sending: Counter[str] = Counter()
        self._pairs: dict[Pair, str] = {}
        self._stopped = False

    # The claiming side ----------------------------------------------------------------------------

    def wanted(self) -> int:
        """Return how many more deliveries the worker may claim now."""
        with self._changed:
            return max(0, self.total - sum(self._held.values()))

    def skip(self) -> list[Pair]:
        """Return the (widget, channel) pairs whose endpoint holds half its share or more."""
        with self._changed:
            full = {endpoint for endpoint, held in self._held.items() if held * 2 >= self.per_endpoint}
            return [pair for pair, endpoint in self._pairs.items() if endpoint in full]

    def pick(self, found: list[dict[str, Any]]) -> list[int]:
        """Choose among claimable deliveries (in due order): endpoints in turn, each up to its room."""
        waiting: dict[str, deque[int]] = {}
        with self._changed:
            for delivery in found:
                endpoint = endpoint_of(delivery)
                self._pairs[(delivery["widget_id"], delivery["channel"])] = endpoint
                waiting.setdefault(endpoint, deque()).append(delivery["id"])
            room = {endpoint: self.per_endpoint - self._held[endpoint] for endpoint in waiting}
            wanted = self.total - sum(self._held.values())
        chosen: list[int] = []
        while waiting and len(chosen) < wanted:
            for endpoint in list(waiting):
                if room[endpoint] <= 0 or not waiting[endpoint]:
                    del waiting[endpoint]
                    continue
                chosen.append(waiting[endpoint].popleft())
                room[endpoint] -= 1
                if len(chosen) == wanted:
                    break
        return chosen

    def put(self, claimed: list[Claimed]) -> None:
        """Add freshly claimed deliveries for the threads to take."""
        with self._changed:
            for item in claimed:
                self._held[endpoint_of(item[0])] += 1
                self._ready.append(item)
            self._changed.notify(len(claimed))

    # The sending side -----------------------------------------------------------------------------

    def take(self) -> Claimed | None:
        """Wait for a claimed delivery whose endpoint has room for one more send; None once stopped."""
        with self._changed:
            while not self._stopped:
                for item in self._ready:
                    endpoint = endpoint_of(item[0])
                    if self._sending[endpoint] < self.cap:
                        self._ready.remove(item)
                        self._sending[endpoint] += 1
                        return item
                self._changed.wait()
        return None

    def sent(self, item: Claimed) -> None:
        """Free the send's place; wake a thread for its endpoint, and the claimer when there is room."""
        endpoint = endpoint_of(item[0])
        with self._changed:
            self._sending[endpoint] -= 1
            self._held[endpoint] -= 1
            held, total = self._held[endpoint], sum(self._held.values())
            if not held:
                del self._held[endpoint], self._sending[endpoint]
            if any(endpoint_of(waiting[0]) == endpoint for waiting in self._ready):
                self._changed.notify()
        # Worth claiming again once the endpoint just fell below half its share, or the whole worker did
        # while this endpoint is not left out anyway.
        below_half = held * 2 < self.per_endpoint
        if _fell_below_half(held, self.per_endpoint) or (below_half and _fell_below_half(total, self.total)):
            self._on_room()

    def stop(self) -> list[Claimed]:
        """Stop handing out deliveries; return the claimed ones no thread took."""
        with self._changed:
            self._stopped = True
            left, self._ready = list(self._ready), deque()
            self._changed.notify_all()
        return left


def _fell_below_half(count: int, share: int) -> bool:
    return (count + 1) * 2 >= share > count * 2
