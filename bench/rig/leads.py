"""Send consultation requests the way a visitor's browser does: load the frame, post its form."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from .processes import BenchError

TOKEN = re.compile(r'name="token"[^>]*value="([^"]+)"')
_local = threading.local()


def _session() -> requests.Session:
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


def submit(base: str, widget_id: str, email: str) -> float:
    """Load the frame for a form token, post a request with it and return when the POST began.

    The app must run with RTR_MIN_FORM_SECONDS=0 (no time trap) and submission limits a bench
    can't reach; anything but 201 stops the bench.
    """
    session = _session()
    page = session.get(f"{base}/w/{widget_id}/frame", timeout=30)
    match = TOKEN.search(page.text)
    if page.status_code != 200 or not match:
        raise BenchError(f"the frame of {widget_id} answered {page.status_code} without a form token")
    form = {"token": match.group(1), "name": "Bench Visitor", "email": email, "consent": "y"}
    began = time.time()
    answer = session.post(f"{base}/w/{widget_id}/leads", data=form, headers={"Accept": "application/json"},
                          timeout=30)
    if answer.status_code != 201:
        raise BenchError(f"a submission to {widget_id} answered {answer.status_code}: {answer.text[:200]}")
    return began


def submit_many(base: str, widget_id: str, emails: list[str], clients: int = 6) -> dict[str, float]:
    """Submit one request per email from several clients at once; return each email's submit time."""
    with ThreadPoolExecutor(clients) as pool:
        times = list(pool.map(lambda email: submit(base, widget_id, email), emails))
    return dict(zip(emails, times, strict=True))
