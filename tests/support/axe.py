"""axe-core (as shipped by axe_playwright_python) run in a Playwright page or frame."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import pytest

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}


@cache
def axe_source() -> str:
    """Return axe-core's source."""
    try:
        return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
    except ModuleNotFoundError:
        pytest.fail("axe_playwright_python (in setup.cfg's test extra) is not installed")


def violations(target: Any, context: str = "document", options: dict[str, Any] | None = None) -> list[str]:
    """Inject axe-core into a page or frame (evaluate is not bound by the page's CSP), run it, list violations."""
    target.evaluate(axe_source())
    result = target.evaluate(f"axe.run({context}, {json.dumps(options or WCAG)})")
    assert result["passes"], "axe did not run"
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}x: {v['nodes'][0]['target']})" for v in result["violations"]]


def assert_accessible_page(page: Any, url: str | None = None) -> None:
    """axe-core finds no violations on the page, and nothing scrolls sideways."""
    if url:
        page.goto(url)
    assert violations(page) == [], page.url
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} scrolls sideways at {width[1]} px: {width[0]} px wide"
