"""A Spanish reader's card: every word in Spanish, the options they pick, the consent they agree to."""

from __future__ import annotations

import hashlib
import html as html_lib
import re

from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select

from widget.frame import crisis_links
from widget.queries.widgets import get_widget, save_settings
from widget.schema import leads

from .conftest import TOKEN_RE, form_token, valid_lead
from .support.english import english_left, visible_text
from .support.settings import changed

JSON = {"Accept": "application/json"}
PRACTICE = "Harbor Light Couples Therapy"
CONSENT = re.compile(r'<label class="rtr-choice"><input[^>]*name="consent"[^>]*> <span>(.*?)</span>', re.S)


def _save(app: Flask, **changes: object) -> None:
    store = app.extensions["rtr"].store
    save_settings(store, "demo", changed(get_widget(store, "demo").settings, **changes))


def _stored_lead(app: Flask) -> dict[str, object]:
    with app.extensions["rtr"].store.reading() as conn:
        return dict(conn.execute(select(leads)).one()._mapping)


def test_a_spanish_widget_shows_spanish_everywhere(app: Flask, client: FlaskClient) -> None:
    _save(app, language="es")
    settings = get_widget(app.extensions["rtr"].store, "demo").settings
    for path in ("/w/demo/frame?mode=button", "/w/demo"):
        page = client.get(path).get_data(as_text=True)
        assert '<html lang="es">' in page
        assert english_left(visible_text(page), settings, names=(PRACTICE,)) == []
        for spanish in ("Terapia de pareja", "Consultorio de Los Ángeles", "En línea (telesalud)",
                        "Cómo es la consulta", "Solicitar mi consulta gratuita", "Acepto que el consultorio"):
            assert spanish in html_lib.unescape(page)


def test_a_new_widget_set_to_spanish_shows_spanish(app: Flask, client: FlaskClient) -> None:
    store = app.extensions["rtr"].store
    save_settings(store, "demo", changed(practice_name="Río Claro", language="es"))
    page = html_lib.unescape(client.get("/w/demo/frame").get_data(as_text=True))
    assert "¿Es momento de reconstruir?" in page and "Solicitar mi consulta gratuita" in page
    assert english_left(visible_text(page), get_widget(store, "demo").settings, names=("Río Claro",)) == []


def test_a_spanish_reader_of_an_english_widget_gets_what_the_practice_wrote_else_the_built_in_spanish(
        app: Flask, client: FlaskClient) -> None:
    demo = get_widget(app.extensions["rtr"].store, "demo").settings.model_dump()
    demo["heading"] = {"en": "Ready when you are", "es": ""}
    demo["services"][0]["name"] = {"en": "Couples therapy", "es": ""}
    _save(app, heading=demo["heading"], services=demo["services"])
    spanish = html_lib.unescape(client.get("/w/demo/frame?lang=es").get_data(as_text=True))
    assert "¿Es momento de reconstruir?" in spanish and "Ready when you are" not in spanish
    assert "Cuando se rompe la confianza" in spanish, "the intro the practice wrote in Spanish"
    assert ">Couples therapy<" in spanish, "no built-in name exists: the practice's own"
    english = html_lib.unescape(client.get("/w/demo/frame").get_data(as_text=True))
    assert "Ready when you are" in english and "¿Es momento" not in english


def test_options_read_in_the_visitors_language_and_are_stored_in_the_practices(app: Flask,
                                                                              client: FlaskClient) -> None:
    page = html_lib.unescape(client.get("/w/demo/frame?lang=es&service=Terapia%20individual").get_data(as_text=True))
    locations = re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>',
                           page[page.index('name="location"'):page.index("</select>", page.index('name="location"'))])
    assert locations == [("", "Sin preferencia"), ("Los Angeles office", "Consultorio de Los Ángeles"),
                         ("Las Vegas office", "Consultorio de Las Vegas"), ("Online sessions", "Sesiones en línea")]
    assert re.search(r'<option selected value="Individual therapy">Terapia individual</option>', page), \
        "data-service may name the service in either language"
    token = form_token(client)
    response = client.post("/w/demo/leads", headers=JSON, data=valid_lead(
        token=token, lang="es", service="Terapia de pareja", location="Sesiones en línea"))
    assert response.status_code == 201
    lead = _stored_lead(app)
    assert (lead["service"], lead["location"], lead["language"]) == ("Couples therapy", "Online sessions", "es")


def test_no_location_label_mixes_two_languages(client: FlaskClient) -> None:
    for language, online in (("es", "Sesiones en línea"), ("en", "Online sessions")):
        page = html_lib.unescape(client.get(f"/w/demo/frame?lang={language}").get_data(as_text=True))
        assert f">{online}</option>" in page
        assert "(En línea (telesalud))" not in page and "(Online (telehealth))" not in page


def test_the_consent_stored_is_the_wording_shown_in_the_language_shown(app: Flask, client: FlaskClient) -> None:
    page = client.get("/w/demo/frame?lang=es").get_data(as_text=True)
    [shown] = [html_lib.unescape(match) for match in CONSENT.findall(page)]
    assert shown.startswith("Acepto que el consultorio")
    token = TOKEN_RE.search(page)
    assert token
    response = client.post("/w/demo/leads", headers=JSON, data=valid_lead(token=token.group(1), lang="es"))
    assert response.status_code == 201
    lead = _stored_lead(app)
    assert lead["consent_text"] == shown and lead["language"] == "es"
    assert lead["consent_version"] == hashlib.sha256(shown.encode()).hexdigest()[:12]


def test_an_english_reader_agrees_to_the_english_wording(app: Flask, client: FlaskClient) -> None:
    assert client.post("/w/demo/leads", headers=JSON, data=valid_lead(token=form_token(client))).status_code == 201
    assert _stored_lead(app)["consent_text"].startswith("I agree that the practice may contact me")


def test_errors_and_the_thank_you_are_in_spanish(client: FlaskClient) -> None:
    refused = client.post("/w/demo/leads", headers=JSON,
                          data=valid_lead(token=form_token(client), lang="es", email="maya@", consent=""))
    assert refused.status_code == 400
    assert refused.json["message"] == "Revise los campos marcados. No se perdió nada de lo que escribió."
    assert refused.json["errors"] == {
        "email": "Parece que a ese correo electrónico le falta algo. ¿Podría revisarlo?",
        "consent": "Marque la casilla para que podamos comunicarnos con usted."}
    thanks = client.post("/w/demo/leads", headers=JSON, data=valid_lead(token=form_token(client), lang="es"))
    assert thanks.json["heading"] == "Gracias por comunicarse con nosotros"
    assert thanks.json["text"] == ("Recibimos su solicitud y está segura con nosotros. Una persona de nuestro equipo "
                                   "se comunicará con usted en un plazo de un día hábil.")


def test_the_launcher_and_frame_title_follow_the_cards_language(app: Flask, client: FlaskClient) -> None:
    _save(app, launcher_label={"en": "Talk to us", "es": "Hablemos"})
    spanish = client.get("/w/demo/frame?mode=button&lang=es").get_data(as_text=True)
    assert 'data-label="Hablemos"' in spanish and 'data-title="Solicitar una consulta gratuita"' in spanish
    assert 'data-label="Talk to us"' in client.get("/w/demo/frame?mode=button").get_data(as_text=True)
    _save(app, launcher_label={"en": "Talk to us", "es": ""})
    built_in = client.get("/w/demo/frame?mode=button&lang=es").get_data(as_text=True)
    assert f'data-label="{escape("¿Es momento de reconstruir?")}"' in built_in


def test_the_spanish_crisis_notice_links_its_numbers_and_the_lifelines_spanish_site(client: FlaskClient) -> None:
    page = client.get("/w/demo/frame?lang=es").get_data(as_text=True)
    notice = page[page.index('class="rtr-crisis"'):page.index("</aside>")]
    assert notice.count('href="tel:988"') == 3 and 'href="tel:911"' in notice  # "Línea 988", "al 988" twice
    assert '<a href="https://988lifeline.org/es" target="_blank" rel="noopener">988lifeline.org/es</a>' in notice
    assert "marque el 2" in notice and "AYUDA" in notice


def test_crisis_links_read_the_spanish_forms() -> None:
    linked = str(crisis_links("Chatee en 988lineadevida.org o https://988lifeline.org/es/inicio/. "
                              "Llame al 988; no al 1-800-988-1234 ni a x988lifeline.org."))
    assert '<a href="https://988lineadevida.org" target="_blank" rel="noopener">988lineadevida.org</a>' in linked
    assert '<a href="https://988lifeline.org/es/inicio/"' in linked
    assert 'al <a href="tel:988">988</a>;' in linked
    assert "1-800-988-1234" in linked and "x988lifeline.org" in linked and linked.count("<a ") == 3
