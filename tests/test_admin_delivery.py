"""Admin delivery tools: rotate the secret, "Send a test", the SMTP page, a webhook switched off by 410."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget.admin.audit import entries
from widget.queries.widgets import get_widget, list_widgets, save_settings

from .support.admin_pages import EDIT, edit_form, read_form, store_of
from .support.admin_session import signed_in
from .support.delivery import add_leads, rows, settle
from .support.receiver import Receiver
from .support.settings import changed
from .support.smtp import SmtpServer


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    return signed_in(app.test_client())


# Delivery: secret rotation, send a test, SMTP page -------------------------------------------

def test_rotate_secret_shows_the_new_one_once(app: Flask, admin: FlaskClient) -> None:
    before = get_widget(store_of(app), "demo").webhook_secret
    token = edit_form(admin)["csrf_token"]
    response = admin.post("/admin/widgets/demo/rotate-secret", data={"csrf_token": token})
    after = get_widget(store_of(app), "demo")
    assert after.webhook_secret != before and after.previous_webhook_secret == before
    assert after.webhook_secret in response.get_data(as_text=True)
    assert after.webhook_secret not in admin.get(EDIT).get_data(as_text=True)
    assert entries(store_of(app))[0][0].action == "widget.secret_rotated"


@pytest.mark.parametrize(("button", "lands_on"), [
    ("rotate-secret", EDIT), ("test", EDIT), ("duplicate", EDIT), ("enable-webhook", EDIT + "#delivery-tools"),
])
def test_an_expired_button_changes_nothing_and_says_so(app: Flask, admin: FlaskClient, button: str,
                                                       lands_on: str) -> None:
    secret = get_widget(store_of(app), "demo").webhook_secret
    response = admin.post(f"/admin/widgets/demo/{button}", data={"csrf_token": "expired"})
    assert response.status_code == 302 and response.headers["Location"].endswith(lands_on)
    assert "form expired; please press it again" in admin.get(EDIT).get_data(as_text=True)
    assert get_widget(store_of(app), "demo").webhook_secret == secret
    assert [w.id for w in list_widgets(store_of(app), )] == ["demo"]
    assert [e.action for e in entries(store_of(app))[0] if e.widget_id == "demo"] == [], "nothing was done"


def test_send_a_test_delivers_for_real_and_shows_the_outcomes(make_app: Callable[..., Flask]) -> None:
    with SmtpServer() as smtp, Receiver() as receiver:
        app = make_app(RTR_SMTP_HOST="127.0.0.1", RTR_SMTP_PORT=smtp.port, RTR_SMTP_SECURITY="none",
                       RTR_WEBHOOK_ALLOW_PRIVATE=True)
        app.test_cli_runner().invoke(args=["rtr", "demo"])
        client = signed_in(app.test_client())
        fields = edit_form(client)
        fields.update(notify_emails="intake@example.com", webhook_url=receiver.url())
        assert client.post(EDIT, data=fields).status_code == 302
        response = client.post("/admin/widgets/demo/test", data={"csrf_token": fields["csrf_token"]})
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        outcome = html[html.index('id="test-outcome"'):].split("</div>")[0]
        assert "Email: delivered." in outcome and "250" in outcome
        assert "Webhook: delivered." in outcome and "200" in outcome
        assert len(smtp.received) == 1
        assert receiver.received()[0].json["type"] == "webhook.test"
        shown = re.sub(r"<[^>]+>|\s+", " ", outcome).strip()
        print(f"\nsend a test shows: {shown}")


def test_send_a_test_shows_a_refused_webhook(admin: FlaskClient, app: Flask) -> None:
    with Receiver(mode="error") as receiver:
        app.config["RTR_WEBHOOK_ALLOW_PRIVATE"] = True
        fields = edit_form(admin)
        fields.update(notify_emails="", webhook_url=receiver.url())
        admin.post(EDIT, data=fields)
        html = admin.post("/admin/widgets/demo/test", data={"csrf_token": fields["csrf_token"]}).get_data(as_text=True)
    outcome = html[html.index('id="test-outcome"'):].split("</div>")[0]
    assert "Webhook: not delivered." in outcome and "500" in outcome and "Email" not in outcome


def test_smtp_password_is_never_shown_back(app: Flask, admin: FlaskClient) -> None:
    fields = read_form(admin.get("/admin/smtp").get_data(as_text=True), "smtp-form")
    fields.update(host="smtp.example.com", port="587", security="starttls", username="intake",
                  password="hunter2-but-longer", mail_from="Harbor Light <intake@example.com>")
    assert admin.post("/admin/smtp", data=fields).status_code == 302
    html = admin.get("/admin/smtp").get_data(as_text=True)
    assert "hunter2-but-longer" not in html and "smtp.example.com" in html and "A password is saved" in html
    again = read_form(html, "smtp-form")
    assert again["password"] == "" and again["host"] == "smtp.example.com"
    assert admin.post("/admin/smtp", data={**again, "port": "70000"}).status_code == 400
    assert admin.post("/admin/smtp", data=again).status_code == 302
    from widget.delivery.smtp_config import effective_smtp
    assert effective_smtp(app).password == "hunter2-but-longer"
    details = [e.detail for e in entries(store_of(app))[0] if e.action == "smtp.settings"]
    assert details and "password" in details[-1] and all("hunter2" not in d for d in details)


def test_a_webhook_switched_off_by_410_can_be_turned_back_on(app: Flask, admin: FlaskClient) -> None:
    store = store_of(app)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE rtr_widgets SET webhook_disabled_at = 1700000000 WHERE id = 'demo'")
    html = admin.get(EDIT).get_data(as_text=True)
    assert "The webhook is switched off" in html and "410 Gone" in html
    assert "The webhook is switched off" not in admin.get("/admin/").get_data(as_text=True), "no webhook URL"
    settings = changed(get_widget(store, "demo").settings, webhook_url="https://crm.example.com/in")
    save_settings(store, "demo", settings)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE rtr_widgets SET webhook_disabled_at = 1700000000 WHERE id = 'demo'")
    assert "The webhook is switched off" in admin.get("/admin/").get_data(as_text=True), "the list says so too"
    token = read_form(html)["csrf_token"]
    assert admin.post("/admin/widgets/demo/enable-webhook").location.endswith("#delivery-tools")
    assert get_widget(store, "demo").webhook_disabled_at is not None
    admin.post("/admin/widgets/demo/enable-webhook", data={"csrf_token": token})
    assert get_widget(store, "demo").webhook_disabled_at is None
    assert "The webhook is switched off" not in admin.get(EDIT).get_data(as_text=True)
    assert entries(store)[0][0].action == "widget.webhook_enabled"


@pytest.mark.parametrize("how", ["button", "new address"])
def test_requests_that_waited_while_the_webhook_was_off_reach_it_when_it_is_back(
        make_app: Callable[..., Flask], how: str) -> None:
    with Receiver(mode="gone") as gone, Receiver() as receiver:
        app = make_app(RTR_WEBHOOK_ALLOW_PRIVATE=True, RTR_RETRY_SCHEDULE=[0.0])
        app.test_cli_runner().invoke(args=["rtr", "demo"])
        client = signed_in(app.test_client())
        store = store_of(app)
        fields = edit_form(client)
        fields.update(notify_emails="", webhook_url=gone.url())
        assert client.post(EDIT, data=fields).status_code == 302
        add_leads(store, get_widget(store, "demo"))
        settle(app)
        assert get_widget(store, "demo").webhook_disabled_at is not None, "the 410 switched it off"
        add_leads(store, get_widget(store, "demo"), 2)  # requests that arrive while it is off
        settle(app)
        assert [r["status"] for r in rows(store)] == ["disabled"] * 3
        if how == "button":
            gone.mode = "ok"  # the receiver wants requests again
            response = client.post("/admin/widgets/demo/enable-webhook", data={"csrf_token": fields["csrf_token"]},
                                   follow_redirects=True)
        else:
            fields["webhook_url"] = receiver.url("/new-hook")
            response = client.post(EDIT, data=fields, follow_redirects=True)
        assert "3 requests that waited while it was off are being sent now" in response.get_data(as_text=True)
        settle(app)
    assert [r["status"] for r in rows(store)] == ["delivered"] * 3
    arrived = gone.received() if how == "button" else receiver.received("/new-hook")
    assert len({r.webhook_id for r in arrived}) == 3
