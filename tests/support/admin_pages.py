"""Helpers for admin page tests: read a form as a browser would submit it, sign in, find errors."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from widget.state import get_state

EDIT = "/admin/widgets/demo"


class FormReader(HTMLParser):
    """Collect the fields of one form as a browser would submit them."""

    def __init__(self, form_id: str | None) -> None:
        super().__init__()
        self.form_id, self.inside, self.depth = form_id, False, 0
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._first_option: str | None = None
        self._selected = False
        self._templates = 0  # inside <template>: inert, never submitted

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self._templates += tag == "template"
        if tag == "form" and (self.form_id is None or a.get("id") == self.form_id) and not self.fields:
            self.inside = True
        if not self.inside or self._templates:
            return
        name = a.get("name")
        if tag == "input" and name:
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value") or "y"))
            elif a.get("type") not in ("submit", "button"):
                self.fields.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.append((name, ""))
        elif tag == "select" and name:
            self._select, self._first_option, self._selected = name, None, False
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
            if "selected" in a:
                self.fields.append((self._select, a.get("value", "")))
                self._selected = True

    def handle_endtag(self, tag: str) -> None:
        self._templates -= tag == "template"
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            if not self._selected:
                self.fields.append((self._select, self._first_option or ""))
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            name, value = self.fields[-1]
            self.fields[-1] = (name, value + data)


def read_form(html: str, form_id: str | None = "settings-form") -> dict[str, str]:
    reader = FormReader(form_id)
    reader.feed(html)
    fields = dict(reader.fields)
    assert "csrf_token" in fields, "the form has no CSRF token"
    return {name: re.sub(r"^\r?\n", "", value) for name, value in fields.items()}


def edit_form(admin: FlaskClient, path: str = EDIT) -> dict[str, str]:
    return read_form(admin.get(path).get_data(as_text=True))


def error_of(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    return match.group(1) if match else ""


def store_of(app: Flask) -> Any:
    return get_state(app).store


def sign_in_page(page: Any, base: str, user: str, password: str, landing: str = "/admin/") -> None:
    """Sign in through the real login page in a browser and wait to land on ``landing``."""
    page.goto(f"{base}{landing}")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}{landing}")
