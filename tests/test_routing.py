"""Routing: which list a request's email goes to, kept when settings change, carried by export/import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from widget.db import Store
from widget.delivery.queue import replay
from widget.queries.widgets import create_widget, get_widget, save_settings
from widget.routing import email_route
from widget.schema import deliveries
from widget.settings import WidgetSettings, demo_settings

from .support.admin_pages import EDIT, edit_form, error_of, store_of
from .support.admin_session import signed_in
from .support.leads import add, public_id_of
from .support.routing import COUPLES, INTAKE, VEGAS, group_practice
from .support.settings import changed


@pytest.mark.parametrize(("service", "location", "recipients", "because"), [
    ("Couples therapy", "", [COUPLES], ("Couples therapy", "")),
    ("", "Las Vegas office", [VEGAS, COUPLES], ("", "Las Vegas office")),
    ("Couples therapy", "Las Vegas office", [COUPLES, VEGAS], ("Couples therapy", "Las Vegas office")),
    ("Individual therapy", "Las Vegas office", [VEGAS, COUPLES], ("", "Las Vegas office")),
    ("Individual therapy", "Los Angeles office", [INTAKE], ("", "")),
    ("", "", [INTAKE], ("", "")),
    ("Terapia de pareja", "", [COUPLES], ("Couples therapy", "")),
    ("Couples therapy (renamed since)", "", [INTAKE], ("", "")),
], ids=["service", "location", "both: union, each once", "location only", "neither has a list", "no choice",
        "named in Spanish", "an unknown name"])
def test_the_rule(service: str, location: str, recipients: list[str], because: tuple[str, str]) -> None:
    route = email_route(group_practice(), service, location)
    assert list(route.recipients) == recipients
    assert (route.service, route.location) == because


def test_a_widget_without_a_main_list_still_emails_a_routed_request() -> None:
    settings = group_practice(notify_emails=[])
    assert email_route(settings, "Couples therapy", "").recipients == (COUPLES,)
    assert email_route(settings, "Family therapy", "").recipients == ()


def _targets(store: Store) -> dict[int, Any]:
    with store.reading() as conn:
        return {row.lead_id: row.target for row in conn.execute(
            select(deliveries.c.lead_id, deliveries.c.target).where(deliveries.c.channel == "email"))}


def test_a_new_request_is_planned_by_routing(any_store: Store) -> None:
    widget = create_widget(any_store, "Harbor Light", group_practice())
    couples = add(any_store, widget, service="Couples therapy", location="Las Vegas office")
    plain = add(any_store, widget)
    assert _targets(any_store) == {couples: [COUPLES, VEGAS], plain: [INTAKE]}


def test_saving_settings_points_waiting_emails_where_routing_sends_them_now(any_store: Store) -> None:
    widget = create_widget(any_store, "Harbor Light", changed(demo_settings(), notify_emails=[INTAKE]))
    couples = add(any_store, widget, service="Couples therapy")
    vegas = add(any_store, widget, service="Family therapy", location="Las Vegas office")
    plain = add(any_store, widget)
    assert set(map(tuple, _targets(any_store).values())) == {(INTAKE,)}

    save_settings(any_store, widget.id, group_practice())
    assert _targets(any_store) == {couples: [COUPLES], vegas: [VEGAS, COUPLES], plain: [INTAKE]}

    moved = group_practice(notify_emails=["front-desk@harbor.example"])
    save_settings(any_store, widget.id, moved)
    assert _targets(any_store) == {couples: [COUPLES], vegas: [VEGAS, COUPLES], plain: ["front-desk@harbor.example"]}


def test_a_replayed_email_goes_where_routing_sends_it_now(any_store: Store) -> None:
    widget = create_widget(any_store, "Harbor Light", changed(demo_settings(), notify_emails=[INTAKE]))
    lead_id = add(any_store, widget, service="Couples therapy")
    with any_store.engine.begin() as conn:
        conn.execute(update(deliveries).values(status="dead"))
    save_settings(any_store, widget.id, group_practice())
    assert _targets(any_store) == {lead_id: [INTAKE]}, "a dead delivery stays as it was until replayed"
    with any_store.reading() as conn:
        ids = list(conn.execute(select(deliveries.c.id)).scalars())
    assert replay(any_store, ids) == 1
    assert _targets(any_store) == {lead_id: [COUPLES]}


def test_the_request_page_says_why_its_email_went_to_its_list(app: Flask) -> None:
    store = store_of(app)
    widget = create_widget(store, "Harbor Light", group_practice())
    both = add(store, widget, service="Couples therapy", location="Las Vegas office")
    plain = add(store, widget, service="Individual therapy")
    client = signed_in(app.test_client())

    def page(lead_id: int) -> str:
        return client.get(f"/admin/leads/{public_id_of(store, lead_id)}").get_data(as_text=True)

    assert "Sent to this list because the person chose Couples therapy and Las Vegas office." in page(both)
    assert "Sent to the main list: the person chose no service or location that has its own list." in page(plain)
    moved_on = update(deliveries).where(deliveries.c.lead_id == plain).values(target=json.dumps(["old@harbor.example"]))
    with store.engine.begin() as conn:  # sent where routing no longer sends it: no reason beats a wrong one
        conn.execute(moved_on)
    assert "Sent to" not in page(plain) and "old@harbor.example" in page(plain)


def _cli(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["rtr", *args])


def test_export_and_import_carry_the_lists_and_reroute_waiting_emails(app: Flask, tmp_path: Path) -> None:
    store = store_of(app)
    lead_id = add(store, get_widget(store, "demo"), service="Couples therapy")
    exported = json.loads(_cli(app, "export").stdout)
    [demo] = [item for item in exported["widgets"] if item["id"] == "demo"]
    assert all(service["notify_emails"] == [] for service in demo["settings"]["services"])

    demo["settings"] = group_practice().model_dump(mode="json")
    file = tmp_path / "config.json"
    file.write_text(json.dumps(exported), encoding="utf-8")
    result = _cli(app, "import", str(file))
    assert result.exit_code == 0, result.output
    assert get_widget(store, "demo").settings.services[0].notify_emails == [COUPLES]
    assert _targets(store) == {lead_id: [COUPLES]}, "an import is a save: waiting emails follow it"
    again = json.loads(_cli(app, "export").stdout)
    demo_again = next(item for item in again["widgets"] if item["id"] == "demo")
    assert demo_again["settings"]["locations"][1]["notify_emails"] == [VEGAS, COUPLES]


def test_the_edit_page_sets_a_list_per_service_and_location(app: Flask) -> None:
    admin = signed_in(app.test_client())
    fields = edit_form(admin)
    assert fields["services-0-notify_emails"] == "" and fields["locations-1-notify_emails"] == ""
    fields["services-0-notify_emails"] = f"{COUPLES}\n"
    fields["locations-1-notify_emails"] = f"{VEGAS}\n{COUPLES}"
    assert admin.post(EDIT, data=fields).status_code == 302
    settings: WidgetSettings = get_widget(store_of(app), "demo").settings
    assert settings.services[0].notify_emails == [COUPLES]
    assert settings.locations[1].notify_emails == [VEGAS, COUPLES]
    assert edit_form(admin)["locations-1-notify_emails"] == f"{VEGAS}\n{COUPLES}"


def test_a_bad_address_in_a_services_list_is_named_on_its_line(app: Flask) -> None:
    admin = signed_in(app.test_client())
    fields = edit_form(admin)
    fields["services-1-notify_emails"] = f"{COUPLES}\nnot-an-address"
    response = admin.post(EDIT, data=fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Line 2: This isn&#39;t a valid email address." in error_of(html, "services-1-notify_emails")
    assert "not-an-address</textarea>" in html, "what was typed is kept"
    assert get_widget(store_of(app), "demo").settings.services[1].notify_emails == []
