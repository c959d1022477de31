"""Widget settings: defaults, the demo practice, and validation that names the field."""

from __future__ import annotations

import copy

import pytest

from widget.settings import (
    consent_version,
    default_settings,
    demo_settings,
    normalise_origin,
    validate_settings,
)


def test_defaults_and_demo_are_valid() -> None:
    for settings in (default_settings(), demo_settings()):
        clean, errors = validate_settings(settings)
        assert errors == {}
        assert clean == settings


def test_demo_is_a_couples_practice_in_los_angeles_and_las_vegas() -> None:
    demo = demo_settings()
    assert [s["name"] for s in demo["services"]] == ["Couples therapy", "Individual therapy", "Family therapy"]
    cities = " ".join(loc["city"] for loc in demo["locations"])
    assert "Los Angeles" in cities and "Las Vegas" in cities
    assert demo["heading"] == "Ready to rebuild?"
    assert len(demo["steps"]) == 3


def test_default_crisis_notice_names_988_and_911() -> None:
    notice = default_settings()["crisis_notice"]
    assert "988" in notice and "911" in notice


def _with(path: str, value: object) -> dict:
    settings = copy.deepcopy(demo_settings())
    target = settings
    parts = path.split(".")
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    last = parts[-1]
    if last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return settings


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("heading", "", "can't be empty"),
        ("heading", "x" * 121, "under 120"),
        ("crisis_notice", "", "can't be empty"),
        ("crisis_notice", "Please take care of yourself.", "988 or 911"),
        ("practice_name", "Bad\x00name", "control characters"),
        ("heading", "Ready\nto rebuild?", "one line"),
        ("services.0.name", "Couples\r\ntherapy", "one line"),
        ("webhook_url", "ftp://example.com/hook", "http:// or https://"),
        ("webhook_url", "javascript:alert(1)", "http:// or https://"),
        ("steps.0.link_url", "example.com", "http:// or https://"),
        ("steps.1.title", "", "can't be empty"),
        ("services.0.url", "//evil.example", "http:// or https://"),
        ("theme.accent_color", "red", "hex colour"),
        ("theme.background_color", "#12345", "hex colour"),
        ("theme.radius", 99, "0 to 32"),
        ("theme.font_stack", "x;}</style><script>", "font names"),
        ("allowed_origins", ["https://example.com/blog"], "scheme://host"),
        ("allowed_origins", ["example.com"], "scheme://host"),
        ("notify_emails", ["not-an-address"], "valid email"),
        ("notify_emails", ["a@example.com\r\nBcc: x@evil.example"], "valid email"),
        ("detail_level", "everything", "Choose one of"),
        ("language", "xx", "Choose one of"),
        ("retention_days", 0, "1 to 3650"),
        ("accepting_new_clients", "yes", "true or false"),
        ("fields", {"ssn": True}, "Unknown field"),
    ],
)
def test_bad_values_are_named(path: str, value: object, message: str) -> None:
    _clean, errors = validate_settings(_with(path, value))
    field = path if path in errors else next((k for k in errors if k.startswith(path)), None)
    assert field is not None, errors
    assert message in errors[field]


def test_longer_texts_may_have_line_breaks() -> None:
    settings = dict(demo_settings(), intro="First line.\nSecond line.")
    assert validate_settings(settings)[1] == {}


def test_steps_must_be_three() -> None:
    settings = demo_settings()
    settings["steps"] = settings["steps"][:2]
    assert "steps" in validate_settings(settings)[1]


def test_not_an_object() -> None:
    assert validate_settings(["nope"])[1] == {"settings": "Settings must be a JSON object."}


def test_missing_keys_take_defaults() -> None:
    clean, errors = validate_settings({"practice_name": "Solo practice"})
    assert errors == {}
    assert clean["heading"] == "Ready to rebuild?"


def test_origins_are_normalised_and_deduplicated() -> None:
    clean, errors = validate_settings({"allowed_origins": ["HTTPS://Example.com:443", "https://example.com/",
                                                           "http://localhost:8080"]})
    assert errors == {}
    assert clean["allowed_origins"] == ["https://example.com", "http://localhost:8080"]


@pytest.mark.parametrize(
    ("text", "origin"),
    [("https://a.example", "https://a.example"), ("http://a.example:80", "http://a.example"),
     ("http://[::1]:5000", "http://[::1]:5000"), ("https://a.example/path", None), ("a.example", None),
     ("https://user@a.example", None), ("https://a.example:99999", None)],
)
def test_normalise_origin(text: str, origin: str | None) -> None:
    assert normalise_origin(text) == origin


def test_consent_version_changes_with_the_wording() -> None:
    assert consent_version("I agree.") == consent_version("I agree.")
    assert consent_version("I agree.") != consent_version("I agree!")


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "http://169.254.169.254/latest", "http://10.0.0.5/x",
                                 "http://[::ffff:127.0.0.1]/x"])
def test_internal_webhook_addresses_are_named_when_saved(url: str) -> None:
    settings = dict(demo_settings(), webhook_url=url)
    assert validate_settings(settings)[1] == {}, "without the app's setting only the URL's form is checked"
    errors = validate_settings(settings, webhook_allow_private=False)[1]
    assert set(errors) == {"webhook_url"}


def test_loopback_webhook_allowed_for_development() -> None:
    settings = dict(demo_settings(), webhook_url="http://127.0.0.1:8080/hook")
    assert validate_settings(settings, webhook_allow_private=True)[1] == {}
