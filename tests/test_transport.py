"""The webhook transport: one total deadline per attempt, kept-alive connections, the address re-checked."""

from __future__ import annotations

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
