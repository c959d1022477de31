"""Flood a real server process with 30 concurrent wrong admin passwords and measure its peak memory.

Run: ``.venv/bin/python bench/login_flood.py [--attempts 30] [--source DIR]``. Each scenario starts
a fresh ``flask --app widget run`` (threaded, SQLite, one admin), signs in once to warm up, then
sends every attempt at the same instant (each with its own session and CSRF token) and reads the
process's peak RSS (VmHWM, reset just before the flood). ``--source`` runs the server from another
checkout (e.g. ``git archive main | tar -x -C /tmp/main``) to compare before and after.
Budget (issue 9.5): 30 concurrent attempts raise peak RSS by at most 256 MiB.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import requests

USER, PASSWORD = "ann", "a calm long passphrase"
BUDGET_MIB = 256
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass
class Server:
    base: str
    pid: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(source: str | None) -> Iterator[Server]:
    """Start a fresh server (own instance folder and database) with one admin; stop it afterwards."""
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "RTR_SECRET_KEY": "bench-login-flood", "RTR_WORKER": "off", "RTR_PROXY_COUNT": "1",
               "RTR_RATELIMIT_STORAGE_URI": "memory://", "RTR_DATABASE_URL": f"sqlite:///{folder}/rtr.sqlite3",
               "FLASK_APP": "widget", "PYTHONWARNINGS": "ignore"}
        if source:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))
        flask = [sys.executable, "-m", "flask"]
        subprocess.run([*flask, "rtr", "create-admin", USER, "--password-stdin"], input=PASSWORD + "\n",
                       env=env, cwd=folder, check=True, capture_output=True, text=True, timeout=120)
        port = free_port()
        process = subprocess.Popen([*flask, "run", "--port", str(port), "--with-threads"], env=env, cwd=folder,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base)
            yield Server(base, process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)


def wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=2).ok:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"the server at {base} did not start")


def ready_attempt(base: str, client_ip: str) -> tuple[requests.Session, str]:
    """Open the login page as one browser would; return its session and CSRF token."""
    session = requests.Session()
    session.headers["X-Forwarded-For"] = client_ip
    html = session.get(f"{base}/admin/login", timeout=30).text
    match = CSRF.search(html)
    assert match, "no CSRF token on the login page"
    return session, match.group(1)


def attempt(base: str, session: requests.Session, token: str, username: str, password: str) -> tuple[int, float]:
    started = time.perf_counter()
    response = session.post(f"{base}/admin/login", data={"csrf_token": token, "username": username,
                                                          "password": password}, allow_redirects=False, timeout=300)
    return response.status_code, time.perf_counter() - started


def memory_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def flood(srv: Server, attempts: int, spread_ips: bool, spread_users: bool) -> dict[str, float]:
    """Send every attempt at once; return the answers, the wall time and the peak RSS increase."""
    ready_attempt(srv.base, "192.0.2.1")  # warm up: a page, then a real sign-in
    session, token = ready_attempt(srv.base, "192.0.2.1")
    assert attempt(srv.base, session, token, USER, PASSWORD)[0] == 302, "the warm-up sign-in failed"
    prepared = [ready_attempt(srv.base, f"198.51.100.{n + 1}" if spread_ips else "198.51.100.1")
                for n in range(attempts)]
    baseline = memory_kib(srv.pid, "VmRSS")
    with open(f"/proc/{srv.pid}/clear_refs", "w", encoding="ascii") as refs:
        refs.write("5")  # reset VmHWM (peak RSS) to the current RSS
    results: list[tuple[int, float]] = [(0, 0.0)] * attempts
    start = threading.Barrier(attempts + 1)

    def run(index: int) -> None:
        username = f"user{index}" if spread_users else USER
        start.wait()
        results[index] = attempt(srv.base, *prepared[index], username, f"wrong guess {index}")

    threads = [threading.Thread(target=run, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    peak = memory_kib(srv.pid, "VmHWM")
    codes = [code for code, _ in results]
    return {"401": codes.count(401), "429": codes.count(429), "other": attempts - codes.count(401) - codes.count(429),
            "wall": wall, "slowest": max(seconds for _, seconds in results), "rise_mib": (peak - baseline) / 1024}


def one_attempt_ms(srv: Server, username: str, rounds: int = 3) -> float:
    """Median time of one wrong password for username, each from its own address."""
    times = []
    for n in range(rounds):
        session, token = ready_attempt(srv.base, f"203.0.113.{n + 1 + (100 if username == USER else 0)}")
        times.append(attempt(srv.base, session, token, username, "not the password")[1] * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=30)
    parser.add_argument("--source", help="run the server from this checkout instead of this one")
    args = parser.parse_args()
    scenarios = [("one account, one address", False, False), ("one account, 30 addresses", True, False),
                 ("30 accounts, 30 addresses", True, True)]
    print(f"Login flood: {args.attempts} concurrent wrong passwords, code from {args.source or HERE}\n")
    print("| scenario | 401 checked | 429 refused | other | wall s | slowest s | peak RSS rise MiB | budget |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for label, spread_ips, spread_users in scenarios:
        with server(args.source) as srv:
            row = flood(srv, args.attempts, spread_ips, spread_users)
        verdict = "met" if row["rise_mib"] <= BUDGET_MIB else "OVER"
        print(f"| {label} | {row['401']:.0f} | {row['429']:.0f} | {row['other']:.0f} | {row['wall']:.2f} | "
              f"{row['slowest']:.2f} | {row['rise_mib']:.0f} | ≤ {BUDGET_MIB}: {verdict} |")
    with server(args.source) as srv:
        known, unknown = one_attempt_ms(srv, USER), one_attempt_ms(srv, "nobody-by-this-name")
    print(f"\nOne wrong password (median of 3): known user {known:.0f} ms, unknown user {unknown:.0f} ms.")


if __name__ == "__main__":
    main()
