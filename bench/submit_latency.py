"""Visitor submit latency with a fast and a hanging webhook receiver, and submit -> webhook received.

The app runs on a real loopback HTTP server with its delivery worker threads in-process; a real
receiver takes the webhooks. Each submission loads the frame for a fresh form token (not timed),
then POSTs the form (timed). Run: ``python bench/submit_latency.py [--submissions N]``.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
import warnings
from typing import Any

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.conftest import TOKEN_RE  # noqa: E402
from tests.support.receiver import Receiver  # noqa: E402
from tests.support.servers import ServerThread  # noqa: E402
from widget import create_app  # noqa: E402
from widget.delivery.worker import stop_thread  # noqa: E402
from widget.queries.widgets import create_widget  # noqa: E402
from widget.settings import WidgetSettings  # noqa: E402
from widget.state import get_state  # noqa: E402

WARMUP = 20
RATIO_TARGET = 1.2
RECEIVED_P50_TARGET_MS = 200.0


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile (share in 0..1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def build_app(folder: str, hook_url: str) -> tuple[Any, str]:
    app = create_app({
        "RTR_SECRET_KEY": "bench-secret", "RTR_DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
        "RTR_WORKER": "thread", "RTR_WEBHOOK_ALLOW_PRIVATE": True, "RTR_MIN_FORM_SECONDS": 0,
        "RTR_SUBMIT_LIMIT": "1000000 per minute", "RTR_WIDGET_SUBMIT_LIMIT": "1000000 per minute",
        "RTR_RETRY_SCHEDULE": [60], "RTR_WEBHOOK_TIMEOUT": 15,
    }, instance_path=folder)
    settings = WidgetSettings(practice_name="Bench Practice", webhook_url=hook_url)
    widget = create_widget(get_state(app).store, "Bench Practice", settings)
    return app, widget.id


def submit_many(base: str, widget_id: str, count: int, tag: str) -> tuple[list[float], dict[str, float]]:
    """Submit count leads; return the timed POST latencies (ms) and each email's submit start time."""
    session = requests.Session()
    latencies: list[float] = []
    started: dict[str, float] = {}
    for number in range(count + WARMUP):
        html = session.get(f"{base}/w/{widget_id}/frame").text
        match = TOKEN_RE.search(html)
        assert match, "the frame carries no form token"
        address = f"{tag}{number}@example.org"
        data = {"token": match.group(1), "name": "Bench Visitor", "email": address, "consent": "y"}
        begin_wall, begin = time.time(), time.perf_counter()
        response = session.post(f"{base}/w/{widget_id}/leads", data=data, headers={"Accept": "application/json"})
        elapsed = (time.perf_counter() - begin) * 1000
        if response.status_code != 201:
            raise SystemExit(f"submission {number} answered {response.status_code}: {response.text[:200]}")
        if number >= WARMUP:
            latencies.append(elapsed)
            started[address] = begin_wall
    return latencies, started


def received_latencies(receiver: Receiver, started: dict[str, float], timeout: float = 60) -> list[float]:
    """Wait for every webhook of the run; return submit -> received times (ms)."""
    deadline = time.monotonic() + timeout
    arrived: dict[str, float] = {}
    while time.monotonic() < deadline and len(arrived) < len(started):
        for request in receiver.received():
            address = request.json["data"]["email"]
            if address in started:
                arrived.setdefault(address, request.at)
        time.sleep(0.05)
    return [(arrived[a] - started[a]) * 1000 for a in started if a in arrived]


def row(label: str, values: list[float], target: str = "") -> str:
    return (f"| {label:<44} | {len(values):>5} | {statistics.median(values):>8.1f} | "
            f"{percentile(values, 0.99):>8.1f} | {target:<26} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=500, help="timed submissions per scenario (>= 500)")
    count = parser.parse_args().submissions
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder, Receiver(hang_seconds=10.0) as receiver:
        app, widget_id = build_app(folder, receiver.url())
        with ServerThread(app) as server:
            base = server.url()
            fast, started = submit_many(base, widget_id, count, "fast")
            to_receiver = received_latencies(receiver, started)
            receiver.mode = "hang"
            hanging, _ = submit_many(base, widget_id, count, "hang")
            stop_thread(app, timeout=0)
    ratio = percentile(hanging, 0.99) / percentile(fast, 0.99)
    p50_received = statistics.median(to_receiver)
    print(f"Submit latency over {count} submissions per scenario ({WARMUP} warm-up submissions not counted); "
          "times in ms")
    print("| scenario                                     |     n |      p50 |      p99 | target                     |")
    print("|----------------------------------------------|-------|----------|----------|----------------------------|")
    print(row("(a) visitor submit, fast receiver", fast))
    print(row("(b) visitor submit, receiver hangs 10 s", hanging, f"p99 (b)/(a) <= {RATIO_TARGET}"))
    print(row("submit -> webhook received, fast receiver", to_receiver,
              f"p50 <= {RECEIVED_P50_TARGET_MS:.0f} ms"))
    verdict = "met" if ratio <= RATIO_TARGET else "MISSED"
    print(f"p99 ratio (b)/(a) = {ratio:.2f} (target <= {RATIO_TARGET}: {verdict}); "
          f"submit -> received p50 = {p50_received:.1f} ms (target <= {RECEIVED_P50_TARGET_MS:.0f} ms: "
          f"{'met' if p50_received <= RECEIVED_P50_TARGET_MS else 'MISSED'}); webhooks received "
          f"{len(to_receiver)}/{count}")


if __name__ == "__main__":
    main()
