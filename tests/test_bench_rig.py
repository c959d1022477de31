"""The benchmarks' instruments: a wrong instrument prints a wrong table, so they are tested too.

The webhook receiver tells a double send from a retry, wrk's summary is read right, and the
throwaway PostgreSQL cluster really runs with fsync on when a benchmark asks for it.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine

from bench.rig.processes import Stack
from bench.rig.receiver import TRICKLED, Arrival, HookReceiver
from bench.rig.wrk import parse

from .conftest import missing

WRK_OUTPUT = """Running 4s test @ http://127.0.0.1:40000/w/demo/frame
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    81.43ms   17.31ms 170.52ms   73.91%
    Req/Sec   197.29     38.65   272.00     68.75%
  Latency Distribution
     50%  950.00us
     75%   88.85ms
     90%  102.97ms
     99%    1.20s
  1573 requests in 4.00s, 17.01MB read
  Socket errors: connect 0, read 3, write 1, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec:    393.16
Transfer/sec:      4.25MB
"""


def test_wrk_summary_is_read_with_its_units_and_failures() -> None:
    load = parse(WRK_OUTPUT)
    assert (load.requests, load.per_second) == (1573, 393.16)
    assert (load.p50_ms, load.p99_ms) == (pytest.approx(0.95), 1200.0)
    assert (load.non_2xx_3xx, load.socket_errors, load.failures) == (7, 6, 13)


def test_wrk_summary_without_failures_counts_none() -> None:
    clean = "\n".join(line for line in WRK_OUTPUT.splitlines() if "errors" not in line and "Non-2xx" not in line)
    assert parse(clean).failures == 0


@pytest.fixture
def stack() -> Iterator[Stack]:
    with Stack() as stack:
        yield stack


def post(port: int, webhook_id: str, read_all: bool = True) -> socket.socket:
    """POST one webhook; read the answer's headers and hang up, as the worker does, or leave it in flight."""
    body = b'{"data": {"email": "someone@example.org"}}'
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn.sendall(b"POST /hook HTTP/1.1\r\nHost: x\r\nwebhook-id: " + webhook_id.encode()
                 + b"\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
    if read_all:
        answer = b""
        while b"\r\n\r\n" not in answer and (chunk := conn.recv(100)):
            answer += chunk
        conn.close()
        assert answer.startswith(b"HTTP/1.1 200 OK")
    return conn


def kinds(receiver: HookReceiver) -> list[tuple[str, str]]:
    return [(a.webhook_id, a.kind) for a in sorted(receiver.arrivals(), key=lambda a: a.at)]


def test_fast_receiver_records_a_second_send_of_an_answered_id_as_a_double_send(stack: Stack) -> None:
    receiver = HookReceiver(stack, "fast")
    post(receiver.port, "msg_1")
    post(receiver.port, "msg_1")
    post(receiver.port, "msg_2")
    assert kinds(receiver) == [("msg_1", "first"), ("msg_1", "after_answer"), ("msg_2", "first")]
    assert receiver.arrivals()[0].email == "someone@example.org"


def test_trickling_receiver_tells_in_flight_resends_from_retries(stack: Stack) -> None:
    receiver = HookReceiver(stack, "slow", trickle=0.02)
    started = time.monotonic()
    post(receiver.port, "msg_done")  # waits for the whole trickled answer
    assert time.monotonic() - started >= 0.02 * (len(TRICKLED) - 1)
    post(receiver.port, "msg_done")  # a lease ran out just as the first attempt got its 200
    abandoned = post(receiver.port, "msg_gave_up", read_all=False)
    abandoned.close()  # the sender's deadline: it hangs up before the answer ends
    time.sleep(0.1)
    post(receiver.port, "msg_gave_up")
    in_flight = post(receiver.port, "msg_lease", read_all=False)
    post(receiver.port, "msg_lease")
    in_flight.close()
    assert kinds(receiver) == [
        ("msg_done", "first"), ("msg_done", "after_answer"),
        ("msg_gave_up", "first"), ("msg_gave_up", "after_abandoned"),
        ("msg_lease", "first"), ("msg_lease", "in_flight"),
    ]


def test_arrival_rows_keep_their_shape() -> None:
    # The receiver process sends rows as JSON lists; Arrival must take them positionally.
    arrival = Arrival("msg_1", 1.0, "/hook", "a@example.org", "first", 2)
    assert (arrival.kind, arrival.at_once) == ("first", 2)


@pytest.mark.slow
def test_postgres_cluster_runs_with_fsync_on_only_when_asked(postgres_url: str) -> None:
    from .support.postgres import PostgresCluster

    try:
        durable = PostgresCluster(fsync=True).start()
    except (FileNotFoundError, OSError) as error:
        missing(f"PostgreSQL ({error})")
    try:
        settings = {}
        for name, url in (("tests", postgres_url), ("bench", durable.url)):
            engine = create_engine(url)
            with engine.connect() as conn:
                settings[name] = conn.exec_driver_sql("SHOW fsync").scalar()
            engine.dispose()
    finally:
        durable.stop()
    assert settings == {"tests": "off", "bench": "on"}
