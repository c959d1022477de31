"""A request made in Spanish: the person's confirmation in Spanish; the practice told the language everywhere."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from flask import Flask
from sqlalchemy import select

from widget.delivery import email as channel
from widget.delivery import leases
from widget.delivery.payloads import lead_data
from widget.i18n import format_datetime
from widget.schema import deliveries

from .support.admin_session import signed_in
from .support.english import english_left
from .support.leads import public_id_of, submit
from .support.smtp import SmtpServer
from .test_email import parts, smtp_app, store_lead

PRACTICE = "Harbor Light Couples Therapy"


def test_the_confirmation_goes_out_in_the_persons_language(make_app: Callable[..., Flask]) -> None:
    with SmtpServer() as server:
        app = smtp_app(make_app, server)
        job = store_lead(app, {"confirmation_email": True}, language="es")["confirmation"]
        with app.app_context():
            assert channel.send_confirmation(job).status == "delivered"
            settings = job.widget.settings
    [got] = server.received
    message = got.message
    text, html = parts(message)
    assert message["Subject"] == f"Recibimos su solicitud — {PRACTICE}"
    assert message["Content-Language"] == "es" and '<html lang="es">' in html
    received = format_datetime(job.lead["created_at"], "es")
    assert " de 20" in received and received.endswith(" UTC"), "a date as Spanish writes it"
    for body in (text, html.replace("&nbsp;", " ")):
        assert body.startswith("Hola:") or "<p>Hola:</p>" in body
        assert f"Su solicitud llegó sin problemas el {received}." in body
        assert "se comunicará con usted en un plazo de un día hábil." in body
        assert "marque el 2" in body and "AYUDA" in body and "911" in body
    assert '<a href="https://988lifeline.org/es"' in html
    assert english_left(text + "\n" + html, settings, names=(PRACTICE, "988lifeline.org")) == []


def test_the_practices_email_says_which_language_the_person_wrote_in(make_app: Callable[..., Flask]) -> None:
    with SmtpServer() as server:
        app = smtp_app(make_app, server)
        spanish = store_lead(app, language="es", service="Couples therapy")["email"]
        english = store_lead(app)["email"]
        alert = store_lead(app, {"detail_level": "alert"}, language="es")["email"]
        with app.app_context():
            for job in (spanish, english, alert):
                assert channel.send_lead(job).status == "delivered"
    first, second, third = (got.message for got in server.received)
    assert first["Subject"] == f"New consultation request in Spanish — {PRACTICE}"
    text, html = parts(first)
    assert "Language: Spanish (they wrote in Spanish: please reply in Spanish)" in text
    assert "Spanish" in html and "please reply in Spanish" in html
    assert "Looking for: Couples therapy" in text, "services in the practice's own language"
    assert second["Subject"] == f"New consultation request — {PRACTICE}"
    assert "Language: English" in parts(second)[0].splitlines()
    assert third["Subject"] == f"New consultation request — {PRACTICE}", "alert: nothing about the person"
    assert "Spanish" not in "".join(parts(third))


def test_the_webhook_csv_and_request_page_name_the_language(make_app: Callable[..., Flask]) -> None:
    app = make_app(RTR_SUBMIT_LIMIT="100 per minute")
    app.test_cli_runner().invoke(args=["rtr", "demo"])
    client = app.test_client()
    lead_id = submit(client, lang="es", name="Lucía")
    store = app.extensions["rtr"].store
    public_id = public_id_of(store, lead_id)
    with store.reading() as conn:
        delivery = dict(conn.execute(select(deliveries).where(deliveries.c.lead_id == lead_id)).one()._mapping)
    job = leases.load_job(store, delivery)
    assert job is not None
    data = lead_data(job.lead, job.widget)
    assert (data["language"], data["language_name"]) == ("es", "Spanish")
    assert data["consent"]["text"].startswith("Acepto que el consultorio")
    admin = signed_in(app.test_client())
    rows = list(csv.DictReader(io.StringIO(admin.get("/admin/leads.csv").get_data().decode("utf-8")[1:])))
    assert [row["preferred_language"] for row in rows] == ["Spanish (es)"]
    page = admin.get(f"/admin/leads/{public_id}").get_data(as_text=True)
    assert '<dt>Language</dt><dd id="lead-language">Spanish <strong>· they wrote in Spanish: reply in Spanish' in page
    assert "Acepto que el consultorio" in page and "in Spanish)" in page
