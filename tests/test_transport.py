"""The webhook transport: one total deadline per attempt, kept-alive connections, the address re-checked."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from widget import ssrf
from widget.delivery import transport, webhook
from widget.delivery.base import Outcome
from widget.state import get_state

from .support.delivery import webhook_widget
from .support.receiver import Receiver
from .test_ssrf import tls_server  # noqa: F401 - the HTTPS server with a certificate for hooks.example.test

TIMEOUT = 0.5


@pytest.fixture
def hook_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(RTR_WEBHOOK_ALLOW_PRIVATE=True, RTR_WEBHOOK_TIMEOUT=TIMEOUT, RTR_DELIVERY_LEASE=2)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver(trickle_seconds=0.1) as running:
        yield running


def send_test(app: Flask, url: str) -> tuple[Outcome, float]:
    widget = webhook_widget(get_state(app).store, url)
    with app.app_context():
        began = time.monotonic()
        outcome = webhook.send_test(widget)
        return outcome, time.monotonic() - began


def test_a_trickled_answer_ends_at_the_deadline(hook_app: Flask, receiver: Receiver) -> None:
    """Each byte comes well within the timeout, so only a deadline on the whole exchange ends it."""
    receiver.mode = "trickle"
    outcome, took = send_test(hook_app, receiver.url())
    print(f"\nheaders a byte every 0.1 s, RTR_WEBHOOK_TIMEOUT={TIMEOUT}: {outcome.detail!r} after {took:.2f} s")
    assert outcome == Outcome("retry", f"No answer within {TIMEOUT:g} s.")
    assert TIMEOUT - 0.05 <= took < TIMEOUT + 0.4
    assert wait_for_exchanges(receiver, 1) and not receiver.exchanges[0].whole, "the sender gave up mid-answer"


def test_a_200_whose_body_trickles_is_delivered_at_the_deadline(hook_app: Flask, receiver: Receiver) -> None:
    """The status decides; the body is read only to use the connection again, and not past the deadline."""
    receiver.mode = "trickle_body"
    outcome, took = send_test(hook_app, receiver.url())
    assert outcome.status == "delivered" and TIMEOUT - 0.05 <= took < TIMEOUT + 0.4
    assert wait_for_exchanges(receiver, 1) and not receiver.exchanges[0].whole
    assert send_test(hook_app, receiver.url())[0].status == "delivered"
    assert receiver.opened() == 2, "a connection whose answer was cut off is not used again"


def wait_for_exchanges(receiver: Receiver, count: int) -> bool:
    deadline = time.monotonic() + 5
    while len(receiver.exchanges) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return len(receiver.exchanges) >= count


def test_a_whole_answer_in_time_is_delivered(hook_app: Flask, receiver: Receiver) -> None:
    receiver.mode, receiver.trickle_seconds = "trickle_body", 0.01
    outcome, took = send_test(hook_app, receiver.url())
    assert outcome.status == "delivered" and took < TIMEOUT


def test_sends_to_one_endpoint_share_a_kept_alive_connection(hook_app: Flask, receiver: Receiver) -> None:
    for _ in range(5):
        assert send_test(hook_app, receiver.url())[0].status == "delivered"
    print(f"\n5 sends, connections opened: {receiver.opened()}")
    assert len(receiver.received()) == 5
    assert receiver.opened() == 1


def test_a_connection_the_receiver_dropped_is_replaced_without_a_failed_attempt(hook_app: Flask,
                                                                                 receiver: Receiver) -> None:
    assert send_test(hook_app, receiver.url())[0].status == "delivered"
    receiver.stop()  # drops the kept-alive connection
    receiver.start()
    assert send_test(hook_app, receiver.url())[0].status == "delivered"
    assert len(receiver.received()) == 2 and receiver.opened() == 2


def test_a_kept_alive_connection_closed_unanswered_is_tried_once_more_on_a_new_one(hook_app: Flask,
                                                                                  receiver: Receiver) -> None:
    """A server may drop an idle connection just as the next request goes out on it."""
    assert send_test(hook_app, receiver.url())[0].status == "delivered"
    receiver.answers = ["close"]
    assert send_test(hook_app, receiver.url())[0].status == "delivered"
    assert receiver.opened() == 2 and len(receiver.received()) == 3
    receiver.stop()
    receiver.start()
    receiver.answers = ["close"]  # on a new connection that is the receiver's doing: tried again later
    assert send_test(hook_app, receiver.url())[0] == Outcome("retry", "Could not connect (closed without an answer).")
    assert len(receiver.received()) == 4


def test_a_closed_port_is_a_retry_that_names_it(hook_app: Flask) -> None:
    receiver = Receiver().start()
    url = receiver.url()
    receiver.stop()
    outcome, _took = send_test(hook_app, url)
    assert outcome == Outcome("retry", "Could not connect (connection refused).")


def test_the_host_is_checked_again_and_a_rebinding_to_a_forbidden_address_is_refused(
        hook_app: Flask, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS can't be re-pointed here, so the resolver is: first the receiver, then cloud metadata."""
    import ipaddress

    answers = {"hooks.example.test": "127.0.0.1"}
    lookups: list[str] = []

    def resolve(host: str, port: int) -> list[ssrf.IPAddress]:
        lookups.append(host)
        return [ipaddress.ip_address(answers[host])]

    monkeypatch.setattr(ssrf, "_resolve", resolve)
    url = f"http://hooks.example.test:{receiver.port}/hook"
    assert send_test(hook_app, url)[0].status == "delivered"
    answers["hooks.example.test"] = "169.254.169.254"
    assert send_test(hook_app, url)[0].status == "delivered", "within RECHECK_SECONDS the checked address is kept"
    assert lookups == ["hooks.example.test"]
    monkeypatch.setattr(transport, "RECHECK_SECONDS", 0.0)
    outcome, _took = send_test(hook_app, url)
    assert outcome.status == "dead" and "metadata" in outcome.detail
    assert len(receiver.received()) == 2 and lookups == ["hooks.example.test"] * 2
    for request in receiver.received():
        assert request.headers["host"] == f"hooks.example.test:{receiver.port}"


def test_a_failed_connection_has_the_host_checked_again(hook_app: Flask, receiver: Receiver,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    checks: list[str] = []
    real_check = ssrf.check_url
    monkeypatch.setattr(ssrf, "check_url", lambda url, allow_private=False: (checks.append(url),
                                                                              real_check(url, allow_private))[1])
    assert send_test(hook_app, receiver.url())[0].status == "delivered"
    assert send_test(hook_app, receiver.url())[0].status == "delivered"
    assert len(checks) == 1, "within RECHECK_SECONDS the checked address is kept"
    receiver.stop()
    assert send_test(hook_app, receiver.url())[0].status == "retry"
    receiver.start()
    assert send_test(hook_app, receiver.url())[0].status == "delivered"
    assert len(checks) == 2, "the send after a failed one checks the address again"


def test_a_long_answer_is_read_no_further_than_the_limit(hook_app: Flask, receiver: Receiver,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport, "MAX_ANSWER_BYTES", 4)
    assert send_test(hook_app, receiver.url())[0].status == "delivered"
    assert send_test(hook_app, receiver.url())[0].status == "delivered"
    assert receiver.opened() == 2, "a connection whose answer was not read to the end is not used again"


@pytest.fixture
def hooks_example_test(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> tuple[int, list[str]]:
    """hooks.example.test, resolved to the TLS test server on loopback, whose CA is the one trusted."""
    import ipaddress

    port, ca_file, hosts = request.getfixturevalue("tls_server")
    monkeypatch.setattr(ssrf, "_resolve", lambda host, _port: [ipaddress.ip_address("127.0.0.1")])
    monkeypatch.setattr(ssrf.certifi, "where", lambda: ca_file)
    return port, hosts


def test_https_goes_to_the_checked_address_under_the_hosts_name(hook_app: Flask,
                                                                 hooks_example_test: tuple[int, list[str]]) -> None:
    port, hosts = hooks_example_test
    for _ in range(2):
        assert send_test(hook_app, f"https://hooks.example.test:{port}/hook")[0].status == "delivered"
    assert hosts == [f"hooks.example.test:{port}"] * 2


def test_https_to_a_name_the_certificate_does_not_have_is_refused(hook_app: Flask,
                                                                  hooks_example_test: tuple[int, list[str]]) -> None:
    port, hosts = hooks_example_test
    outcome, _took = send_test(hook_app, f"https://other.example.test:{port}/hook")
    assert outcome == Outcome("retry", "Could not connect (the certificate is for another name).")
    assert hosts == []


def test_a_trickled_https_answer_ends_at_the_deadline(hook_app: Flask,
                                                      hooks_example_test: tuple[int, list[str]]) -> None:
    """Over TLS the watch holds its own handle on the connection, as TLS wraps (and detaches) the first."""
    port, hosts = hooks_example_test
    outcome, took = send_test(hook_app, f"https://hooks.example.test:{port}/trickle")
    assert outcome == Outcome("retry", f"No answer within {TIMEOUT:g} s.")
    assert TIMEOUT - 0.05 <= took < TIMEOUT + 0.4 and hosts == [f"hooks.example.test:{port}"]


@pytest.fixture
def trickling_tls_handshake() -> Iterator[int]:
    """A port whose server reads the TLS hello, then trickles a long handshake record a byte every 0.1 s."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        conn, _address = listener.accept()
        with conn:
            conn.recv(4096)
            conn.sendall(b"\x16\x03\x03\x40\x00")  # a handshake record of 16 KiB, to come
            while not stop.wait(0.1):
                try:
                    conn.sendall(b"\x00")
                except OSError:
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    listener.close()
    thread.join(5)


def test_a_trickled_tls_handshake_ends_at_the_deadline(hook_app: Flask, trickling_tls_handshake: int) -> None:
    """A server that stalls the TLS handshake holds a send no longer than one that stalls its answer."""
    outcome, took = send_test(hook_app, f"https://127.0.0.1:{trickling_tls_handshake}/hook")
    assert outcome == Outcome("retry", f"No answer within {TIMEOUT:g} s.")
    assert took < TIMEOUT + 0.4
