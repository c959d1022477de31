"""What the worker hands a channel, and what a channel answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..models import Widget

#: ``saved_to_file``: no email server is set up, so the email was written to instance/outbox instead.
#: It is not delivered: it waits until email is set up and someone sends it.
Status = Literal["delivered", "retry", "dead", "disabled", "saved_to_file"]


@dataclass(frozen=True)
class Job:
    """One claimed delivery with its lead and widget (the worker runs inside an app context)."""

    delivery: dict[str, Any]
    lead: dict[str, Any]
    widget: Widget

    @property
    def attempt(self) -> int:
        """1 for the first try."""
        return int(self.delivery["attempts"]) + 1


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to. ``detail`` is shown to the admin: never lead contents."""

    status: Status
    detail: str
    retry_after: float | None = None
