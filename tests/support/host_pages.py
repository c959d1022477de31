"""A practice's website for the browser tests: pages on 127.0.0.1 embedding the widget from localhost."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import select

from widget.schema import leads

from .servers import ServerThread, static_pages

# The host page's own policy is strict: the loader may only style through the CSSOM.
HOST_CSP = "default-src 'none'; script-src {w}; frame-src {w}; style-src 'self'; img-src 'self'"

# Collects CSP violations on the host page (init scripts run outside the page's CSP).
WATCH_CSP = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective));
"""


# Records the loader's host events (name and detail) in order.
EVENTS = """
window.__events = [];
['ready', 'open', 'close', 'submitted'].forEach(name =>
  window.addEventListener('rtr:' + name, e => window.__events.push([name, JSON.stringify(e.detail)])));
"""


def host_page(widget_url: str, body: str, title: str = "When trust is broken") -> str:
    """Return a host page under a strict CSP; ``{w}`` in ``body`` becomes the widget server's URL."""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{HOST_CSP.format(w=widget_url)}\">"
        f"<title>{title}</title></head><body><main><h1>{title}</h1>"
        "<p>Trust can be rebuilt, step by step.</p>"
        f"{body.replace('{w}', widget_url)}</main></body></html>"
    )


@contextmanager
def host_site(pages: dict[str, str]) -> Iterator[str]:
    """Serve pages on 127.0.0.1 (a different site from the widget's localhost) and yield the base URL."""
    with ServerThread(static_pages(pages)) as server:
        yield server.url("127.0.0.1")


@contextmanager
def browser_page(browser: Any, **options: Any) -> Iterator[Any]:
    """Yield a page in a fresh context (no shared cookies or storage) that records CSP violations.

    Host pages forbid eval, which Playwright's polling ``wait_for_function`` needs: use ``wait_until``.
    """
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    context.add_init_script(WATCH_CSP)
    try:
        yield context.new_page()
    finally:
        context.close()


def stored_leads(app: Flask) -> list[Any]:
    """Return the lead rows in the app's store, oldest first."""
    with app.extensions["rtr"].store.reading() as conn:
        return list(conn.execute(select(leads).order_by(leads.c.id)))


def fill_lead(frame: Any, name: str, email: str, consent: bool = True) -> None:
    """Type a lead into the widget's form inside ``frame`` (a Playwright FrameLocator or Frame)."""
    frame.locator("input[name=name]").fill(name)
    frame.locator("input[name=email]").fill(email)
    if consent:
        frame.locator("input[name=consent]").check()


def wait_until(check: Callable[[], Any], what: str, timeout: float = 8.0) -> Any:
    """Poll until check() is truthy (the browser settles asynchronously); fail naming what we waited for."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            assert result, f"gave up waiting for {what}"
            return result
        time.sleep(0.05)


def frame_of(page: Any, index: int = 0) -> Any:
    """Return the widget's frame (cross-origin, so only Playwright can look inside)."""
    wait_until(lambda: page.evaluate("document.querySelectorAll('iframe').length") > index, f"iframe #{index}")
    handle = page.query_selector_all("iframe")[index]
    frame = wait_until(handle.content_frame, "the iframe's document")
    frame.wait_for_selector(".rtr-card", state="attached")
    return frame
