"""A practice's time zone: which one applies, and every moment written in it.

A widget names an IANA zone (``America/Chicago``) in its settings, or leaves it empty to follow
the installation's ``RTR_TIME_ZONE``. Times are stored as epoch seconds (UTC) and only turned
into local time here: the admin's ``2026-03-08 03:30 CDT``, the CSV's ISO 8601 with its offset,
the day a view is counted under, and the start of a day the inbox filters on.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import current_app, has_app_context

DEFAULT_ZONE = "UTC"


@cache
def zone_names() -> tuple[str, ...]:
    """Return every IANA zone name this machine knows, sorted (``UTC`` first, as the usual default)."""
    names = {name for name in available_timezones() if "/" in name and not name.startswith(("Etc/", "SystemV/"))}
    return (DEFAULT_ZONE, *sorted(names))


def is_zone(name: object) -> bool:
    """Tell whether name is an IANA zone name this machine knows."""
    if not isinstance(name, str) or not name or name != name.strip() or ".." in name or name.startswith("/"):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def installation_zone() -> str:
    """Return the installation's default zone name (``RTR_TIME_ZONE``; UTC outside an app)."""
    return str(current_app.config.get("RTR_TIME_ZONE") or DEFAULT_ZONE) if has_app_context() else DEFAULT_ZONE


def zone(name: str | None = None) -> ZoneInfo:
    """Return the zone called name, or the installation's when name is empty."""
    return ZoneInfo(name or installation_zone())


def local(epoch: float, name: str | None = None) -> dt.datetime:
    """Return a moment as an aware datetime in the zone called name (the installation's if empty)."""
    return dt.datetime.fromtimestamp(epoch, tz=zone(name))


def admin_time(epoch: float | None, name: str | None = None) -> str:
    """Return a moment as the admin pages write it: ``2026-11-28 09:05 EST``."""
    return local(epoch, name).strftime("%Y-%m-%d %H:%M %Z") if epoch else ""


def iso_time(epoch: float | None, name: str | None = None) -> str:
    """Return a moment as ISO 8601 with its offset: ``2026-11-28T09:05:00-05:00``."""
    return local(epoch, name).isoformat(timespec="seconds") if epoch else ""


def local_day(epoch: float, name: str | None = None) -> dt.date:
    """Return the calendar day a moment falls on in the zone."""
    return local(epoch, name).date()


def day_start(day: dt.date, name: str | None = None) -> float:
    """Return the epoch seconds at which day begins in the zone (23 or 25 hours before the next one)."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=zone(name)).timestamp()
