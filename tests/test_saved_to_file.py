"""A file is not a delivery: an email written to instance/outbox (no email server) has its own status in the
queue, inbox, lead page, CSV, alerts, retention and signals, is sent for real once email is set up, and the
widgets list warns while it is not."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget import signals
from widget.delivery.alerts import send_alert
from widget.schema import attempts, deliveries, leads

from .support.admin_session import signed_in
from .support.delivery import rows, settle
from .support.leads import count, csrf_token, public_id_of, submit
from .support.smtp import SmtpServer


def _use_smtp(app: Flask, server: SmtpServer) -> None:
    """Set up email now, as an operator would after the fact (RTR_SMTP_*)."""
    app.config.update(RTR_SMTP_HOST="127.0.0.1", RTR_SMTP_PORT=server.port, RTR_SMTP_SECURITY="none")


def _lead(app: Flask, row_id: int) -> Any:
    with app.extensions["rtr"].store.reading() as conn:
        return conn.execute(leads.select().where(leads.c.id == row_id)).one()


def test_without_an_email_server_the_email_is_saved_to_file_not_delivered(
        app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    heard: list[tuple[str, dict[str, Any]]] = []
    signals.lead_delivered.connect(lambda sender, **kw: heard.append(("delivered", kw)), app, weak=False)
    signals.delivery_failed.connect(lambda sender, **kw: heard.append(("failed", kw)), app, weak=False)
    row_id = submit(client)
    with caplog.at_level(logging.WARNING, logger="widget.delivery.worker"):
        settle(app)
    [delivery] = rows(app.extensions["rtr"].store)
    assert (delivery["channel"], delivery["status"], delivery["delivered_at"]) == ("email", "saved_to_file", None)
    assert delivery["last_error"].startswith("not sent: no email server is set up; saved as ")
    assert _lead(app, row_id).delivered_at is None, "the lead is not delivered"
    assert [(name, event["dead"]) for name, event in heard] == [("failed", True)]
    assert "saved as a file, not sent" in caplog.text and "maya" not in caplog.text.lower()
    with app.extensions["rtr"].store.reading() as conn:
        assert conn.execute(attempts.select()).one().outcome == "saved_to_file"


def test_the_inbox_filters_and_labels_it_and_delivered_leaves_it_out(app: Flask, client: FlaskClient) -> None:
    submit(client, name="Filed Person")
    settle(app)
    admin = signed_in(client)
    inbox = admin.get("/admin/leads").get_data(as_text=True)
    assert 'badge-saved_to_file">email: not sent: saved as a file (email is not set up)</span>' in inbox
    assert '<option value="saved_to_file"' in inbox
    assert "Filed Person" in admin.get("/admin/leads?status=saved_to_file").get_data(as_text=True)
    for status in ("delivered", "failed", "pending"):
        assert "Filed Person" not in admin.get(f"/admin/leads?status={status}").get_data(as_text=True), status


def test_the_csv_says_saved_to_file_and_no_delivery_time(app: Flask, client: FlaskClient) -> None:
    submit(client)
    settle(app)
    text = signed_in(client).get("/admin/leads.csv").get_data().decode()[1:]
    [row] = csv.DictReader(io.StringIO(text))
    assert row["deliveries"] == "email: saved_to_file" and row["delivered"] == ""


def test_the_lead_page_sends_it_for_real_once_email_is_set_up(app: Flask, client: FlaskClient) -> None:
    row_id = submit(client)
    settle(app)
    admin = signed_in(client)
    url = f"/admin/leads/{public_id_of(app.extensions['rtr'].store, row_id)}"
    page = admin.get(url).get_data(as_text=True)
    assert "Nobody has received this email" in page and 'href="/admin/smtp"' in page
    assert "Send now" not in page, "sending now would only save another file"
    [delivery_id] = [d["id"] for d in rows(app.extensions["rtr"].store)]
    refused = admin.post(f"{url}/deliveries/{delivery_id}/replay", data={"csrf_token": csrf_token(page)},
                         follow_redirects=True)
    assert "Email is not set up yet" in refused.get_data(as_text=True)
    assert rows(app.extensions["rtr"].store)[0]["status"] == "saved_to_file"

    with SmtpServer() as server:
        _use_smtp(app, server)
        page = admin.get(url).get_data(as_text=True)
        assert re.search(r"Send now<span class=\"visually-hidden\"> \(email\)", page)
        sent = admin.post(f"{url}/deliveries/{delivery_id}/replay", data={"csrf_token": csrf_token(page)})
        assert sent.status_code == 302
        settle(app)
        [mail] = server.received
    assert mail.rcpt_tos == ["intake@example.com"]
    assert rows(app.extensions["rtr"].store)[0]["status"] == "delivered"
    assert _lead(app, row_id).delivered_at is not None


def test_the_widgets_list_warns_and_then_sends_what_was_saved(app: Flask, client: FlaskClient) -> None:
    for name in ("One", "Two"):
        submit(client, name=name)
    settle(app)
    admin = signed_in(client)
    page = admin.get("/admin/").get_data(as_text=True)
    assert "Email is not set up." in page and "(2 so far)" in page and 'href="/admin/smtp"' in page

    with SmtpServer() as server:
        _use_smtp(app, server)
        page = admin.get("/admin/").get_data(as_text=True)
        assert "Email is not set up." not in page
        assert "2 emails were saved as files before email was set up" in page
        response = admin.post("/admin/deliveries/send-saved", data={"csrf_token": csrf_token(page)},
                              follow_redirects=True)
        assert "Sending 2 emails now" in response.get_data(as_text=True)
        settle(app)
        assert len(server.received) == 2
    assert {d["status"] for d in rows(app.extensions["rtr"].store)} == {"delivered"}
    assert "saved as files" not in admin.get("/admin/").get_data(as_text=True)


def test_flask_rtr_retry_sends_saved_emails_once_email_is_set_up(app: Flask, client: FlaskClient) -> None:
    submit(client)
    settle(app)
    runner = app.test_cli_runner()
    assert "No failed deliveries to retry." in runner.invoke(args=["rtr", "retry"]).output
    with SmtpServer() as server:
        _use_smtp(app, server)
        assert "Queued 1 failed delivery again." in runner.invoke(args=["rtr", "retry"]).output
        settle(app)
        assert len(server.received) == 1


def test_an_alert_saved_to_file_is_logged_as_not_sent(make_app: Callable[..., Flask],
                                                     caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(RTR_ALERT_EMAIL="ops@widgets.example.com")
    with caplog.at_level(logging.INFO, logger="widget.delivery.alerts"):
        send_alert(app, "Delivery failed", "Widget demo: the webhook is dead.")
    assert "Alert not sent, no email server is set up: Delivery failed" in caplog.text
    assert "Alert sent" not in caplog.text


def test_send_test_still_says_nothing_was_sent(app: Flask, client: FlaskClient) -> None:
    admin = signed_in(client)
    page = admin.get("/admin/widgets/demo").get_data(as_text=True)
    response = admin.post("/admin/widgets/demo/test", data={"csrf_token": csrf_token(page)},
                          follow_redirects=True)
    assert "No email server is set up" in response.get_data(as_text=True)
    assert count(app.extensions["rtr"].store, deliveries) == 0
