"""Localised settings: a version per language, the fallback rule, what older code stored, what the admin is told."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from widget.settings import WidgetSettings, demo_settings, validate_settings

LEGACY_SQL = Path(__file__).resolve().parent / "data" / "legacy" / "9e101c1.sqlite.sql"
BUILT_IN_ES_HEADING = "¿Es momento de reconstruir?"


def legacy_settings(widget_id: str) -> dict[str, Any]:
    """Return the settings document release 9e101c1 stored for a widget (plain strings everywhere)."""
    for line in LEGACY_SQL.read_text(encoding="utf-8").splitlines():
        match = re.match(rf"INSERT INTO \"rtr_widgets\" VALUES\('{widget_id}','[^']*','(.*?)',\d", line)
        if match:
            return json.loads(match.group(1).replace("''", "'"))
    raise AssertionError(f"no widget {widget_id} in {LEGACY_SQL.name}")


def test_plain_texts_stored_by_older_code_load_as_the_english_version() -> None:
    stored = legacy_settings("harbor")
    assert stored["heading"] == "Ready when you are" and stored["locations"][2]["city"] == "telehealth"
    settings = WidgetSettings.from_stored(stored)
    assert (settings.heading.en, settings.heading.es) == ("Ready when you are", "")
    assert settings.services[0].name.en == "Couples therapy" and settings.services[0].name.es == ""
    # An unchanged built-in text is the built-in text in every language.
    assert settings.steps[0].title.es == "Reserve una consulta gratuita"
    assert settings.consent_text.es.startswith("Acepto que el consultorio")
    # "telehealth" in the city marked online sessions; now a flag the card words in each language.
    assert settings.locations[2].online is True and settings.locations[2].city.en == ""
    assert validate_settings(settings.model_dump())[1] == {}


def test_plain_texts_of_an_older_spanish_widget_are_its_spanish_version() -> None:
    stored = {**legacy_settings("quiet"), "language": "es", "heading": "¿Hablamos?",
              "submit_label": "Quiero mi consulta"}
    settings = WidgetSettings.from_stored(stored)
    assert (settings.heading.es, settings.heading.en) == ("¿Hablamos?", "")
    assert settings.submit_label.es == "Quiero mi consulta"
    # Its untouched English defaults were shown to Spanish visitors before; now they have Spanish.
    assert settings.thank_you_heading.es == "Gracias por comunicarse con nosotros"
    assert settings.shown_in("es").heading == "¿Hablamos?"
    assert settings.shown_in("en").heading == "Ready to rebuild?", "English readers get the built-in English"


def test_a_new_widget_set_to_spanish_starts_with_spanish_texts() -> None:
    settings, errors = validate_settings({"practice_name": "Río Claro", "language": "es"})
    assert errors == {}
    shown = settings.shown_in("es")
    assert shown.heading == BUILT_IN_ES_HEADING and shown.submit_label == "Solicitar mi consulta gratuita"
    assert "988" in shown.crisis_notice and "marque el 2" in shown.crisis_notice
    assert settings.translation_gaps() == []


def test_the_fallback_rule() -> None:
    settings, errors = validate_settings({
        "heading": {"en": "Ready when you are"},
        "intro": {"en": "", "es": ""},
        "waitlist_text": {"en": "", "es": "Nuestra lista de espera es de tres semanas."},
        "services": [{"name": {"en": "Couples therapy", "es": "Terapia de pareja"}},
                     {"name": {"en": "Discernment counseling"}, "description": {"en": "For one of you unsure."}}],
    })
    assert errors == {}
    spanish, english = settings.shown_in("es"), settings.shown_in("en")
    assert english.heading == "Ready when you are", "the widget's own language: the practice's version"
    assert spanish.heading == BUILT_IN_ES_HEADING, "no Spanish written: the built-in Spanish"
    assert spanish.intro == "" and english.intro == "", "left empty in the own language: empty everywhere"
    assert spanish.waitlist_text == "Nuestra lista de espera es de tres semanas." and english.waitlist_text == ""
    assert [s.name for s in spanish.services] == ["Terapia de pareja", "Discernment counseling"], \
        "a name only the practice can write: its own language's version"
    assert spanish.services[1].description == "For one of you unsure."
    assert spanish.theme.accent_color == english.theme.accent_color == "#7a3e5d"


def test_the_admin_is_told_every_text_that_falls_back() -> None:
    settings, _ = validate_settings({
        "heading": {"en": "Ready when you are", "es": ""},
        "consent_text": {"en": "I agree to be contacted.", "es": WidgetSettings().consent_text.es},
        "services": [{"name": {"en": "Couples therapy"}}],
    })
    gaps = {(gap.path, gap.language): (gap.kind, gap.fallback) for gap in settings.translation_gaps()}
    assert gaps == {
        ("heading", "es"): ("missing", "builtin"),
        ("consent_text", "es"): ("stale", "builtin"),
        ("services.0.name", "es"): ("missing", "own"),
    }


def test_required_texts_must_be_written_in_the_widgets_own_language() -> None:
    raw = {**demo_settings().model_dump(), "language": "es"}
    raw["services"][0]["name"] = {"en": "Couples therapy", "es": ""}
    raw["heading"] = {"en": "Ready?", "es": ""}
    raw["steps"][0]["link_label"] = {"en": "How it works", "es": ""}
    _clean, errors = validate_settings(raw)
    assert errors == {path: "Write this in Spanish, the widget's language." for path in
                      ("heading.es", "services.0.name.es", "steps.0.link_label.es")}


def test_each_version_of_the_crisis_notice_keeps_a_number_to_call() -> None:
    _clean, errors = validate_settings({"crisis_notice": {"en": "Call 911 now.", "es": "Cuídese."}})
    assert errors == {"crisis_notice.es": "The crisis notice must keep a way to reach help now (988 or 911)."}


def test_the_built_in_spanish_crisis_notice_names_988s_spanish_options_and_911() -> None:
    notice = WidgetSettings().crisis_notice.es
    for fact in ("llame al 988 y marque el 2", "envíe la palabra AYUDA por mensaje de texto al 988",
                 "988lifeline.org/es", "llame al 911"):
        assert fact in notice


def test_the_published_schema_has_a_version_per_language() -> None:
    schema = WidgetSettings.model_json_schema()
    heading = schema["$defs"][schema["properties"]["heading"]["$ref"].split("/")[-1]]
    assert set(heading["properties"]) == {"en", "es"} and heading["additionalProperties"] is False
    assert schema["properties"]["heading"]["default"] == {"en": "Ready to rebuild?", "es": BUILT_IN_ES_HEADING}
