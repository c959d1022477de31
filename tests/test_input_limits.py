"""Input limits: the body cap (413, never 500), field caps, control characters, emails, phones, names."""

from __future__ import annotations

import http.client
import socket
import unicodedata
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import func, select

from widget.config import DEFAULTS
from widget.i18n import STRINGS
from widget.queries.widgets import get_widget, save_settings
from widget.schema import leads
from widget.security import issue_form_token

from .conftest import valid_lead
from .support.servers import ServerThread
from .support.settings import changed

JSON = {"Accept": "application/json"}
WORDS = STRINGS["en"]


def _token(app: Flask) -> str:
    with app.test_request_context():
        return issue_form_token("demo")


def _post(app: Flask, client: FlaskClient, **fields: str):
    return client.post("/w/demo/leads", data=valid_lead(token=_token(app), **fields), headers=JSON)


def _rows(app: Flask) -> list[dict]:
    with app.extensions["rtr"].store.reading() as conn:
        return [dict(row._mapping) for row in conn.execute(select(leads).order_by(leads.c.id))]


def _count(app: Flask) -> int:
    with app.extensions["rtr"].store.reading() as conn:
        return conn.execute(select(func.count()).select_from(leads)).scalar_one()


@pytest.fixture
def roomy(make_app: Callable[..., Flask]) -> Flask:
    """The demo widget with the optional phone and message fields on and no submit limit in the way."""
    app = make_app(RTR_SUBMIT_LIMIT="1000 per minute")
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    store = app.extensions["rtr"].store
    settings = get_widget(store, "demo").settings
    save_settings(store, "demo", changed(settings, fields=dict(settings.fields, phone=True, message=True)))
    return app


# Body cap ----------------------------------------------------------------------------------------

def test_the_body_cap_is_16_kb_and_answers_413_in_json(app: Flask, client: FlaskClient) -> None:
    assert app.config["RTR_MAX_BODY_BYTES"] == DEFAULTS["RTR_MAX_BODY_BYTES"] == 16 * 1024
    response = _post(app, client, message="x" * (17 * 1024))
    assert response.status_code == 413
    assert response.json["ok"] is False and "shorten" in response.json["message"]
    assert _count(app) == 0


def test_413_without_javascript_is_a_kind_page_not_an_error_page(app: Flask, client: FlaskClient) -> None:
    response = client.post("/w/demo/leads?lang=es", data=valid_lead(token=_token(app), message="x" * 20000))
    html = response.get_data(as_text=True)
    assert response.status_code == 413 and response.mimetype == "text/html"
    assert str(escape(STRINGS["es"]["too_large"])) in html and "<form" in html and "988" in html
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_just_under_the_cap_gets_field_messages_not_413(roomy: Flask) -> None:
    response = _post(roomy, roomy.test_client(), message="y" * (15 * 1024))
    assert response.status_code == 400
    assert response.json["errors"]["message"] == WORDS["too_long"].format(limit=500)


def test_the_cap_follows_the_setting(make_app: Callable[..., Flask]) -> None:
    app = make_app(RTR_MAX_BODY_BYTES=2048)
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    response = _post(app, app.test_client(), name="z" * 3000)
    assert response.status_code == 413


def test_the_host_apps_own_routes_are_not_capped(make_app: Callable[..., Flask]) -> None:
    app = make_app()

    @app.post("/upload")
    def upload() -> str:
        from flask import request

        return str(len(request.get_data()))

    response = app.test_client().post("/upload", data=b"u" * 100_000)
    assert response.status_code == 200 and response.get_data(as_text=True) == "100000"


def _post_chunked(port: int, chunks: list[bytes]) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest("POST", "/w/demo/leads")
    for name, value in (("Transfer-Encoding", "chunked"), ("Accept", "application/json"),
                        ("Content-Type", "application/x-www-form-urlencoded")):
        connection.putheader(name, value)
    connection.endheaders()
    try:
        for chunk in [*chunks, b""]:
            connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    except (TimeoutError, BrokenPipeError, ConnectionResetError):
        pass  # the server may answer and close before reading everything
    status = connection.getresponse().status
    connection.close()
    return status


def test_a_chunked_body_without_length_is_capped_too(app: Flask) -> None:
    lead = urlencode(valid_lead(token=_token(app))).encode()
    with ServerThread(app) as server:
        too_long = _post_chunked(server.port, [lead] + [b"&message=" + b"a" * 4096] * 5)
        fine = _post_chunked(server.port, [lead[:10], lead[10:]])
    assert (too_long, fine) == (413, 201)
    assert _count(app) == 1


# Field caps and characters ---------------------------------------------------------------------

@pytest.mark.parametrize(("field", "limit", "filler"), [
    ("name", 120, "N"), ("email", 254, None), ("phone", 40, " "), ("message", 500, "m"),
])
def test_each_field_has_a_cap(roomy: Flask, field: str, limit: int, filler: str | None) -> None:
    client = roomy.test_client()
    if field == "email":
        over = "a" * 64 + "@" + ".".join(["b" * 60] * 3) + "." + "c" * 10 + ".com"
        assert len(over) > limit
    else:
        over = ("555 010 2030" + filler * limit)[: limit + 1] if field == "phone" else filler * (limit + 1)
    response = _post(roomy, client, **{field: over})
    assert response.status_code == 400
    assert response.json["errors"][field] == WORDS["too_long"].format(limit=limit)
    assert _count(roomy) == 0


def test_a_name_at_the_cap_is_stored_whole(roomy: Flask) -> None:
    name = "Ñ" * 120
    assert _post(roomy, roomy.test_client(), name=name).status_code == 201
    assert _rows(roomy)[0]["name"] == name


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x08", "\x1b", "\x7f", "\x85", "\x9b", "\n", "\r", "\t",
                                  "\u2028", "\u2029"])
@pytest.mark.parametrize("field", ["name", "email", "phone"])
def test_control_characters_are_refused_in_one_line_fields(roomy: Flask, field: str, char: str) -> None:
    value = {"name": "Ma{}ya", "email": "maya{}@example.org", "phone": "555 01{}0 2030"}[field].format(char)
    response = _post(roomy, roomy.test_client(), **{field: value})
    assert response.status_code == 400
    assert response.json["errors"][field] == WORDS["control_chars"]
    assert _count(roomy) == 0


def test_the_message_keeps_line_breaks_but_refuses_other_controls(roomy: Flask) -> None:
    client = roomy.test_client()
    text = "Line one\r\nLine two\n\tindented"
    assert _post(roomy, client, message=text).status_code == 201
    assert _rows(roomy)[0]["message"] == text
    for bad in ("null\x00byte", "bell\x07", "escape\x1b[31m"):
        response = _post(roomy, client, message=bad)
        assert response.status_code == 400 and response.json["errors"]["message"] == WORDS["control_chars"]
    assert _count(roomy) == 1


# Email, phone, names ---------------------------------------------------------------------------

def test_email_is_checked_without_any_network_lookup(app: Flask, client: FlaskClient,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    lookups: list[str] = []

    def refuse_lookup(*args: object, **kwargs: object) -> None:
        lookups.append(str(args[:1]))
        raise OSError("no network lookups allowed in this test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse_lookup)
    monkeypatch.setattr(socket, "gethostbyname", refuse_lookup)
    response = _post(app, client, email="someone@no-such-domain-rtr-7f3a9c.com")
    assert response.status_code == 201 and lookups == []
    assert _rows(app)[0]["email"] == "someone@no-such-domain-rtr-7f3a9c.com"


@pytest.mark.parametrize("email", ["plain", "a@", "@example.com", "a b@example.com", "a@@example.com",
                                   "a@example..com", "a@example", "a@-example.com", "<a@example.com>",
                                   "a@example.com, b@example.com", "a@localhost"])
def test_malformed_emails_get_a_field_message(app: Flask, client: FlaskClient, email: str) -> None:
    response = _post(app, client, email=email)
    assert response.status_code == 400 and response.json["errors"]["email"] == WORDS["bad_email"]


@pytest.mark.parametrize("email", ["maya@example.org", "Maya.Lee+therapy@Example.ORG", "o'brien@example.ie",
                                   "josé@bücher.com", "用户@例子.广告"])
def test_real_emails_are_accepted(app: Flask, client: FlaskClient, email: str) -> None:
    assert _post(app, client, email=email).status_code == 201


PHONES = ["(555) 010-2030", "555-010-2030", "555.010.2030", "5550102030", "+1 555 010 2030", "+1-555-010-2030",
          "+44 20 7946 0958", "020 7946 0958", "+49 (0)30 1234567", "+33 6 12 34 56 78", "+52 55 1234 5678",
          "0044 20 7946 0958", "+61 2 9876 5432", "+81 3-1234-5678", "555-010-2030 ext. 12", "555 010 2030 x7",
          "+1 (555) 010-2030 #204", "010 2030 40"]


@pytest.mark.parametrize("phone", PHONES)
def test_phone_numbers_in_common_formats_are_stored_as_typed(roomy: Flask, phone: str) -> None:
    response = _post(roomy, roomy.test_client(), phone=phone)
    assert response.status_code == 201, response.json
    assert _rows(roomy)[0]["phone"] == phone


@pytest.mark.parametrize("phone", ["call me maybe", "12345", "555-CALL-NOW", "+1 555 010 2030; DROP TABLE leads",
                                   "<script>", "1" * 25])
def test_things_that_are_not_phone_numbers_get_a_field_message(roomy: Flask, phone: str) -> None:
    response = _post(roomy, roomy.test_client(), phone=phone)
    assert response.status_code == 400 and response.json["errors"]["phone"] == WORDS["bad_phone"]


NAMES = {
    "Spanish": "José María Pérez-Núñez",
    "Spanish with apostrophe": "Begoña D'Alessandro",
    "Arabic": "عبد الله الحسن",
    "Arabic hyphenated": "نور-الهدى بن عليّ",
    "Chinese": "王小明",
    "Vietnamese": "Nguyễn Thị Minh Khai",
    "Vietnamese decomposed": unicodedata.normalize("NFD", "Trần Văn Đức"),
    "Armenian": "Արմեն Պետրոսյան",
    "Irish": "Siobhán O'Brien-Ní Dhónaill",
    "typographic apostrophe": "Seán O’Connor",
    "Hindi": "प्रिया शर्मा",
    "Hebrew": "נועה כהן-לוי",
    "Greek": "Γιώργος Παπαδόπουλος",
    "Russian": "Анна-Мария Соколова",
    "Japanese": "山田 花子",
    "Korean": "김민준",
    "Thai": "สมชาย ใจดี",
    "Amharic": "አበበ በቀለ",
    "Georgian": "ნინო ბერიძე",
    "Sinhala with joiner": "ශ්‍රී ලංකා",
    "one letter": "Q",
}


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_names_in_every_script_are_stored_exactly(roomy: Flask, name: str) -> None:
    response = _post(roomy, roomy.test_client(), name=name)
    assert response.status_code == 201, response.json
    assert _rows(roomy)[0]["name"] == name


def test_names_come_back_exactly_in_the_no_javascript_form(roomy: Flask) -> None:
    client = roomy.test_client()
    for name in NAMES.values():
        response = client.post("/w/demo/leads", data={"name": name, "email": "broken", "token": _token(roomy)})
        assert response.status_code == 400
        assert f'value="{name}"'.replace("'", "&#39;") in response.get_data(as_text=True), name
