"""Routed requests on the wire: which inbox of the real SMTP sink got which request, and why it says it did."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from widget.delivery import email as channel
from widget.delivery.reason import why_sent
from widget.i18n import translate
from widget.queries.widgets import create_widget, save_settings
from widget.settings import WidgetSettings
from widget.state import get_state

from .support.admin_session import csrf, signed_in
from .support.delivery import settle
from .support.leads import submit
from .support.receiver import Receiver
from .support.routing import COUPLES, INTAKE, VEGAS, group_practice
from .support.smtp import Received, SmtpServer
from .test_email import parts, smtp_app, store_lead

GROUP = "harbor-group"


def _group_app(make_app: Callable[..., Flask], server: SmtpServer | None, settings: WidgetSettings) -> Flask:
    app = smtp_app(make_app, server, RTR_SUBMIT_LIMIT="100 per minute")
    create_widget(get_state(app).store, "Harbor Light group", settings, widget_id=GROUP)
    return app


def _by_person(received: list[Received]) -> dict[str, Received]:
    return {got.message["Reply-To"].addresses[0].display_name: got for got in received}


def _received(make_app: Callable[..., Flask], settings: WidgetSettings, *requests: dict[str, str]) -> list[Received]:
    """Submit each request through the public endpoint to a widget with settings; return what the SMTP sink got."""
    with SmtpServer() as server:
        app = _group_app(make_app, server, settings)
        client = app.test_client()
        for fields in requests:
            submit(client, GROUP, **fields)
        settle(app)
    return server.received


def test_each_request_reaches_the_inboxes_its_choices_route_it_to_and_says_why(
        make_app: Callable[..., Flask]) -> None:
    received = _received(
        make_app, group_practice(),
        {"name": "Ana", "service": "Couples therapy"},
        {"name": "Ben", "service": "Individual therapy", "location": "Las Vegas office"},
        {"name": "Cleo", "service": "Couples therapy", "location": "Las Vegas office"},
        {"name": "Dan", "service": "Family therapy", "location": "Los Angeles office"},
        {"name": "Eva", "lang": "es", "service": "Terapia de pareja"},
    )
    assert len(received) == 5, "one email per request, each address once"
    inboxes = {name: sorted(got.rcpt_tos) for name, got in _by_person(received).items()}
    assert inboxes == {
        "Ana": [COUPLES], "Ben": sorted([VEGAS, COUPLES]), "Cleo": sorted([COUPLES, VEGAS]),
        "Dan": [INTAKE], "Eva": [COUPLES],
    }
    emails = {name: parts(got.message) for name, got in _by_person(received).items()}
    expected = {
        "Ana": "Sent to you because the person chose Couples therapy.",
        "Ben": "Sent to you because the person chose Las Vegas office.",
        "Cleo": "Sent to you because the person chose Couples therapy and Las Vegas office.",
        "Dan": "Sent to the main list: the person chose no service or location that has its own list.",
        "Eva": "Sent to you because the person chose Couples therapy.",  # the practice reads its own names
    }
    for name, line in expected.items():
        text, html = emails[name]
        assert line in text.splitlines(), (name, text)
        assert f'<p id="why-sent" style="margin:0 0 16px">{line}</p>' in html, name


def test_an_alert_says_why_without_saying_what_the_person_chose(make_app: Callable[..., Flask]) -> None:
    [got] = _received(make_app, group_practice(detail_level="alert"), {"name": "Ana", "service": "Couples therapy"})
    text, html = parts(got.message)
    assert got.rcpt_tos == [COUPLES]
    assert "the request says which" in text and "the request says which" in html
    assert "Couples therapy" not in text + html


def test_a_practice_without_routing_reads_no_routing_line(make_app: Callable[..., Flask]) -> None:
    with SmtpServer() as server:
        app = smtp_app(make_app, server)
        job = store_lead(app, service="Couples therapy")["email"]
        with app.app_context():
            assert channel.send_lead(job).status == "delivered"
    text, html = parts(server.received[0].message)
    assert "Sent to" not in text and "why-sent" not in html


def test_the_visitors_confirmation_replies_to_the_team_it_was_routed_to(make_app: Callable[..., Flask]) -> None:
    received = _received(make_app, group_practice(confirmation_email=True),
                         {"name": "Ben", "email": "ben@example.org", "location": "Las Vegas office"})
    [confirmation] = [got for got in received if got.rcpt_tos == ["ben@example.org"]]
    assert str(confirmation.message["Reply-To"]) == VEGAS


def test_no_reason_is_given_for_addresses_routing_no_longer_picks() -> None:
    settings = group_practice()
    lead: dict[str, Any] = {"service": "Couples therapy", "location": ""}
    assert why_sent(settings, lead, [COUPLES], "en") != ""
    assert why_sent(settings, lead, [INTAKE], "en") == "", "sent on while the lists changed: no guess"


def test_the_reason_is_in_the_emails_language() -> None:
    lead = {"service": "Couples therapy", "location": "Las Vegas office"}
    spanish = why_sent(group_practice(), lead, [COUPLES, VEGAS], "es")
    assert spanish == "Se le envió porque la persona eligió Couples therapy y Las Vegas office."
    assert spanish != translate("en", "Sent to you because the person chose {service} and {location}.")


def test_a_request_stored_before_its_list_existed_is_sent_there_and_says_why(make_app: Callable[..., Flask]) -> None:
    with SmtpServer() as server:
        app = smtp_app(make_app, server, RTR_SUBMIT_LIMIT="100 per minute")
        store = get_state(app).store
        plain = group_practice().model_dump()
        for item in (*plain["services"], *plain["locations"]):
            item["notify_emails"] = []
        create_widget(store, "Harbor Light group", WidgetSettings.model_validate(plain), widget_id=GROUP)
        submit(app.test_client(), GROUP, name="Ana", service="Couples therapy")
        save_settings(store, GROUP, group_practice())
        settle(app)
    [got] = server.received
    assert got.rcpt_tos == [COUPLES]
    assert "Sent to you because the person chose Couples therapy." in parts(got.message)[0]


def test_send_a_test_reaches_every_list_even_without_a_main_one(make_app: Callable[..., Flask]) -> None:
    with SmtpServer() as server:
        app = _group_app(make_app, server, group_practice(notify_emails=[]))
        admin = signed_in(app.test_client())
        path = f"/admin/widgets/{GROUP}"
        response = admin.post(f"{path}/test", data={"csrf_token": csrf(admin, path)})
        assert "Email: delivered." in response.get_data(as_text=True)
    [got] = server.received
    assert got.rcpt_tos == [COUPLES, VEGAS]


def test_the_widgets_list_and_the_cli_name_every_list(make_app: Callable[..., Flask]) -> None:
    app = _group_app(make_app, None, group_practice(notify_emails=[]))
    html = signed_in(app.test_client()).get("/admin/").get_data(as_text=True)
    assert f"{COUPLES}, {VEGAS}" in html and "nowhere yet" not in html
    listed = app.test_cli_runner().invoke(args=["rtr", "list-widgets"]).stdout
    assert f"{GROUP}\tHarbor Light group\t{COUPLES}, {VEGAS}" in listed


def test_without_a_main_list_a_delivery_alert_reaches_every_list(make_app: Callable[..., Flask]) -> None:
    with SmtpServer() as server, Receiver("gone") as receiver:
        app = smtp_app(make_app, server, RTR_WEBHOOK_ALLOW_PRIVATE=True)
        settings = group_practice(notify_emails=[], webhook_url=receiver.url())
        create_widget(get_state(app).store, "Harbor Light group", settings, widget_id=GROUP)
        submit(app.test_client(), GROUP, name="Ana", service="Couples therapy")
        settle(app)
    [alert] = [got for got in server.received if "Webhook disabled" in got.message["Subject"]]
    assert alert.rcpt_tos == [COUPLES, VEGAS]
