"""The kinds of value a widget setting holds, each with the messages a practice reads when it is wrong.

Each kind is a pydantic type whose own check runs first and refuses with our words, so pydantic's
English never reaches a therapist; its limits (maxLength, range, pattern) still appear in the
published JSON Schema. ``error_messages`` turns a ValidationError into messages keyed by setting
path (``steps.0.link_url``, ``theme.radius``, ``notify_emails.2``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, ClassVar, Literal, NoReturn

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..email_address import check_email
from ..origins import is_web_address
from ..ssrf import url_problem
from ..timezones import is_zone
from .colours import TransparentColourError, css_colour

Errors = dict[str, str]

ERROR_TYPE = "rtr"
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")  # and lone surrogates
HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
FONT_STACK = re.compile(r"^[\w\s,'\"-]+$")
URL_LIMIT = 500
#: What we say for the few checks pydantic makes itself (a required key that is missing).
PYDANTIC_MESSAGES = {"missing": "This can't be empty."}
#: Said for anything else pydantic refuses: never its own English.
FALLBACK_MESSAGE = "This value can't be used here; please check it."


def fail(message: str, field: str = "") -> NoReturn:
    """Refuse a value with the message a practice reads; ``field`` names the sub-setting at fault."""
    raise PydanticCustomError(ERROR_TYPE, "{message}", {"message": message, "field": field})


def error_messages(error: ValidationError) -> Errors:
    """Return the first message for each failing setting path; the whole document's path is ``settings``."""
    errors: Errors = {}
    for item in error.errors(include_url=False):
        context = item.get("ctx") or {}
        path = [str(part) for part in item["loc"]] + ([context["field"]] if context.get("field") else [])
        if item["type"] == ERROR_TYPE:
            message = str(context["message"])
        else:
            message = PYDANTIC_MESSAGES.get(item["type"], FALLBACK_MESSAGE)
        errors.setdefault(".".join(path) or "settings", message)
    return errors


class Group(BaseModel):
    """A group of settings: an object with known keys (unknown ones are dropped from stored documents)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)
    not_an_object: ClassVar[str] = "Must be an object."
    unknown_key: ClassVar[str] = "Unknown setting: {key}."

    @model_validator(mode="before")
    @classmethod
    def _check_shape(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, cls):
            return value
        if not isinstance(value, dict):
            fail(cls.not_an_object)
        unknown = [key for key in value if key not in cls.model_fields]
        if unknown and (info.context or {}).get("stored"):
            return {key: item for key, item in value.items() if key in cls.model_fields}
        if unknown:
            key = str(unknown[0])[:60]
            fail(cls.unknown_key.format(key=key), field=key)
        return value


def _checked(check: Callable[..., Any], *args: Any) -> BeforeValidator:
    return BeforeValidator(partial(check, *args))


def _text(limit: int, required: bool, multiline: bool, value: Any) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        fail("Must be text.")
    value = value.strip()
    if CONTROL_CHARS.search(value):
        fail("Contains control characters; please retype it.")
    if not multiline and ("\n" in value or "\r" in value):
        fail("Keep this on one line.")
    if required and not value:
        fail("This can't be empty.")
    if len(value) > limit:
        fail(f"Keep this under {limit} characters (it has {len(value)}).")
    return value


def Text(limit: int, *, required: bool = False, multiline: bool = False) -> Any:  # noqa: N802 (a type)
    """Text of at most ``limit`` characters, trimmed; on one line unless ``multiline``."""
    return Annotated[str, Field(max_length=limit, min_length=1 if required else None),
                     _checked(_text, limit, required, multiline)]


def _web_address(value: Any) -> str:
    text = _text(URL_LIMIT, False, False, value)
    if text and not is_web_address(text):
        fail("Use a full web address starting with http:// or https://.")
    return text


#: An http(s) address, or empty.
WebAddress = Annotated[str, Field(max_length=URL_LIMIT, json_schema_extra={"pattern": "^(https?://.+)?$"}),
                       BeforeValidator(_web_address)]


def _reachable(value: str, info: ValidationInfo) -> str:
    # Only when the caller says whether private addresses are allowed (the app's
    # RTR_WEBHOOK_ALLOW_PRIVATE): then an internal address is named when saved, not when sent.
    allow_private = (info.context or {}).get("webhook_allow_private")
    if value and allow_private is not None:
        problem = url_problem(value, allow_private)
        if problem:
            fail(problem)
    return value


#: A web address the server will POST to: also checked against the SSRF guard when saved.
WebhookAddress = Annotated[WebAddress, AfterValidator(_reachable)]


def crisis_line(value: str) -> str:
    """Refuse a crisis notice without a number to reach help now (988 or 911)."""
    if not re.search(r"\b(988|911)\b", value):
        fail("The crisis notice must keep a way to reach help now (988 or 911).")
    return value


COLOUR_MESSAGE = "Use a colour like #7a3e5d, rgb(122, 62, 93) or a name like teal."


def _colour(value: Any) -> str:
    try:
        colour = css_colour(value) if isinstance(value, str) else None
    except TransparentColourError:
        fail("Use a colour without transparency, so the card stays readable on any page.")
    if colour is None:
        fail(COLOUR_MESSAGE)
    return colour


#: A colour as people type it (hex, rgb(), hsl() or a CSS name), stored as ``#rgb`` or ``#rrggbb`` in lower case.
HexColour = Annotated[str, Field(json_schema_extra={"pattern": HEX_COLOUR.pattern}), BeforeValidator(_colour)]


def _font_stack(value: Any) -> str:
    text = _text(200, True, False, value)
    if not FONT_STACK.match(text):
        fail("Use font names separated by commas, e.g. Georgia, serif.")
    return text


#: A CSS font-family list: names, spaces, commas and quotes only.
FontStack = Annotated[str, Field(max_length=200, json_schema_extra={"pattern": FONT_STACK.pattern}),
                      BeforeValidator(_font_stack)]


def _whole_number(low: int, high: int, value: Any) -> int:
    message = f"Use a whole number from {low} to {high}."
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        fail(message)
    try:
        number = int(value)
    except ValueError:
        fail(message)
    if not low <= number <= high:
        fail(message)
    return number


def WholeNumber(low: int, high: int) -> Any:  # noqa: N802 (a type)
    """A whole number from low to high; the form's text ("30") is accepted too."""
    return Annotated[int, Field(ge=low, le=high), _checked(_whole_number, low, high)]


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        fail("Must be true or false.")
    return value


#: true or false (no "yes", no 1).
Flag = Annotated[bool, BeforeValidator(_flag)]


def _choice(values: tuple[str, ...], value: Any) -> str:
    if not isinstance(value, str) or value not in values:
        fail(f"Choose one of: {', '.join(values)}.")
    return value


def Choice(*values: str) -> Any:  # noqa: N802 (a type)
    """One of values."""
    return Annotated[Literal[values], _checked(_choice, values)]  # type: ignore[valid-type]


def _code(pattern: str, value: Any) -> str:
    text = _text(64, False, False, value)
    if text and not re.fullmatch(pattern, text):
        fail("This doesn't look right; copy it again from HubSpot.")
    return text


def HubSpotCode(pattern: str) -> Any:  # noqa: N802 (a type)
    """An id copied from HubSpot matching pattern, or empty."""
    return Annotated[str, Field(json_schema_extra={"pattern": f"^(?:{pattern})?$"}), _checked(_code, pattern)]


def _normalised(normalise: Callable[[str], str | None], message: str, value: Any) -> str:
    clean = normalise(value) if isinstance(value, str) else None
    if clean is None:
        fail(message)
    return clean


NOT_AN_EMAIL = "This isn't a valid email address."


#: An email address, normalised (checked without network lookups).
EmailAddress = Annotated[str, Field(json_schema_extra={"format": "email"}),
                         _checked(_normalised, check_email, NOT_AN_EMAIL)]


def _optional_email(value: Any) -> str:
    return "" if value in ("", None) else _normalised(check_email, NOT_AN_EMAIL, value)


#: An email address, or empty.
OptionalEmail = Annotated[str, BeforeValidator(_optional_email)]


def _time_zone(value: Any) -> str:
    text = _text(64, False, False, value)
    if text and not is_zone(text):
        fail("Choose a time zone from the list: an IANA name like America/New_York.")
    return text


#: An IANA time zone name, or empty for the installation's (RTR_TIME_ZONE).
TimeZoneName = Annotated[str, Field(json_schema_extra={"examples": ["America/New_York", "Europe/Madrid"]}),
                         BeforeValidator(_time_zone)]


def _items(limit: int, exactly: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        fail("Must be a list.")
    if exactly and len(value) != limit:
        fail(exactly)
    if len(value) > limit:
        fail(f"At most {limit} entries.")
    return value


def _unique(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


def ListOf(item: Any, limit: int, *, exactly: str = "", unique: bool = False) -> Any:  # noqa: N802 (a type)
    """A list of at most ``limit`` items; ``exactly`` (the message) requires that many; ``unique`` drops repeats."""
    checks: list[Any] = [Field(max_length=limit, min_length=limit if exactly else None),
                         _checked(_items, limit, exactly)]
    if unique:
        checks.append(AfterValidator(_unique))
    return Annotated[list[item], *checks]  # type: ignore[valid-type]
