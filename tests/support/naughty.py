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
