"""Where to go after signing in: only a path on our own admin, judged the way a browser will read it.

Browsers drop tabs and newlines inside a URL and read ``\\`` as ``/``, so ``/\\t/evil.example``
becomes ``//evil.example``, another site. A proxy or a second parse may decode ``%2F`` once more.
So a ``next`` value is refused when any of those could change where it leads, checked both as given
and decoded once; what is left must be a plain path under the admin, without dot segments.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

#: Control characters, whitespace (Unicode too) and backslashes: never part of a path we redirect to.
UNSAFE = re.compile(r"[\x00-\x20\x7f-\xa0\\\u1680\u2000-\u200f\u2028-\u202f\u205f\u3000\ufeff]")
DOT_SEGMENT = re.compile(r"/\.{1,2}(?:/|$)")


def safe_next(target: object, admin_root: str) -> str | None:
    """Return target as a same-site path under admin_root (like ``/admin/``), or None when it isn't one."""
    if not isinstance(target, str) or not target or UNSAFE.search(target):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    path = unquote(parts.path)
    if UNSAFE.search(path) or path.startswith("//") or DOT_SEGMENT.search(path):
        return None
    if not (path == admin_root.rstrip("/") or path.startswith(admin_root)):
        return None
    return urlunsplit(("", "", parts.path, parts.query, ""))
