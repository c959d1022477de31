"""Run a WSGI app or a folder of static pages on a loopback port, in a thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server


class ServerThread:
    """A threaded werkzeug server on 127.0.0.1 with a random free port."""

    def __init__(self, wsgi_app: Callable[..., Any], host: str = "127.0.0.1") -> None:
        self.server: BaseWSGIServer = make_server(host, 0, wsgi_app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def url(self, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}"


def static_pages(pages: dict[str, str]) -> Callable[..., Any]:
    """Return a WSGI app serving the given HTML pages by path (a host site, for the browser tests)."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        body = pages.get(environ.get("PATH_INFO", "/"))
        if body is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body.encode("utf-8")]

    return app
