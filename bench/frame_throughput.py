"""Requests per second of the frame and the hosted page, against a bare Flask hello-world (issue 11.1).

The same gunicorn settings serve each (``-w 2``, sync workers): the hello-world app, and the
standalone app on SQLite with the demo widget (``RTR_WORKER=off``, as in production). The frame is
asked for with the query embed.js sends, from the demo widget (any site may show it) and from a copy
that lists the practice's site (each view checks the loader's origin and the Referer). After a
short warm-up, ``wrk -t2 -c32`` loads each page
in turn for a few rounds; each page's best round is printed (the one least disturbed by whatever
else runs on the machine), with its worst beside it to show the noise. Every answer must be 2xx:
wrk's "Non-2xx or 3xx responses" and socket errors are counted over every round, and each page is
checked once for 200 before the load.

Run: ``.venv/bin/python bench/frame_throughput.py [--seconds 12]``. To compare settings:
``--postgres`` (a throwaway cluster with fsync on instead of SQLite), ``--workers N``,
``--threads N`` (gunicorn's, the same for every page).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import urlencode

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.rig.apps import HELLO_APP, WIDGET_APP, app_env, flask_cli, gunicorn, start_postgres
from bench.rig.processes import BenchError, Stack, need_binary, need_module, run
from bench.rig.table import machine_load, print_table, verdict
from bench.rig.wrk import Load, run_wrk

RATIO_TARGET = 0.6
WORKERS = 2
ROUNDS = 4
HELLO = "bare Flask hello-world"
WARMUP_SECONDS = 2
# What embed.js puts on the frame's URL for an inline card on a practice's blog post.
PRACTICE = "https://practice.example"
POST = f"{PRACTICE}/blog/when-trust-is-broken"
LOADER_QUERY = urlencode({"mode": "inline", "origin": PRACTICE, "instance": "demo", "page": POST})
#: The demo widget's copy that lists the practice's site.
LISTED = "listed"


def check_and_warm(url: str, headers: tuple[str, ...], card: bool) -> None:
    """Check the page answers 200 (not a redirect, an error, or the refused site's link instead of the
    card), then warm its workers up."""
    first = requests.get(url, timeout=30, allow_redirects=False,
                         headers=dict(header.split(": ", 1) for header in headers))
    if first.status_code != 200 or (card and 'name="token"' not in first.text):
        raise BenchError(f"{url} answered {first.status_code} without the card before the load even started")
    run_wrk(url, WARMUP_SECONDS, headers=headers)


def add_listing_copy(env: dict[str, str], folder: Path) -> None:
    """Add a copy of the demo widget that lists the practice's site, as a practice in production does:
    each of its views checks the loader's origin and the Referer against the list."""
    config = json.loads(flask_cli(env, "export"))
    listed = next(widget for widget in config["widgets"] if widget["id"] == "demo")
    listed.update(id=LISTED, name=f"{listed['name']} (sites listed)")
    listed["settings"]["allowed_origins"] = [PRACTICE]
    config["widgets"] = [listed]
    path = folder / "listed.json"
    path.write_text(json.dumps(config))
    flask_cli(env, "import", str(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=12, help="load time per page, over all rounds (default 12)")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL (fsync on) instead of SQLite")
    parser.add_argument("--workers", type=int, default=WORKERS, help=f"gunicorn processes (default {WORKERS})")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per process (default 1: sync)")
    options = parser.parse_args()
    server = ("--threads", str(options.threads))
    need_binary("wrk", "apt-get install wrk; `make bench` installs it")
    need_module("gunicorn")
    load_before = machine_load()
    with Stack() as stack:
        _, hello = gunicorn(stack, "hello", HELLO_APP, app_env(stack.folder), options.workers, server)
        database_url = start_postgres(stack) if options.postgres else ""
        env = app_env(stack.folder, database_url, RTR_WORKER="off")
        flask_cli(env, "demo")
        add_listing_copy(env, stack.folder)
        _, base = gunicorn(stack, "widget", WIDGET_APP, env, options.workers, server)
        pages = {HELLO: (hello + "/", ()),
                 "frame GET /w/demo/frame?…": (f"{base}/w/demo/frame?{LOADER_QUERY}", ()),
                 "frame GET, sites listed": (f"{base}/w/{LISTED}/frame?{LOADER_QUERY}", (f"Referer: {POST}",)),
                 "hosted page GET /w/demo": (f"{base}/w/demo", ())}
        for label, (url, headers) in pages.items():
            check_and_warm(url, headers, card=label != HELLO)
        # Round-robin; each page's best round is the one least disturbed by a neighbour on the machine.
        rounds = [{label: run_wrk(url, options.seconds / ROUNDS, headers=headers)
                   for label, (url, headers) in pages.items()} for _ in range(ROUNDS)]
    database = "PostgreSQL (fsync on)" if options.postgres else "SQLite"
    kind = "sync workers" if options.threads == 1 else f"gthread, {options.threads} threads each"
    print(f"Throughput: gunicorn -w {options.workers} ({kind}), wrk -t2 -c32, {ROUNDS} rounds of "
          f"{options.seconds / ROUNDS:g} s per page in turn (best round shown); {database}, demo widget; "
          f"{load_before} before, {machine_load()} after")
    report(rounds)


def report(rounds: list[dict[str, Load]]) -> None:
    best = {label: max((one[label] for one in rounds), key=lambda load: load.per_second) for label in rounds[0]}
    rows = []
    for label, top in best.items():
        loads = [one[label] for one in rounds]
        rows.append([
            label, f"{top.per_second:,.0f}", f"{min(x.per_second for x in loads):,.0f}", f"{top.p50_ms:.1f}",
            f"{top.p99_ms:.1f}", f"{top.per_second / best[HELLO].per_second:.2f}",
            str(sum(x.non_2xx_3xx for x in loads)), str(sum(x.socket_errors for x in loads)),
        ])
    print_table(["page", "req/s", "worst round", "p50 ms", "p99 ms", "x hello", "non-2xx/3xx", "socket errors"],
                rows, right={1, 2, 3, 4, 5, 6, 7})
    for label, top in best.items():
        if label != HELLO:
            ratio = top.per_second / best[HELLO].per_second
            print(f"{label}: {ratio:.2f} x hello-world (target >= {RATIO_TARGET}: {verdict(ratio >= RATIO_TARGET)})")
    failed = sum(load.failures for one in rounds for load in one.values())
    print(f"Answers that were not 2xx, or socket errors: {failed} (target 0: {verdict(failed == 0)})")


if __name__ == "__main__":
    run(main)
