"""Bound the memory that password hashing takes at once in this process, so a login flood can't exhaust it.

Memory-hard hashes are meant to be expensive: 30 concurrent scrypt checks took 3.9 GiB. Each hash
reserves its memory from one budget per process first; a login that can't get it within a short
wait is answered "too many attempts" instead of queueing without end.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class HashingBusyError(Exception):
    """The hashing budget stayed taken for the whole wait; try again in a moment."""


class MemoryBudget:
    """A counting semaphore measured in MiB, so a bigger legacy hash takes a bigger share."""

    def __init__(self, mib: int) -> None:
        self.total = mib
        self.free = mib
        self._changed = threading.Condition()

    @contextmanager
    def reserve(self, mib: int, wait: float | None) -> Iterator[None]:
        """Hold ``mib`` of the budget while the block runs; raise HashingBusyError after ``wait`` s (None: never)."""
        mib = max(1, min(mib, self.total))
        with self._changed:
            if not self._changed.wait_for(lambda: self.free >= mib, timeout=wait):
                raise HashingBusyError()
            self.free -= mib
        try:
            yield
        finally:
            with self._changed:
                self.free += mib
                self._changed.notify_all()


#: Two argon2id hashes at 64 MiB, or one legacy scrypt hash at 128 MiB, at a time per process.
BUDGET = MemoryBudget(128)
