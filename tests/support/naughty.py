"""The bad-input suite's parts: the naughty strings, a tally that prints figures, and the lead oracle.

The oracle states what the form must accept, written from the rules (not from the form's code):
one-line fields refuse every control character (Unicode category Cc) and line separators; the
message may keep tabs and line breaks; email is checked by email-validator without network
lookups; a phone is digits with common punctuation, an optional extension, 7 to 20 digits.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email

DATA = Path(__file__).resolve().parent.parent / "data"
LIMITS = {"name": 120, "email": 254, "phone": 40, "message": 500}
PHONE_PUNCTUATION = set("0123456789+()./- ")
EXTENSION = re.compile(r"(?:ext\.?|x|#)\s*\d{1,6}$", re.IGNORECASE)
CONTACT_METHODS = ("", "None", "email", "phone", "text")


def naughty_strings() -> list[str]:
    """Return the Big List of Naughty Strings (tests/data/blns.json, MIT, see blns.LICENSE)."""
    return json.loads((DATA / "blns.json").read_text(encoding="utf-8"))


@dataclass
class Tally:
    """Counts of one run: tried, accepted, rejected by reason, 5xx, and any disagreement."""

    title: str
    tried: int = 0
    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    server_errors: int = 0
    problems: list[str] = field(default_factory=list)

    def reject(self, *reasons: str) -> None:
        self.rejected.update(reasons)

    def report(self) -> str:
        """Return the figures as a small table (printed by the tests)."""
        lines = [f"\n{self.title}", f"  inputs tried        {self.tried:>6}",
                 f"  accepted            {self.accepted:>6}",
                 f"  rejected            {self.tried - self.accepted - self.server_errors:>6}"]
        lines += [f"    {reason:<30}{count:>6}" for reason, count in sorted(self.rejected.items())]
        lines += [f"  5xx                 {self.server_errors:>6}", f"  disagreements       {len(self.problems):>6}"]
        return "\n".join(lines)


def _controls(value: str, allowed: str = "") -> bool:
    return any((unicodedata.category(c) == "Cc" or c in "\u2028\u2029") and c not in allowed for c in value)


def text_problem(value: str, limit: int, required: bool, multiline: bool = False) -> str | None:
    """Return why a text field must be refused, or None."""
    if _controls(value, "\t\r\n" if multiline else ""):
        return "control_chars"
    if required and not value.strip():
        return "required"
    if len(value) > limit:
        return "too_long"
    return None


def email_problem(value: str) -> str | None:
    problem = text_problem(value, LIMITS["email"], required=True)
    if problem:
        return problem
    try:
        validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        return "bad_email"
    return None


def phone_problem(value: str) -> str | None:
    problem = text_problem(value, LIMITS["phone"], required=False)
    if problem or not value.strip():
        return problem
    number = EXTENSION.sub("", value.strip())
    if any(c not in PHONE_PUNCTUATION and not c.isspace() for c in number):
        return "bad_phone"
    if not 7 <= sum(c.isdigit() for c in value) <= 20:
        return "bad_phone"
    return None


def lead_problems(lead: dict[str, str]) -> dict[str, str]:
    """Return {field: reason} for everything the form must refuse in this submission."""
    checks = {
        "name": text_problem(lead.get("name", ""), LIMITS["name"], required=True),
        "email": email_problem(lead.get("email", "")),
        "phone": phone_problem(lead.get("phone", "")),
        "message": text_problem(lead.get("message", ""), LIMITS["message"], required=False, multiline=True),
        "contact_method": None if lead.get("contact_method", "") in CONTACT_METHODS else "required",
        "consent": None if lead.get("consent") else "consent_required",
    }
    return {name: reason for name, reason in checks.items() if reason}


def expected_row(lead: dict[str, str]) -> dict[str, Any]:
    """Return the stored values a valid submission must produce."""
    return {
        "name": lead["name"].strip(),
        "email": validate_email(lead["email"].strip(), check_deliverability=False).normalized,
        "phone": lead.get("phone", "").strip(),
        "message": lead.get("message", "").strip(),
    }


def row_problems(row: dict[str, Any], services: list[str], locations: list[str]) -> list[str]:
    """Return what is wrong with a stored lead row (nothing, for a row the form let through)."""
    wrong = [name for name, reason in lead_problems({**row, "consent": "y"}).items() if reason]
    if row["page_url"] and (not row["page_url"].startswith(("http://", "https://")) or _controls(row["page_url"])):
        wrong.append("page_url")
    utm = row["utm"] if isinstance(row["utm"], dict) else json.loads(row["utm"] or "{}")
    if any(len(v) > 200 or _controls(v) for v in utm.values()):
        wrong.append("utm")
    if row["service"] not in ["", *services]:
        wrong.append("service")
    if row["location"] not in ["", *locations]:
        wrong.append("location")
    if row["contact_method"] not in ("", "email", "phone", "text") or row["language"] not in ("en", "es"):
        wrong.append("choices")
    return wrong


class FormFields(HTMLParser):
    """Collect the fields of one form in a page, as a browser would submit them untouched."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, False, []  # type: ignore[var-annotated]
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        elif tag == "option" and self.inside and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))
        elif not self.inside or not a.get("name"):
            return
        elif tag == "input" and (a.get("type") not in ("checkbox", "radio") or "checked" in a):
            if a.get("type") not in ("submit", "button"):
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields.append((a["name"], ""))
        elif tag == "select":
            self._select = a["name"]

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            name, value = self.fields[-1]
            self.fields[-1] = (name, value + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            if self._textarea is not None:  # HTML drops one line break right after <textarea>
                value = self.fields[-1][1]
                self.fields[-1] = (self._textarea, value[2:] if value.startswith("\r\n") else value.removeprefix("\n"))
            self._textarea = None
        elif tag == "select":
            self._select = None

    @classmethod
    def of(cls, html: str, form_id: str) -> dict[str, str]:
        parser = cls(form_id)
        parser.feed(html)
        return dict(parser.fields)
