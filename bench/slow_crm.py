"""How long one slow CRM delays another practice's deliveries (issue 8, item 7).

Practice A's webhook receiver accepts each request and trickles its response headers (19 bytes)
one byte a second: every byte comes before a read timeout of RTR_WEBHOOK_TIMEOUT=2, so only a
deadline on the whole attempt ends a send before its 19 s. Practice B's receiver is fast. One
``flask rtr worker`` (default threads, default RTR_ENDPOINT_CONCURRENCY) delivers for both; the
web app (gunicorn, RTR_WORKER=off) takes the requests over HTTP, on SQLite. A gets a backlog of
more requests than the worker has threads, then B gets new ones, one a second. Printed: how long
B's deliveries waited (submit to arrival; target: at most 2 s), the most sends A had in flight at
once, and what arrived at A: double sends (a webhook-id sent again while an attempt with it was
still in flight, or after it got its 200: an expired lease, RTR_DELIVERY_LEASE=10) apart from
retries made after the sender gave up on an attempt (legitimate, same webhook-id).

Run: ``.venv/bin/python bench/slow_crm.py [--observe 45]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.rig.apps import WIDGET_APP, app_env, create_widget, flask_worker, gunicorn
from bench.rig.leads import submit, submit_many
from bench.rig.processes import Stack, need_module, run
from bench.rig.receiver import Arrival, HookReceiver
from bench.rig.table import machine_load, print_table, verdict

WAIT_TARGET = 2.0
TRICKLE_SECONDS = 1.0  # between two bytes of A's answer
CONFIG = {"RTR_WEBHOOK_TIMEOUT": 2, "RTR_DELIVERY_LEASE": 10}
A_BACKLOG = 12  # more than the worker's threads (RTR_WORKER_THREADS, 8)
B_LEADS = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observe", type=float, default=45,
                        help="seconds to watch both receivers from A's backlog on (default 45)")
    observe = parser.parse_args().observe
    need_module("gunicorn")
    with Stack() as stack:
        slow = HookReceiver(stack, "receiver-a", trickle=TRICKLE_SECONDS)
        fast = HookReceiver(stack, "receiver-b")
        env = app_env(stack.folder, RTR_WORKER="off", RTR_WEBHOOK_ALLOW_PRIVATE=True, RTR_MIN_FORM_SECONDS=0,
                      RTR_SUBMIT_LIMIT="1000000 per minute", RTR_WIDGET_SUBMIT_LIMIT="1000000 per minute",
                      **CONFIG)
        practice_a = create_widget(env, "Practice A (slow CRM)", slow.url())
        practice_b = create_widget(env, "Practice B", fast.url())
        _, base = gunicorn(stack, "web", WIDGET_APP, env, workers=1)
        flask_worker(stack, "worker", env)
        began = time.monotonic()
        submit_many(base, practice_a, [f"a{n}@example.org" for n in range(A_BACKLOG)], clients=2)
        time.sleep(1)
        submitted: dict[str, float] = {}
        for number in range(B_LEADS):
            email = f"b{number}@example.org"
            submitted[email] = submit(base, practice_b, email)
            time.sleep(1)
        time.sleep(max(0.0, observe - (time.monotonic() - began)))
        watched_until = time.time()
        report(submitted, fast.arrivals(), slow.arrivals(), watched_until, observe)


def report(submitted: dict[str, float], at_b: list[Arrival], at_a: list[Arrival], watched_until: float,
           observe: float) -> None:
    arrived = {}
    for arrival in sorted(at_b, key=lambda a: a.at):
        arrived.setdefault(arrival.email, arrival.at)
    waits = [arrived[email] - began for email, began in submitted.items() if email in arrived]
    missing = [watched_until - began for email, began in submitted.items() if email not in arrived]
    worst = max(waits + missing)
    shown_max = f"{worst:.2f}" if not missing else f"> {max(missing):.0f}"
    kinds = Counter(a.kind for a in at_a)
    double_sends = kinds["in_flight"] + kinds["after_answer"]
    print(f"One slow CRM (A: headers trickled 1 byte/{TRICKLE_SECONDS:g} s) and a fast one (B); 1 `flask rtr "
          f"worker` (default threads), RTR_WEBHOOK_TIMEOUT={CONFIG['RTR_WEBHOOK_TIMEOUT']}, "
          f"RTR_DELIVERY_LEASE={CONFIG['RTR_DELIVERY_LEASE']}; {A_BACKLOG} requests for A, then {B_LEADS} "
          f"for B one a second; watched for {observe:g} s; {machine_load()}")
    print_table(
        ["practice", "leads", "arrived", "wait p50 s", "wait max s", "sends at once (max)", "re-sent in flight",
         "re-sent after 200", "retries"],
        [["B (fast CRM)", str(len(submitted)), str(len(waits)),
          f"{statistics.median(waits):.2f}" if waits else "-", shown_max, "", "", "", ""],
         ["A (slow CRM)", str(A_BACKLOG), str(kinds["first"]), "", "", str(max((a.at_once for a in at_a), default=0)),
          str(kinds["in_flight"]), str(kinds["after_answer"]), str(kinds["after_abandoned"])]],
        right={1, 2, 3, 4, 5, 6, 7, 8},
    )
    print(f"B's deliveries waited at most {shown_max} s (target <= {WAIT_TARGET:g} s: "
          f"{verdict(not missing and worst <= WAIT_TARGET)}); {len(missing)} of {len(submitted)} had not "
          f"arrived when the watch ended")
    print(f"Double sends at A (an expired lease: re-sent while an attempt was in flight, or after it got its 200): "
          f"{double_sends} (target 0: {verdict(double_sends == 0)}); retries after an abandoned attempt: "
          f"{kinds['after_abandoned']}")


if __name__ == "__main__":
    run(main)
