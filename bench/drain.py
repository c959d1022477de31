"""Deliveries per second draining a stored backlog with two ``flask rtr worker`` processes (issue 11.4).

A throwaway PostgreSQL cluster with fsync on (every commit paid for, as in production). The web
app (gunicorn, ``RTR_WORKER=off``, so nothing is sent while storing) takes N consultation requests
over HTTP for a widget whose only channel is a webhook: one delivery each. Then two
``flask --app widget rtr worker`` processes (default threads) drain them to a fast receiver on
loopback (its own process; its capacity on new connections is measured too, to show it is not the
bottleneck), which counts webhook-ids. The rate is from the first to the last arrival.

Run: ``.venv/bin/python bench/drain.py [--leads 2000]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.rig.apps import WIDGET_APP, app_env, create_widget, flask_worker, gunicorn, start_postgres
from bench.rig.leads import submit_many
from bench.rig.processes import BenchError, Stack, need_module, run
from bench.rig.receiver import Arrival, HookReceiver
from bench.rig.table import machine_load, print_table, verdict
from bench.rig.wrk import run_wrk

RATE_TARGET = 600.0
WORKERS = 2
DRAIN_TIMEOUT = 120.0
LINGER = 2.0  # seconds to keep listening after the last first arrival, for late double sends


def wait_for(receiver: HookReceiver, count: int, timeout: float) -> list[Arrival]:
    """Wait until count distinct webhook-ids arrived (or the timeout), then LINGER; return every arrival."""
    deadline = time.monotonic() + timeout
    arrivals = receiver.arrivals()
    while len({a.webhook_id for a in arrivals}) < count and time.monotonic() < deadline:
        time.sleep(0.25)
        arrivals = receiver.arrivals()
    time.sleep(LINGER)
    return receiver.arrivals()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=2000, help="stored leads to drain (default 2000)")
    count = parser.parse_args().leads
    need_module("gunicorn")
    load = machine_load()
    with Stack() as stack:
        database_url = start_postgres(stack)
        receiver = HookReceiver(stack, "receiver")
        capacity = run_wrk(receiver.url("/capacity"), 3, connections=16, headers=("Connection: close",))
        env = app_env(stack.folder, database_url, RTR_WORKER="off", RTR_WEBHOOK_ALLOW_PRIVATE=True,
                      RTR_MIN_FORM_SECONDS=0, RTR_SUBMIT_LIMIT="1000000 per minute",
                      RTR_WIDGET_SUBMIT_LIMIT="1000000 per minute")
        widget_id = create_widget(env, "Drain Practice", receiver.url())
        web, base = gunicorn(stack, "web", WIDGET_APP, env, workers=2)
        began = time.monotonic()
        submit_many(base, widget_id, [f"drain{n}@example.org" for n in range(count)])
        stored_in = time.monotonic() - began
        stack.stop(web)
        workers = [flask_worker(stack, f"worker{n}", env) for n in range(WORKERS)]
        arrivals = wait_for(receiver, count, DRAIN_TIMEOUT)
        codes = [stack.stop(worker, timeout=30) for worker in workers]
        if any(code != 0 for code in codes):
            raise BenchError(f"the workers did not stop cleanly on SIGTERM (exit codes {codes}):\n"
                             + "\n".join(worker.tail() for worker in workers))
    report(count, stored_in, capacity.per_second, arrivals, load)


def report(count: int, stored_in: float, capacity: float, arrivals: list[Arrival], load: str) -> None:
    firsts: dict[str, float] = {}
    for arrival in sorted(arrivals, key=lambda a: a.at):
        firsts.setdefault(arrival.webhook_id, arrival.at)
    if not firsts:
        raise BenchError("no webhook arrived at all")
    unique, total = len(firsts), len(arrivals)
    span = max(firsts.values()) - min(firsts.values())
    rate = unique / span if span > 0 else float("inf")
    print(f"Drain: {count:,} stored leads (one webhook delivery each; stored over HTTP in {stored_in:.1f} s), "
          f"{WORKERS} x `flask rtr worker` (default threads), PostgreSQL with fsync on; receiver alone "
          f"answers {capacity:,.0f} req/s on new connections; {load}")
    print_table(
        ["stored", "delivered (unique ids)", "requests", "double sends", "first -> last s", "deliveries/s"],
        [[f"{count:,}", f"{unique:,}", f"{total:,}", f"{total - unique:,}", f"{span:.2f}", f"{rate:,.0f}"]],
        right={0, 1, 2, 3, 4, 5},
    )
    print(f"Deliveries/s: {rate:,.0f} (target >= {RATE_TARGET:.0f}: {verdict(rate >= RATE_TARGET)}); "
          f"double sends: {total - unique} (target 0: {verdict(total == unique)}); "
          f"all delivered: {verdict(unique == count)}")
    if unique < count:
        raise BenchError(f"only {unique} of {count} leads arrived within {DRAIN_TIMEOUT:g} s")


if __name__ == "__main__":
    run(main)
