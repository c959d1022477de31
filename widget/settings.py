"""A widget's settings: the defaults, the demo practice, and validation that names the bad field.

Settings are plain JSON-able dicts, so they store as one JSON column, export as config files and
travel to the browser without a translation layer. ``validate_settings`` is the single gate:
the admin form, ``flask rtr import`` and ``create-widget`` all go through it.
"""

from __future__ import annotations

import copy
import hashlib
import re
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from .ssrf import url_problem

DEFAULT_CRISIS_NOTICE = (
    "If you are in danger or thinking about harming yourself, please don't wait for us. "
    "Call or text 988, or chat at 988lifeline.org, to reach the Suicide & Crisis Lifeline "
    "any time. In an emergency, call 911."
)

DEFAULT_CONSENT = (
    "I agree that the practice may contact me about this request using the details above. "
    "I understand this form is not for emergencies."
)

MULTILINE_TEXTS = frozenset({"intro", "waitlist_text", "crisis_notice", "consent_text", "thank_you_text"})
OPTIONAL_FIELDS = ("phone", "contact_method", "service", "location", "message")
DETAIL_LEVELS = ("full", "contact", "alert")
WEBHOOK_FORMATS = ("generic", "hubspot")
LANGUAGES = ("en", "es")
HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")  # and lone surrogates
FONT_STACK = re.compile(r"^[\w\s,'\"-]+$")

Errors = dict[str, str]


def default_settings(practice_name: str = "Our practice") -> dict[str, Any]:
    """Return fresh settings for a new widget: sensible copy, all optional fields off but phone."""
    return {
        "practice_name": practice_name,
        "heading": "Ready to rebuild?",
        "intro": (
            "Whatever happened, you don't have to sort it out alone. "
            "Reaching out is a first step, and it can be a small one."
        ),
        "steps": [
            {
                "title": "Book a free consultation",
                "text": "A short, no-pressure call to talk about what's going on and whether we're a good fit.",
                "link_url": "",
                "link_label": "",
            },
            {
                "title": "Read a little more",
                "text": "Learn how therapy can help you heal, together or on your own.",
                "link_url": "",
                "link_label": "",
            },
            {
                "title": "You are not alone",
                "text": "Many people come to us after trust was broken. Healing is possible at your own pace.",
                "link_url": "",
                "link_label": "",
            },
        ],
        "services": [],
        "locations": [],
        "accepting_new_clients": True,
        "waitlist_text": "We have a short waitlist right now. Leave your details and we'll reach out as soon as a spot opens.",
        "response_time": "within one business day",
        "crisis_notice": DEFAULT_CRISIS_NOTICE,
        "consent_text": DEFAULT_CONSENT,
        "submit_label": "Request my free consultation",
        "launcher_label": "Ready to rebuild?",
        "thank_you_heading": "Thank you for reaching out",
        "thank_you_text": "Your request is safely with us. Someone from our team will contact you {response_time}.",
        "theme": {
            "accent_color": "#7a3e5d",
            "background_color": "#fffaf6",
            "text_color": "#2b2a33",
            "radius": 12,
            "font_stack": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
        },
        "language": "en",
        "allowed_origins": [],
        "fields": {"phone": True, "contact_method": False, "service": False, "location": False, "message": False},
        "notify_emails": [],
        "detail_level": "contact",
        "alert_email": "",
        "confirmation_email": False,
        "webhook_url": "",
        "webhook_format": "generic",
        "hubspot_portal_id": "",
        "hubspot_form_guid": "",
        "retention_days": 90,
    }


def demo_settings() -> dict[str, Any]:
    """Return the demo practice: a couples therapist in Los Angeles and Las Vegas."""
    settings = default_settings("Harbor Light Couples Therapy")
    settings["intro"] = (
        "When trust breaks, it can feel like the ground moved under you. We help couples and "
        "individuals slow down, make sense of what happened, and decide what comes next."
    )
    settings["steps"][0]["link_url"] = "https://example.com/consultation"
    settings["steps"][0]["link_label"] = "How the consultation works"
    settings["steps"][1]["link_url"] = "https://example.com/blog"
    settings["steps"][1]["link_label"] = "More articles on trust and repair"
    settings["services"] = [
        {"name": "Couples therapy", "description": "Repair after betrayal, rebuild communication and closeness.",
         "url": "https://example.com/couples-therapy"},
        {"name": "Individual therapy", "description": "Space to sort through your own grief, anger and next steps.",
         "url": "https://example.com/individual-therapy"},
        {"name": "Family therapy", "description": "Help for families finding their footing after a hard season.",
         "url": "https://example.com/family-therapy"},
    ]
    settings["locations"] = [
        {"name": "Los Angeles office", "city": "Los Angeles, CA", "url": "https://example.com/los-angeles"},
        {"name": "Las Vegas office", "city": "Las Vegas, NV", "url": "https://example.com/las-vegas"},
        {"name": "Online sessions", "city": "telehealth", "url": "https://example.com/telehealth"},
    ]
    settings["fields"] = {"phone": True, "contact_method": True, "service": True, "location": True, "message": True}
    settings["notify_emails"] = ["intake@example.com"]
    return settings


def consent_version(consent_text: str) -> str:
    """Return a short, stable fingerprint of the consent wording the person agreed to."""
    return hashlib.sha256(consent_text.encode("utf-8")).hexdigest()[:12]


def validate_settings(raw: Any, webhook_allow_private: bool | None = None) -> tuple[dict[str, Any], Errors]:
    """Return (clean settings, errors by field path). Missing keys take their defaults.

    With ``webhook_allow_private`` (the app's RTR_WEBHOOK_ALLOW_PRIVATE) the webhook URL is also
    checked against the SSRF guard, so an internal address is named when it is saved, not sent.
    """
    errors: Errors = {}
    if not isinstance(raw, dict):
        return default_settings(), {"settings": "Settings must be a JSON object."}
    base = default_settings()
    clean: dict[str, Any] = {}
    texts = {
        "practice_name": (120, True), "heading": (120, True), "intro": (600, False),
        "waitlist_text": (300, False), "response_time": (80, False), "crisis_notice": (600, True),
        "consent_text": (600, True), "submit_label": (60, True), "launcher_label": (60, True),
        "thank_you_heading": (120, True), "thank_you_text": (600, True),
    }
    for key, (limit, required) in texts.items():
        clean[key] = _text(raw.get(key, base[key]), key, limit, required, errors, multiline=key in MULTILINE_TEXTS)
    if clean["crisis_notice"] and not re.search(r"\b(988|911)\b", clean["crisis_notice"]):
        errors["crisis_notice"] = "The crisis notice must keep a way to reach help now (988 or 911)."
    clean["steps"] = _steps(raw.get("steps", base["steps"]), errors)
    clean["services"] = _items(raw.get("services", []), "services", ("name", "description", "url"), errors)
    clean["locations"] = _items(raw.get("locations", []), "locations", ("name", "city", "url"), errors)
    clean["accepting_new_clients"] = _bool(raw.get("accepting_new_clients", True), "accepting_new_clients", errors)
    clean["confirmation_email"] = _bool(raw.get("confirmation_email", False), "confirmation_email", errors)
    clean["theme"] = _theme(raw.get("theme", base["theme"]), errors)
    clean["language"] = _choice(raw.get("language", "en"), "language", LANGUAGES, errors)
    clean["allowed_origins"] = _origins(raw.get("allowed_origins", []), errors)
    clean["fields"] = _fields(raw.get("fields", base["fields"]), errors)
    clean["notify_emails"] = _emails(raw.get("notify_emails", []), "notify_emails", errors)
    clean["alert_email"] = _optional_email(raw.get("alert_email", ""), "alert_email", errors)
    clean["detail_level"] = _choice(raw.get("detail_level", "contact"), "detail_level", DETAIL_LEVELS, errors)
    clean["webhook_url"] = _url(raw.get("webhook_url", ""), "webhook_url", errors)
    if webhook_allow_private is not None and clean["webhook_url"] and "webhook_url" not in errors:
        problem = url_problem(clean["webhook_url"], webhook_allow_private)
        if problem:
            errors["webhook_url"] = problem
    clean["webhook_format"] = _choice(raw.get("webhook_format", "generic"), "webhook_format", WEBHOOK_FORMATS, errors)
    clean["hubspot_portal_id"] = _pattern(raw.get("hubspot_portal_id", ""), "hubspot_portal_id", r"\d{1,12}", errors)
    clean["hubspot_form_guid"] = _pattern(
        raw.get("hubspot_form_guid", ""), "hubspot_form_guid", r"[0-9a-fA-F-]{36}", errors
    )
    if clean["webhook_format"] == "hubspot" and clean["webhook_url"] and not (
        clean["hubspot_portal_id"] and clean["hubspot_form_guid"]
    ):
        errors.setdefault("hubspot_portal_id", "HubSpot needs both the portal id and the form GUID.")
    clean["retention_days"] = _int(raw.get("retention_days", 90), "retention_days", 1, 3650, errors)
    return clean, errors


def merged(settings: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of settings with the top-level keys in changes replaced."""
    result = copy.deepcopy(settings)
    result.update(copy.deepcopy(changes))
    return result


def _text(value: Any, key: str, limit: int, required: bool, errors: Errors, multiline: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[key] = "Must be text."
        return ""
    value = value.strip()
    if CONTROL_CHARS.search(value):
        errors[key] = "Contains control characters; please retype it."
    elif not multiline and ("\n" in value or "\r" in value):
        errors[key] = "Keep this on one line."
    elif required and not value:
        errors[key] = "This can't be empty."
    elif len(value) > limit:
        errors[key] = f"Keep this under {limit} characters (it has {len(value)})."
    return value


def _url(value: Any, key: str, errors: Errors) -> str:
    text = _text(value, key, 500, False, errors)
    if text and key not in errors:
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            errors[key] = "Use a full web address starting with http:// or https://."
    return text


def _bool(value: Any, key: str, errors: Errors) -> bool:
    if isinstance(value, bool):
        return value
    errors[key] = "Must be true or false."
    return False


def _int(value: Any, key: str, low: int, high: int, errors: Errors) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        errors[key] = f"Use a whole number from {low} to {high}."
        return low
    try:
        number = int(value)
    except ValueError:
        errors[key] = f"Use a whole number from {low} to {high}."
        return low
    if not low <= number <= high:
        errors[key] = f"Use a whole number from {low} to {high}."
    return number


def _choice(value: Any, key: str, choices: tuple[str, ...], errors: Errors) -> str:
    if value not in choices:
        errors[key] = f"Choose one of: {', '.join(choices)}."
        return choices[0]
    return str(value)


def _pattern(value: Any, key: str, pattern: str, errors: Errors) -> str:
    text = _text(value, key, 64, False, errors)
    if text and key not in errors and not re.fullmatch(pattern, text):
        errors[key] = "This doesn't look right; copy it again from HubSpot."
    return text


def _list(value: Any, key: str, limit: int, errors: Errors) -> list[Any]:
    if not isinstance(value, list):
        errors[key] = "Must be a list."
        return []
    if len(value) > limit:
        errors[key] = f"At most {limit} entries."
        return value[:limit]
    return value


def _steps(value: Any, errors: Errors) -> list[dict[str, str]]:
    steps = _list(value, "steps", 3, errors)
    if "steps" not in errors and len(steps) != 3:
        errors["steps"] = "There are exactly three steps."
    clean = []
    for index, step in enumerate(steps):
        prefix = f"steps.{index}"
        if not isinstance(step, dict):
            errors[prefix] = "Each step has a title and a text."
            continue
        item = {
            "title": _text(step.get("title", ""), f"{prefix}.title", 80, True, errors),
            "text": _text(step.get("text", ""), f"{prefix}.text", 300, False, errors, multiline=True),
            "link_url": _url(step.get("link_url", ""), f"{prefix}.link_url", errors),
            "link_label": _text(step.get("link_label", ""), f"{prefix}.link_label", 80, False, errors),
        }
        if item["link_url"] and not item["link_label"]:
            errors.setdefault(f"{prefix}.link_label", "Give the link a label people can read.")
        clean.append(item)
    return clean


def _items(value: Any, key: str, names: tuple[str, str, str], errors: Errors) -> list[dict[str, str]]:
    clean = []
    for index, entry in enumerate(_list(value, key, 20, errors)):
        prefix = f"{key}.{index}"
        if not isinstance(entry, dict):
            errors[prefix] = "Each entry has a name."
            continue
        first, second, url = names
        clean.append({
            first: _text(entry.get(first, ""), f"{prefix}.{first}", 80, True, errors),
            second: _text(entry.get(second, ""), f"{prefix}.{second}", 160, False, errors),
            url: _url(entry.get(url, ""), f"{prefix}.{url}", errors),
        })
    return clean


def _theme(value: Any, errors: Errors) -> dict[str, Any]:
    base = default_settings()["theme"]
    if not isinstance(value, dict):
        errors["theme"] = "Must be an object."
        return base
    clean: dict[str, Any] = {}
    for key in ("accent_color", "background_color", "text_color"):
        colour = value.get(key, base[key])
        if not isinstance(colour, str) or not HEX_COLOUR.match(colour.strip()):
            errors[f"theme.{key}"] = "Use a hex colour like #7a3e5d."
            colour = base[key]
        clean[key] = colour.strip().lower()
    clean["radius"] = _int(value.get("radius", base["radius"]), "theme.radius", 0, 32, errors)
    font = _text(value.get("font_stack", base["font_stack"]), "theme.font_stack", 200, True, errors)
    if font and "theme.font_stack" not in errors and not FONT_STACK.match(font):
        errors["theme.font_stack"] = "Use font names separated by commas, e.g. Georgia, serif."
    clean["font_stack"] = font
    return clean


def _fields(value: Any, errors: Errors) -> dict[str, bool]:
    if not isinstance(value, dict):
        errors["fields"] = "Must be an object."
        return dict(default_settings()["fields"])
    unknown = set(value) - set(OPTIONAL_FIELDS)
    if unknown:
        errors["fields"] = f"Unknown field: {sorted(unknown)[0]}."
    return {name: _bool(value.get(name, False), f"fields.{name}", errors) for name in OPTIONAL_FIELDS}


def normalise_origin(text: str) -> str | None:
    """Return ``scheme://host[:port]`` in lower case, or None when text is not an origin."""
    parts = urlsplit(text.strip())
    try:
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        return None
    default_port = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    suffix = f":{port}" if port and port != default_port else ""
    return f"{parts.scheme}://{host}{suffix}"


def _origins(value: Any, errors: Errors) -> list[str]:
    clean = []
    for index, entry in enumerate(_list(value, "allowed_origins", 20, errors)):
        origin = normalise_origin(entry) if isinstance(entry, str) else None
        if origin is None:
            errors[f"allowed_origins.{index}"] = (
                "Use scheme://host[:port] only, like https://www.example.com (no path)."
            )
        elif origin not in clean:
            clean.append(origin)
    return clean


def check_email(value: str) -> str | None:
    """Return the normalised address, or None when it is not a valid email (no network lookups)."""
    try:
        address = validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return None
    # An RFC 2047 encoded-word is legal in a local part but is no one's real address, and older
    # Pythons decode it inside headers (CVE-2024-6923): refuse it wherever an address is entered.
    return None if "=?" in address else address


def _emails(value: Any, key: str, errors: Errors) -> list[str]:
    clean = []
    for index, entry in enumerate(_list(value, key, 10, errors)):
        address = check_email(entry) if isinstance(entry, str) else None
        if address is None:
            errors[f"{key}.{index}"] = "This isn't a valid email address."
        elif address not in clean:
            clean.append(address)
    return clean


def _optional_email(value: Any, key: str, errors: Errors) -> str:
    if value in ("", None):
        return ""
    address = check_email(value) if isinstance(value, str) else None
    if address is None:
        errors[key] = "This isn't a valid email address."
        return ""
    return address
