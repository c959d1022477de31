"""Reading outside URLs and origins: what urllib raises on becomes None, never an exception."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from widget.origins import (
    LOOKS_LIKE_EMAIL,
    NO_WILDCARDS,
    NOT_A_SITE,
    SHARED_SUFFIX,
    is_web_address,
    normalise_origin,
    origin_of,
    site_origins,
    split_url,
    unicode_host,
)


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


WWW_TWINS = ["https://desertbloom.com", "https://www.desertbloom.com"]


@pytest.mark.parametrize(
    ("typed", "origins"),
    [("desertbloom.com", WWW_TWINS), ("www.desertbloom.com", WWW_TWINS[::-1]),
     ("https://desertbloom.com/blog/post?utm_source=x#top", WWW_TWINS),
     ("  DesertBloom.COM.  ", WWW_TWINS), ("https:// desertbloom.com /", WWW_TWINS),
     ("HTTPS://WWW.DESERTBLOOM.COM:443/", WWW_TWINS[::-1]),
     ("desertbloom.co.uk", ["https://desertbloom.co.uk", "https://www.desertbloom.co.uk"]),
     ("blog.desertbloom.com", ["https://blog.desertbloom.com"]),
     ("http://desertbloom.com", [*WWW_TWINS, "http://desertbloom.com", "http://www.desertbloom.com"]),
     ("desertbloom.com:8443", ["https://desertbloom.com:8443", "https://www.desertbloom.com:8443"]),
     ("bücher.de/kontakt", ["https://xn--bcher-kva.de", "https://www.xn--bcher-kva.de"]),
     ("xn--bcher-kva.de", ["https://xn--bcher-kva.de", "https://www.xn--bcher-kva.de"]),
     ("localhost:8000", ["http://localhost:8000"]), ("https://localhost", ["https://localhost"]),
     ("http://127.0.0.1:5000/page", ["http://127.0.0.1:5000"]), ("[::1]:8080", ["http://[::1]:8080"]),
     ("someone.github.io", ["https://someone.github.io", "https://www.someone.github.io"])],
)
def test_a_site_is_read_as_people_type_it(typed: str, origins: list[str]) -> None:
    assert site_origins(typed) == origins


@pytest.mark.parametrize(
    ("typed", "message"),
    [("", NOT_A_SITE), ("desertbloom", NOT_A_SITE), ("ftp://desertbloom.com", NOT_A_SITE),
     ("intake@desertbloom.com", LOOKS_LIKE_EMAIL), ("https://me:pw@desertbloom.com", LOOKS_LIKE_EMAIL),
     ("*.desertbloom.com", NO_WILDCARDS), ("com", NOT_A_SITE), ("co.uk", SHARED_SUFFIX),
     ("github.io", SHARED_SUFFIX), ("desert_bloom.com", NOT_A_SITE), ("-x.com", NOT_A_SITE),
     ("https://[", NOT_A_SITE), ("https://desertbloom.com:99999", NOT_A_SITE), ("a" * 301 + ".com", NOT_A_SITE)],
)
def test_a_site_that_cannot_be_read_gets_a_message(typed: str, message: str) -> None:
    assert site_origins(typed) == message


@given(st.text(max_size=60) | st.from_regex(r"\A(https?://)?[\[\]:a-zA-Z0-9./@?#*ü -]{0,40}\Z"))
def test_every_site_read_is_origins_the_browser_sends(text: str) -> None:
    origins = site_origins(text)
    if isinstance(origins, list):
        assert origins and all(normalise_origin(origin) == origin for origin in origins)
        assert all(origin.isascii() for origin in origins)


def test_a_punycode_origin_is_shown_in_unicode() -> None:
    assert unicode_host("https://www.xn--bcher-kva.de:8443") == "https://www.bücher.de:8443"
    assert unicode_host("https://desertbloom.com") == "https://desertbloom.com"
