"""Load a URL with wrk for a fixed time and read its summary."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

from .processes import BenchError, need_binary

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class Load:
    """What one wrk run measured."""

    requests: int
    per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx_3xx: int
    socket_errors: int

    @property
    def failures(self) -> int:
        return self.non_2xx_3xx + self.socket_errors


def run_wrk(url: str, seconds: float, threads: int = 2, connections: int = 32,
            headers: tuple[str, ...] = ()) -> Load:
    """Run ``wrk -tT -cC -dS --latency URL`` and return its figures."""
    wrk = need_binary("wrk", "apt-get install wrk; `make bench` installs it")
    argv = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", "10s"]
    for header in headers:
        argv += ["-H", header]
    done = subprocess.run([*argv, url], capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise BenchError(f"wrk failed on {url}: {done.stderr.strip() or done.stdout.strip()}")
    return parse(done.stdout)


def parse(output: str) -> Load:
    """Read wrk's text summary (requests, req/s, p50/p99, non-2xx/3xx, socket errors)."""
    def number(pattern: str, default: str | None = None) -> str:
        match = re.search(pattern, output)
        if match:
            return match.group(1)
        if default is None:
            raise BenchError(f"could not read wrk's output:\n{output}")
        return default

    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return Load(
        requests=int(number(r"(\d+) requests in")),
        per_second=float(number(r"Requests/sec:\s+([\d.]+)")),
        p50_ms=_ms(number(r"50%\s+([\d.]+\w+)")),
        p99_ms=_ms(number(r"99%\s+([\d.]+\w+)")),
        non_2xx_3xx=int(number(r"Non-2xx or 3xx responses: (\d+)", "0")),
        socket_errors=sum(int(n) for n in socket.groups()) if socket else 0,
    )


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if not match:
        raise BenchError(f"could not read wrk's latency {value!r}")
    return float(match.group(1)) * UNITS[match.group(2)]
