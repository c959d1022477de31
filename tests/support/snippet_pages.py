"""The admin's snippets as a practice copies them, and a blog post that pastes one, for browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from typing import Any

from flask import Flask

from widget.admin.passwords import create_admin, has_admins
from widget.state import get_state

from .admin_pages import sign_in_page
from .host_pages import browser_page, frame_of, host_site, wait_until

USER, PASSWORD = "snippets", "a calm and long sentence"

# Records layout shifts the visitor did not cause (what CLS adds up), and the card's first height.
WATCH_SHIFTS = """
window.__shifts = [];
new PerformanceObserver(list => list.getEntries().forEach(entry => {
  if (!entry.hadRecentInput) window.__shifts.push(entry.value);
})).observe({type: 'layout-shift', buffered: true});
new MutationObserver((changes, observer) => {
  const iframe = document.querySelector('iframe');
  if (iframe) { window.__firstHeight = iframe.getBoundingClientRect().height; observer.disconnect(); }
}).observe(document, {childList: true, subtree: true});
"""

PARAGRAPH = ("<p>Repair asks something of each of you: honesty that holds up over time, responsibility "
             "without excuses, and patience with a healing process that doesn't move in a straight line.</p>")


def blog_post(snippet: str) -> str:
    """Return a practice's blog post (no CSP, a usual content column) with the snippet mid-post."""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'><title>When trust is broken</title>"
        "<style>body{margin:0;font:18px/1.6 Georgia,serif}main{max-width:680px;margin:0 auto;padding:0 20px}"
        "</style></head><body><main><h1>When trust is broken</h1>"
        f"{PARAGRAPH}{snippet}<h2 id='after'>Where to start</h2>{PARAGRAPH * 6}</main></body></html>"
    )


@contextmanager
def widget_page(app: Flask, browser: Any, base: str, widget_id: str = "demo") -> Iterator[Any]:
    """Sign in and open the widget's admin page once it has measured its card (when that was needed)."""
    store = get_state(app).store
    if not has_admins(store):
        create_admin(store, USER, PASSWORD)
    with browser_page(browser) as page:
        sign_in_page(page, base, USER, PASSWORD)
        page.goto(f"{base}/admin/widgets/{widget_id}")
        page.wait_for_selector("#snippets[data-measured=current]", state="attached")
        yield page


def admin_snippets(app: Flask, browser: Any, base: str, widget_id: str = "demo") -> dict[str, str]:
    """Return every snippet of the widget as the admin page hands it out (measured)."""
    with widget_page(app, browser, base, widget_id) as page:
        return {mode: page.input_value(f"#snippet-{mode}") for mode in ("inline", "button", "popup", "link")}


def settled_card(page: Any) -> float:
    """Wait until the iframe has taken its card's height and return it."""
    frame = frame_of(page)
    inner = lambda: frame.evaluate("document.getElementById('rtr-root').getBoundingClientRect().height")  # noqa: E731
    outer = lambda: page.evaluate("document.querySelector('iframe').getBoundingClientRect().height")  # noqa: E731
    wait_until(lambda: abs(outer() - inner()) <= 1, "the iframe to take its card's height")
    page.wait_for_timeout(300)  # a last resize would still be counted
    return outer()


def layout_shift(browser: Any, snippet: str, width: int) -> tuple[float, float, float]:
    """Paste the snippet into a blog post; return (CLS, the iframe's first height, its loaded height)."""
    with (host_site({"/post": blog_post(snippet)}) as site,
          browser_page(browser, viewport={"width": width, "height": 800}) as page):
        page.add_init_script(WATCH_SHIFTS)
        page.goto(site + "/post")
        loaded = settled_card(page)
        cls = page.evaluate("window.__shifts.reduce((a, b) => a + b, 0)")
        return cls, page.evaluate("window.__firstHeight"), loaded


class DataAttributes(HTMLParser):
    """Collect the ``data-*`` attribute names of every tag in some HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names |= {name for name, _ in attrs if name.startswith("data-")}


def data_attributes(html: str) -> set[str]:
    """Return the names of the ``data-*`` attributes in html."""
    parser = DataAttributes()
    parser.feed(html)
    return parser.names
