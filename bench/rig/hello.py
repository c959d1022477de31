"""A bare Flask hello-world: the yardstick the widget's pages are compared with."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
