"""The admin writes every text in English and Spanish side by side, previews either, and sees what lacks Spanish."""

from __future__ import annotations

import html as html_lib
import json

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget.queries.widgets import get_widget

from .support.admin_pages import EDIT, edit_form, error_of, store_of
from .support.admin_session import signed_in

PREVIEW = "/admin/widgets/demo/preview"


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    return signed_in(app.test_client())


def test_every_text_has_an_english_and_a_spanish_input_side_by_side(admin: FlaskClient) -> None:
    page = admin.get(EDIT).get_data(as_text=True)
    for name in ("heading", "intro", "consent_text", "crisis_notice", "launcher_label", "thank_you_heading",
                 "thank_you_text", "response_time", "waitlist_text", "submit_label", "steps-0-title",
                 "steps-2-text", "steps-1-link_label", "services-0-name", "services-2-description",
                 "locations-1-name", "locations-0-city"):
        assert f'<fieldset class="field localised" id="{name}">' in page, name
        assert f'lang="en" name="{name}-en"' in page and f'lang="es" name="{name}-es"' in page, name
    # Seen under the text's legend as "Spanish"; heard by a screen reader as "Heading, Spanish".
    assert '<label class="label" for="heading-es"><span class="visually-hidden">Heading, </span>Spanish</label>' in page
    assert '<option value="es">Español (Spanish)</option>' in page
    fields = edit_form(admin)
    assert fields["heading-es"] == "¿Es momento de reconstruir?" and fields["services-0-name-es"] == "Terapia de pareja"
    assert 'id="language-notes"' not in page, "the demo practice has every text in both languages"


def test_texts_without_spanish_are_listed_and_marked_with_what_spanish_readers_see(app: Flask,
                                                                                   admin: FlaskClient) -> None:
    fields = edit_form(admin)
    fields.update({"heading-en": "Ready when you are", "heading-es": "", "services-1-name-es": "",
                   "consent_text-en": "I agree to be contacted about this request."})
    assert admin.post(EDIT, data=fields).status_code == 302
    page = html_lib.unescape(admin.get(EDIT).get_data(as_text=True))
    notes = page[page.index('id="language-notes"'):page.index("</div>", page.index('id="language-notes"'))]
    assert "In Spanish: 3 texts." in " ".join(notes.split())
    assert ('<a href="#heading-es">Heading</a>: No Spanish yet: visitors reading Spanish see the built-in '
            "Spanish wording.") in notes
    assert ('<a href="#services-1-name-es">Service 2 · Name</a>: No Spanish yet: visitors reading Spanish see '
            "your English text.") in notes
    assert '<a href="#consent_text-es">Consent statement</a>: Still the built-in Spanish wording' in notes
    assert 'id="heading-es-hint">No Spanish yet' in page, "the input itself says so too"
    assert get_widget(store_of(app), "demo").settings.heading.es == ""


def test_a_spanish_widget_needs_every_required_text_in_spanish(app: Flask, admin: FlaskClient) -> None:
    fields = edit_form(admin)
    fields.update({"language": "es", "heading-es": "", "steps-0-title-es": ""})
    response = admin.post(EDIT, data=fields)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for field in ("heading-es", "steps-0-title-es"):
        assert error_of(page, field) == "Write this in Spanish, the widget&#39;s language."
    assert get_widget(store_of(app), "demo").settings.language == "en"


def test_the_preview_shows_unsaved_texts_in_the_language_chosen(app: Flask, admin: FlaskClient) -> None:
    page = admin.get(EDIT).get_data(as_text=True)
    assert 'name="preview_language" value="es" form="settings-form">' in page
    assert 'name="preview_language" value="en" form="settings-form" checked>' in page
    fields = {**edit_form(admin), "heading-es": "¿Hablamos hoy?", "heading-en": "Shall we talk today?"}
    spanish = admin.post(PREVIEW, data={**fields, "preview_language": "es"}).get_data(as_text=True)
    assert '<html lang="es">' in spanish and "¿Hablamos hoy?" in html_lib.unescape(spanish)
    english = admin.post(PREVIEW, data=fields).get_data(as_text=True)
    assert '<html lang="en">' in english and "Shall we talk today?" in english
    saved = admin.get(PREVIEW + "?lang=es").get_data(as_text=True)
    assert "¿Es momento de reconstruir?" in html_lib.unescape(saved)
    assert get_widget(store_of(app), "demo").settings.heading.es == "¿Es momento de reconstruir?"


def test_export_carries_every_language(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["rtr", "export"])
    settings = json.loads(result.stdout)["widgets"][0]["settings"]
    assert settings["heading"] == {"en": "Ready to rebuild?", "es": "¿Es momento de reconstruir?"}
    assert settings["services"][0]["name"] == {"en": "Couples therapy", "es": "Terapia de pareja"}
    assert settings["locations"][2]["online"] is True
