"""A phone number as a spreadsheet cell: readable, and never the start of a formula.

Spreadsheets run a cell starting with ``+`` or ``-`` as a formula, so ``+1 555 0100`` would show
``#NAME?`` (or need a visible apostrophe). The international form is written with its country
code in parentheses, ``(+1) 555 0100``, which people and diallers read the same way; separators
at the very start (``-``, ``.``, ``/``) carry nothing and are dropped.
"""

from __future__ import annotations

import re

#: ITU-T E.164 country codes of one and two digits; every other code has three. Codes are
#: prefix-free, so the digits after ``+`` name their country code unambiguously.
SHORT_COUNTRY_CODES = frozenset({
    "1", "7", "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47",
    "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81",
    "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
})
INTERNATIONAL = re.compile(r"\+\s*(\d+)(.*)", re.DOTALL)
MEANINGLESS_START = " -./"


def country_code(digits: str) -> str:
    """Return the country code that the digits after ``+`` start with."""
    for length in (1, 2):
        if digits[:length] in SHORT_COUNTRY_CODES:
            return digits[:length]
    return digits[:3]


def phone_cell(phone: str | None) -> str:
    """Return a phone as a spreadsheet reads it safely: ``+44 20 7946 0958`` -> ``(+44) 20 7946 0958``."""
    text = " ".join((phone or "").split()).lstrip(MEANINGLESS_START)
    found = INTERNATIONAL.fullmatch(text)
    if found is None:
        return text
    digits, after = found.groups()
    code = country_code(digits)
    rest = (digits[len(code):] + after).lstrip(MEANINGLESS_START)
    return f"(+{code}) {rest}".rstrip()
