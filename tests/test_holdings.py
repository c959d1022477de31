"""What a worker holds: per-endpoint room, fair picks across endpoints, the cap on sends at once."""

from __future__ import annotations

import threading
from typing import Any

from widget.delivery.holdings import PREFETCH, Holdings, endpoint_of


def delivery(number: int, url: str = "https://a.example.com/hook", channel: str = "webhook",
             widget: str = "wa") -> dict[str, Any]:
    return {"id": number, "widget_id": widget, "channel": channel, "target": url}


def test_an_endpoint_is_a_webhook_origin_or_the_email_server() -> None:
    assert endpoint_of(delivery(1, "https://Hooks.Example.com/a?x=1")) == "https://hooks.example.com"
    assert endpoint_of(delivery(1, "https://hooks.example.com:8443/b")) == "https://hooks.example.com:8443"
    assert endpoint_of(delivery(1, ["desk@example.com"], channel="email")) == "email"  # type: ignore[arg-type]
    assert endpoint_of(delivery(1, ["p@example.org"], channel="confirmation")) == "email"  # type: ignore[arg-type]


def test_endpoints_take_turns_within_a_claim() -> None:
    holdings = Holdings(threads=2, cap=1, on_room=lambda: None)
    found = [delivery(n) for n in range(1, 6)] + [delivery(10, "https://b.example.com/h", widget="wb"),
                                                   delivery(11, ["x@example.com"], channel="email")]
    assert holdings.pick(found)[:4] == [1, 10, 11, 2], "one from each endpoint in turn, in due order"


def test_an_endpoint_gets_no_more_than_its_share_and_a_claim_no_more_than_the_worker_wants() -> None:
    holdings = Holdings(threads=4, cap=2, on_room=lambda: None)
    share = 2 * PREFETCH
    chosen = holdings.pick([delivery(n) for n in range(100)])
    assert chosen == list(range(share))
    holdings.put([(delivery(n), None) for n in chosen])
    assert holdings.pick([delivery(n) for n in range(100, 200)]) == []
    others = [delivery(n, f"https://{n}.example.com/h", widget=f"w{n}") for n in range(200, 300)]
    assert len(holdings.pick(others)) == holdings.wanted() == 4 * PREFETCH - share


def test_an_endpoint_holding_half_its_share_is_left_out_of_the_next_claim() -> None:
    rooms: list[int] = []
    holdings = Holdings(threads=4, cap=1, on_room=lambda: rooms.append(1))
    first = [delivery(n) for n in range(PREFETCH)]
    holdings.put([(d, None) for d in first if d["id"] in holdings.pick(first)])
    assert holdings.skip() == [("wa", "webhook")]
    for _ in range(PREFETCH // 2):
        item = holdings.take()
        assert item is not None
        holdings.sent(item)
    assert holdings.skip() == [("wa", "webhook")] and not rooms
    item = holdings.take()
    assert item is not None
    holdings.sent(item)
    assert holdings.skip() == [] and rooms == [1], "just below half: the claimer is woken"


def test_no_more_sends_to_one_endpoint_at_once_than_the_cap() -> None:
    holdings = Holdings(threads=4, cap=2, on_room=lambda: None)
    slow = [delivery(n) for n in range(4)]
    fast = delivery(9, "https://b.example.com/h", widget="wb")
    holdings.put([(d, None) for d in [*slow, fast]])
    taken = [holdings.take(), holdings.take(), holdings.take()]
    assert [item[0]["id"] for item in taken if item] == [0, 1, 9], "a third send to a.example.com waits"
    waiting: list[Any] = []
    thread = threading.Thread(target=lambda: waiting.append(holdings.take()))
    thread.start()
    thread.join(0.2)
    assert thread.is_alive(), "nothing may be sent until a send to a.example.com ends"
    assert taken[0] is not None
    holdings.sent(taken[0])
    thread.join(5)
    assert waiting[0][0]["id"] == 2
    assert holdings.stop() == [(slow[3], None)], "what no thread took is handed back"
    assert holdings.take() is None


def test_the_claimer_is_not_woken_for_an_endpoint_the_claim_would_leave_out() -> None:
    """A backlog for one endpoint: the worker dropping below half its share alone is no reason to claim."""
    rooms: list[int] = []
    holdings = Holdings(threads=8, cap=4, on_room=lambda: rooms.append(1))
    backlog = [delivery(n) for n in range(100)]
    holdings.put([(d, None) for d in backlog if d["id"] in holdings.pick(backlog)])
    assert holdings.wanted() == 4 * PREFETCH, "the endpoint holds its share, half the worker's"
    for sent in range(1, 2 * PREFETCH + 2):
        item = holdings.take()
        assert item is not None
        holdings.sent(item)
        if sent <= 2 * PREFETCH:
            assert not rooms, f"after {sent} sends the endpoint still holds half its share: a claim leaves it out"
    assert rooms == [1] and holdings.skip() == [], "just below half: the claimer is woken"
