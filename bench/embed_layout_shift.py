"""Print how far a blog post moves while the inline card loads (CLS), at desktop and phone widths.

A practice's post (a usual 680 px column, text continuing below the card) pastes the inline snippet
exactly as the admin page hands it out, after that page measured the card; beside it the one-line
snippet handed out before, which reserved nothing. Real Chromium, real servers on loopback; CLS is
the sum of the layout-shift entries the visitor did not cause (PerformanceObserver, buffered).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.support.servers import ServerThread  # noqa: E402
from tests.support.snippet_pages import admin_snippets, layout_shift  # noqa: E402
from widget import create_app  # noqa: E402
from widget.queries.widgets import create_widget  # noqa: E402
from widget.settings import WidgetSettings  # noqa: E402

WIDTHS = (1280, 375)
TARGET = 0.02  # issue 11, item 3


def main() -> None:
    from playwright.sync_api import sync_playwright

    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"TESTING": True, "RTR_SECRET_KEY": "bench", "RTR_WORKER": "off",
                          "RTR_DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3"}, instance_path=folder)
        app.test_cli_runner().invoke(args=["rtr", "demo"])
        create_widget(app.extensions["rtr"].store, "Small Practice", WidgetSettings(practice_name="Small Practice"),
                      widget_id="small")
        rows = []
        with ServerThread(app) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            widget_url = server.url("localhost")
            for widget_id, label in (("demo", "demo practice"), ("small", "new widget, defaults")):
                snippets = {
                    "admin's snippet, measured": admin_snippets(app, browser, widget_url, widget_id)["inline"],
                    "one-line snippet (before)": f'<script async src="{widget_url}/embed.js" '
                                                 f'data-widget="{widget_id}"></script>',
                }
                for name, snippet in snippets.items():
                    for width in WIDTHS:
                        rows.append((label, name, width, *layout_shift(browser, snippet, width)))
            browser.close()
        app.extensions["rtr"].views.flush()  # the cards' views, before their database goes with the folder
        app.extensions["rtr"].store.engine.dispose()
    print("| card | snippet | width | CLS | first height | loaded height |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for label, name, width, cls, first, loaded in rows:
        print(f"| {label} | {name} | {width} | {cls:.3f} | {first:,.0f} | {loaded:,.0f} |")
    worst = max(cls for _, name, _, cls, _, _ in rows if "measured" in name)
    print(f"\nWorst CLS with the admin's snippet: {worst:.3f} ({'within' if worst <= TARGET else 'OVER'} "
          f"the {TARGET} target).")


if __name__ == "__main__":
    main()
