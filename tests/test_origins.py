"""Reading outside URLs and origins: what urllib raises on becomes None, never an exception."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from widget.origins import is_web_address, normalise_origin, origin_of, split_url


@pytest.mark.parametrize(
    ("text", "origin"),
    [("https://a.example", "https://a.example"), ("http://a.example:80", "http://a.example"),
     ("HTTPS://A.Example:443/", "https://a.example"), ("http://[::1]:5000", "http://[::1]:5000"),
     ("https://a.example/path", None), ("a.example", None), ("https://user@a.example", None),
     ("https://a.example:99999", None), ("http://[", None), ("https://[::1", None), ("http://a.example:[/", None),
     ("null", None), ("", None), ("ftp://a.example", None), ("https://a.example?q", None)],
)
def test_normalise_origin(text: str, origin: str | None) -> None:
    assert normalise_origin(text) == origin


@pytest.mark.parametrize(
    ("url", "origin"),
    [("https://blog.example/post?x=1#top", "https://blog.example"), ("http://blog.example:8080/a", "http://blog.example:8080"),
     ("http://[/blog", None), ("https://[::1/x", None), ("about:blank", None), ("/relative/path", None),
     ("https://blog.example:70000/", None)],
)
def test_origin_of_a_referer(url: str, origin: str | None) -> None:
    assert origin_of(url) == origin


@pytest.mark.parametrize(("text", "ok"), [("https://a.example/x", True), ("http://[", False),
                                          ("mailto:a@b.example", False), ("https://", False),
                                          ("http://a.example:port/", False)])
def test_is_web_address(text: str, ok: bool) -> None:
    assert is_web_address(text) is ok


@given(st.text(max_size=60) | st.from_regex(r"\Ahttps?://[\[\]:a-z0-9./@?#-]{0,30}\Z"))
def test_no_text_makes_them_raise(text: str) -> None:
    parts = split_url(text)
    if parts is not None:
        assert parts.port is None or 0 <= parts.port <= 65535
    normalise_origin(text)
    origin_of(text)
    is_web_address(text)
