"""Widget settings: one typed model, its defaults, the demo practice, and messages that name the field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from widget.settings import WidgetSettings, consent_version, demo_settings, validate_settings
from widget.settings.kinds import COLOUR_MESSAGE, FALLBACK_MESSAGE


def test_defaults_and_demo_are_valid_and_round_trip_through_json() -> None:
    for model in (WidgetSettings(), demo_settings()):
        stored = json.loads(json.dumps(model.model_dump(mode="json")))
        clean, errors = validate_settings(stored)
        assert errors == {}
        assert clean == model == WidgetSettings.from_stored(stored)


def test_demo_is_a_couples_practice_in_los_angeles_and_las_vegas() -> None:
    demo = demo_settings()
    assert [s.name.en for s in demo.services] == ["Couples therapy", "Individual therapy", "Family therapy"]
    assert [s.name.es for s in demo.services] == ["Terapia de pareja", "Terapia individual", "Terapia familiar"]
    cities = " ".join(loc.city.en for loc in demo.locations)
    assert "Los Angeles" in cities and "Las Vegas" in cities
    assert demo.heading.en == "Ready to rebuild?"
    assert len(demo.steps) == 3
    assert demo.translation_gaps() == [], "the demo practice has every text in both languages"


def test_default_crisis_notice_names_988_and_911_in_every_language() -> None:
    notice = WidgetSettings().crisis_notice
    for text in (notice.en, notice.es):
        assert "988" in text and "911" in text


def test_settings_are_read_as_attributes_and_cannot_be_changed_in_place() -> None:
    demo = demo_settings()
    assert demo.theme.accent_color == "#7a3e5d" and demo.fields.message is True
    with pytest.raises(ValueError):
        demo.heading = "Changed behind the form's back"  # type: ignore[misc]
    with pytest.raises(ValueError):
        demo.heading.es = "Cambiado a escondidas"  # type: ignore[misc]


def _with(path: str, value: object) -> dict[str, Any]:
    settings = demo_settings().model_dump()
    target: Any = settings
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
    ("path", "value", "field", "message"),
    [
        ("heading", "", "heading.en", "Write this in English, the widget's language."),
        ("heading", "x" * 130, "heading.en", "Keep this under 120 characters (it has 130)."),
        ("heading", {"en": "Fine", "es": "x" * 121}, "heading.es", "Keep this under 120 characters (it has 121)."),
        ("heading", {"en": "Fine", "es": 7}, "heading.es", "Must be text."),
        ("heading", {"en": "Fine", "fr": "Prêt ?"}, "heading.fr", "Unknown language: fr."),
        ("heading", 7, "heading", "Give this text as an object of languages, like {\"en\": \"…\"}."),
        ("crisis_notice", "", "crisis_notice.en", "Write this in English, the widget's language."),
        ("crisis_notice", "Please take care of yourself.", "crisis_notice.en",
         "The crisis notice must keep a way to reach help now (988 or 911)."),
        ("crisis_notice", {"en": "Call 911.", "es": "Cuídese mucho."}, "crisis_notice.es",
         "The crisis notice must keep a way to reach help now (988 or 911)."),
        ("practice_name", "Bad\x00name", "practice_name", "Contains control characters; please retype it."),
        ("heading", "Ready\nto rebuild?", "heading.en", "Keep this on one line."),
        ("services.0.name", "Couples\r\ntherapy", "services.0.name.en", "Keep this on one line."),
        ("services.0.name", {"en": "", "es": "Terapia"}, "services.0.name.en",
         "Write this in English, the widget's language."),
        ("services.1", "just a name", "services.1", "Each entry has a name."),
        ("services.2", {"description": "no name"}, "services.2.name", "This can't be empty."),
        ("webhook_url", "ftp://example.com/hook", "webhook_url",
         "Use a full web address starting with http:// or https://."),
        ("webhook_url", "javascript:alert(1)", "webhook_url", "Use a full web address starting with http:// or https://."),
        ("steps.0.link_url", "example.com", "steps.0.link_url",
         "Use a full web address starting with http:// or https://."),
        ("steps.2.link_url", "https://example.com/more", "steps.2.link_label",
         "Give the link a label people can read."),
        ("steps.1.title", "", "steps.1.title.en", "Write this in English, the widget's language."),
        ("steps.1", None, "steps.1", "Each step has a title and a text."),
        ("services.0.url", "//evil.example", "services.0.url",
         "Use a full web address starting with http:// or https://."),
        ("theme.accent_color", "reddish", "theme.accent_color", COLOUR_MESSAGE),
        ("theme.background_color", "#12345", "theme.background_color", COLOUR_MESSAGE),
        ("theme.text_color", "rgba(0, 0, 0, 0.5)", "theme.text_color",
         "Use a colour without transparency, so the card stays readable on any page."),
        ("theme.radius", 99, "theme.radius", "Use a whole number from 0 to 32."),
        ("theme.radius", True, "theme.radius", "Use a whole number from 0 to 32."),
        ("theme.font_stack", "x;}</style><script>", "theme.font_stack",
         "Use font names separated by commas, e.g. Georgia, serif."),
        ("theme", "dark", "theme", "Must be an object."),
        ("allowed_origins", ["ftp://example.com"], "allowed_origins.0",
         "Type your website's address, like desertbloom.com or https://www.desertbloom.com."),
        ("allowed_origins", ["https://ok.example", "intake@example.com"], "allowed_origins.1",
         "That looks like an email address: type the website instead, like desertbloom.com."),
        ("allowed_origins", ["co.uk"], "allowed_origins.0",
         "That is an ending many sites share (like .com or github.io): type the whole website address."),
        ("allowed_origins", "https://example.com", "allowed_origins", "Must be a list."),
        ("allowed_origins", ["https://a.example"] * 41, "allowed_origins", "At most 40 entries."),
        ("allowed_origins", [f"site{n}.example" for n in range(21)], "allowed_origins",
         "At most 40 site addresses, counting the www and bare names of a site as two."),
        ("notify_emails", ["intake@example.com", "not-an-address"], "notify_emails.1",
         "This isn't a valid email address."),
        ("notify_emails", ["a@example.com\r\nBcc: x@evil.example"], "notify_emails.0",
         "This isn't a valid email address."),
        ("alert_email", "ops@", "alert_email", "This isn't a valid email address."),
        ("detail_level", "everything", "detail_level", "Choose one of: full, contact, alert."),
        ("language", "xx", "language", "Choose one of: en, es."),
        ("retention_days", 0, "retention_days", "Use a whole number from 1 to 3650."),
        ("retention_days", "9" * 5000, "retention_days", "Use a whole number from 1 to 3650."),
        ("accepting_new_clients", "yes", "accepting_new_clients", "Must be true or false."),
        ("fields", {"ssn": True}, "fields.ssn", "Unknown field: ssn."),
        ("fields", {"phone": 1}, "fields.phone", "Must be true or false."),
        ("heding", "A typo", "heding", "Unknown setting: heding."),
        ("hubspot_form_guid", "nope", "hubspot_form_guid", "This doesn't look right; copy it again from HubSpot."),
    ],
)
def test_bad_values_are_named_by_their_path_in_our_words(path: str, value: object, field: str, message: str) -> None:
    _clean, errors = validate_settings(_with(path, value))
    assert errors == {field: message}


URLS_WITH_AN_UNMATCHED_BRACKET = ["http://[", "https://[::1/x", "http://[example.com]/", "https://example.com:[/",
                                  "http://example.com:99999/", "http://example.com:port/"]


@pytest.mark.parametrize("url", URLS_WITH_AN_UNMATCHED_BRACKET)
@pytest.mark.parametrize("path", ["webhook_url", "steps.0.link_url", "services.1.url", "locations.2.url"])
def test_a_url_that_urllib_cannot_read_is_a_message_not_an_exception(path: str, url: str) -> None:
    _clean, errors = validate_settings(_with(path, url), webhook_allow_private=False)
    assert errors == {path: "Use a full web address starting with http:// or https://."}


@pytest.mark.parametrize("url", URLS_WITH_AN_UNMATCHED_BRACKET)
def test_an_origin_that_urllib_cannot_read_is_a_message_not_an_exception(url: str) -> None:
    _clean, errors = validate_settings({"allowed_origins": ["https://ok.example", url]})
    assert errors == {"allowed_origins.1": "Type your website's address, like desertbloom.com or https://www.desertbloom.com."}


def test_the_hubspot_format_needs_both_ids() -> None:
    raw = _with("webhook_format", "hubspot")
    raw["webhook_url"] = "https://api.hsforms.com/"
    assert validate_settings(raw)[1] == {"hubspot_portal_id": "HubSpot needs both the portal id and the form GUID."}


def test_longer_texts_may_have_line_breaks() -> None:
    assert validate_settings(_with("intro", "First line.\nSecond line."))[1] == {}


def test_steps_must_be_three() -> None:
    raw = demo_settings().model_dump()
    raw["steps"] = raw["steps"][:2]
    assert validate_settings(raw)[1] == {"steps": "There are exactly three steps."}


def test_not_an_object() -> None:
    assert validate_settings(["nope"])[1] == {"settings": "Settings must be a JSON object."}


def test_missing_keys_take_defaults() -> None:
    clean, errors = validate_settings({"practice_name": "Solo practice", "theme": {"radius": 4}})
    assert errors == {}
    assert clean.heading.en == "Ready to rebuild?" and clean.theme.radius == 4 and clean.theme.accent_color == "#7a3e5d"
    assert clean.heading.es == "¿Es momento de reconstruir?", "the built-in texts come in every language"


def test_values_are_cleaned_once_here() -> None:
    clean, errors = validate_settings({
        "heading": "  Spaced  ", "theme": {"accent_color": " #ABCDEF "}, "retention_days": " 30 ",
        "allowed_origins": ["HTTPS://Example.com:443", "https://example.com/", "http://localhost:8080"],
        "notify_emails": ["intake@Example.COM", "intake@example.com"],
    })
    assert errors == {}
    assert (clean.heading.en, clean.theme.accent_color, clean.retention_days) == ("Spaced", "#abcdef", 30)
    assert clean.allowed_origins == ["https://example.com", "https://www.example.com", "http://localhost:8080"]
    assert clean.notify_emails == ["intake@example.com"]


def test_on_errors_each_bad_setting_falls_back_and_the_rest_is_kept() -> None:
    saved = WidgetSettings(heading="Saved heading", theme={"accent_color": "#112233"})
    clean, errors = validate_settings({"heading": "", "intro": "Typed", "theme": {"accent_color": "pinkish"}},
                                      fallback=saved)
    assert set(errors) == {"heading.en", "theme.accent_color"}
    assert (clean.heading.en, clean.intro.en, clean.theme.accent_color) == ("Saved heading", "Typed", "#112233")


def test_consent_version_changes_with_the_wording() -> None:
    assert consent_version("I agree.") == consent_version("I agree.")
    assert consent_version("I agree.") != consent_version("I agree!")


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "http://169.254.169.254/latest", "http://10.0.0.5/x",
                                 "http://[::ffff:127.0.0.1]/x"])
def test_internal_webhook_addresses_are_named_when_saved(url: str) -> None:
    raw = _with("webhook_url", url)
    assert validate_settings(raw)[1] == {}, "without the app's setting only the URL's form is checked"
    errors = validate_settings(raw, webhook_allow_private=False)[1]
    assert set(errors) == {"webhook_url"}


def test_loopback_webhook_allowed_for_development() -> None:
    assert validate_settings(_with("webhook_url", "http://127.0.0.1:8080/hook"), webhook_allow_private=True)[1] == {}


# Pydantic's own English never reaches a therapist ----------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)
PATHS = ["heading", "steps", "steps.0", "steps.1.title", "services", "services.0", "services.0.url", "theme",
         "theme.radius", "theme.accent_color", "fields", "fields.phone", "allowed_origins", "notify_emails",
         "notify_emails.0", "language", "retention_days", "webhook_url", "alert_email", "accepting_new_clients"]


@settings(max_examples=400, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(path=st.sampled_from(PATHS), value=JSON_VALUES)
def test_any_value_anywhere_gets_one_of_our_messages(path: str, value: Any) -> None:
    _clean, errors = validate_settings(_with(path, value))
    for message in errors.values():
        assert message != FALLBACK_MESSAGE and "Input should" not in message and "Field required" not in message
