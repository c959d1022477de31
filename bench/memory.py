"""Memory of one web process after 10k frame views, and its growth over the next 10k (issue 11.5).

One gunicorn sync worker (``-w 1``) serves the standalone app on SQLite with the demo widget
(``RTR_WORKER=off``, as in production). Two clients ask for the frame as embed.js does, varying
what varies on real sites: the blog post (``page``, a new one every view), the mode, the language
and the theme; then, as the frame's script does once the card is seen, each posts the view's beacon
(its form token, the post and a campaign), so the views waiting to be written are held too. The
worker's RSS is read with psutil after a warm-up, after 10k and after 20k views.

Run: ``.venv/bin/python bench/memory.py [--views 10000]``.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import re
import sys
import threading
from html import unescape
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.rig.apps import WIDGET_APP, app_env, flask_cli, gunicorn
from bench.rig.processes import BenchError, Child, Stack, need_module, run
from bench.rig.table import machine_load, print_table, verdict

RSS_TARGET_MB = 120.0
GROWTH_TOLERANCE_MB = 2.0  # "no growth": allocator noise, not a leak
WARMUP_VIEWS = 300
CLIENTS = 2
MODES = ("inline", "button", "popup")
TOKEN = re.compile(r'name="token" type="hidden" value="([^"]+)"')


def frame_path(number: int) -> str:
    """Return the frame URL embed.js would load for view ``number`` (each on its own blog post)."""
    query = {"mode": MODES[number % 3], "origin": "https://practice.example", "instance": "demo",
             "page": f"https://practice.example/blog/post-{number}"}
    if number % 2:
        query["lang"] = "es"
    if number % 5 == 0:
        query["theme"] = "dark"
    return "/w/demo/frame?" + urlencode(query)


def beacon_body(html: str, number: int) -> str:
    """Return the beacon the frame sends once its card is seen: token, host page and campaign."""
    token = TOKEN.search(html)
    return urlencode({"token": unescape(token.group(1)) if token else "",
                      "page": f"https://practice.example/blog/post-{number}", "campaign": f"issue-{number % 50}"})


def view(base: str, numbers: range) -> int:
    """Load the frame and send its beacon for each number from CLIENTS threads; count answers not 200/204."""
    host = urlsplit(base)
    counter = itertools.count(numbers.start)
    bad = [0] * CLIENTS

    def client(index: int) -> None:
        while (number := next(counter)) < numbers.stop:
            connection = http.client.HTTPConnection(host.hostname or "", host.port, timeout=30)
            try:
                connection.request("GET", frame_path(number))
                response = connection.getresponse()
                html = response.read().decode("utf-8")
                bad[index] += response.status != 200
                connection.request("POST", "/w/demo/seen", body=beacon_body(html, number),
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
                seen = connection.getresponse()
                seen.read()
                bad[index] += seen.status != 204
            except OSError:
                bad[index] += 1
            finally:
                connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(bad)


def worker_rss_mb(master: Child) -> float:
    """Return the RSS of gunicorn's one worker process, in MiB."""
    import psutil

    workers = psutil.Process(master.pid).children()
    if len(workers) != 1:
        raise BenchError(f"expected one gunicorn worker, found {len(workers)}")
    return workers[0].memory_info().rss / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--views", type=int, default=10_000, help="views per round (default 10000)")
    views = parser.parse_args().views
    need_module("psutil")
    need_module("gunicorn")
    rows: list[list[str]] = []
    load = machine_load()
    with Stack() as stack:
        env = app_env(stack.folder, RTR_WORKER="off")
        flask_cli(env, "demo")
        master, base = gunicorn(stack, "widget", WIDGET_APP, env, workers=1)
        failed = view(base, range(WARMUP_VIEWS))
        readings = [(f"after the warm-up ({WARMUP_VIEWS} views)", worker_rss_mb(master))]
        for round_number in (1, 2):
            start = WARMUP_VIEWS + (round_number - 1) * views
            failed += view(base, range(start, start + views))
            readings.append((f"after {round_number * views:,} views + warm-up", worker_rss_mb(master)))
    previous = None
    for label, rss in readings:
        rows.append([label, f"{rss:.1f}", "" if previous is None else f"{rss - previous:+.1f}"])
        previous = rss
    print(f"RSS of one gunicorn sync worker (-w 1) serving frame views and their beacons, SQLite, demo widget; "
          f"MiB; {load}")
    print_table(["when", "RSS MiB", "change"], rows, right={1, 2})
    after_first, after_second = readings[1][1], readings[2][1]
    growth = after_second - after_first
    print(f"RSS after {views:,} views: {after_first:.1f} MiB (target <= {RSS_TARGET_MB:.0f}: "
          f"{verdict(after_first <= RSS_TARGET_MB)}); growth over the next {views:,}: {growth:+.1f} MiB "
          f"(target: none, <= {GROWTH_TOLERANCE_MB:g}: {verdict(growth <= GROWTH_TOLERANCE_MB)}); "
          f"answers other than 200 (frame) or 204 (beacon): {failed}")
    if failed:
        raise BenchError(f"{failed} frame views or beacons did not answer 200/204")


if __name__ == "__main__":
    run(main)
