"""The admin sees the sites a widget refused, and allows one with a button (CSRF, audit-logged, owners only)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget.admin.audit import entries
from widget.queries.refused_sites import note_refusal, refused_for
from widget.queries.widgets import get_widget, save_settings

from .support.admin_pages import EDIT, store_of
from .support.admin_session import csrf, signed_in
from .support.settings import changed

STRANGER = "https://copycat.example"
OWN_BLOG = "https://blog.desertbloom.example"


@pytest.fixture
def guarded(app: Flask) -> Flask:
    store = store_of(app)
    save_settings(store, "demo", changed(get_widget(store, "demo").settings, allowed_origins=["desertbloom.example"]))
    note_refusal(store, "demo", OWN_BLOG, OWN_BLOG + "/posts/trust", "frame")
    note_refusal(store, "demo", STRANGER, "", "request")
    return app


@pytest.fixture
def admin(guarded: Flask) -> FlaskClient:
    return signed_in(guarded.test_client())


def _allow(admin: FlaskClient, origin: str, **extra: str) -> object:
    return admin.post("/admin/widgets/demo/sites/allow", data={"csrf_token": csrf(admin, EDIT), "origin": origin,
                                                               **extra})


def test_the_edit_page_and_the_widgets_list_name_the_refused_sites(admin: FlaskClient) -> None:
    page = admin.get(EDIT).get_data(as_text=True)
    assert 'id="refused-sites"' in page and OWN_BLOG in page and STRANGER in page
    assert "on https://blog.desertbloom.example/posts/trust" in page and "(sent a request)" in page
    listing = admin.get("/admin/").get_data(as_text=True)
    assert "2 sites tried to show this widget" in listing and "#refused-sites" in listing


def test_allow_adds_the_site_forgets_it_and_is_audited(guarded: Flask, admin: FlaskClient) -> None:
    response = _allow(admin, OWN_BLOG)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/widgets/demo#refused-sites")
    store = store_of(guarded)
    assert get_widget(store, "demo").settings.allowed_origins == [
        "https://desertbloom.example", "https://www.desertbloom.example", OWN_BLOG]
    assert [site.origin for site in refused_for(store, "demo")] == [STRANGER]
    latest = entries(store, limit=1)[0][0]
    assert (latest.action, latest.detail, latest.actor, latest.widget_id) == ("widget.site_allowed", OWN_BLOG, "ann",
                                                                              "demo")
    frame = guarded.test_client().get("/w/demo/frame", query_string={"origin": OWN_BLOG})
    assert "<form" in frame.get_data(as_text=True), "the card shows there now"


def test_allowing_a_bare_domain_brings_its_www_twin(guarded: Flask, admin: FlaskClient) -> None:
    note_refusal(store_of(guarded), "demo", "https://www.partner.example", "", "frame")
    _allow(admin, "https://www.partner.example")
    allowed = get_widget(store_of(guarded), "demo").settings.allowed_origins
    assert allowed[-2:] == ["https://www.partner.example", "https://partner.example"]


def test_only_a_listed_site_can_be_allowed(guarded: Flask, admin: FlaskClient) -> None:
    before = get_widget(store_of(guarded), "demo").settings.allowed_origins
    _allow(admin, "https://never-tried.example")
    assert get_widget(store_of(guarded), "demo").settings.allowed_origins == before


def test_allow_needs_the_csrf_token(guarded: Flask, admin: FlaskClient) -> None:
    response = admin.post("/admin/widgets/demo/sites/allow", data={"origin": OWN_BLOG})
    assert response.status_code == 302
    assert OWN_BLOG not in get_widget(store_of(guarded), "demo").settings.allowed_origins


def test_staff_can_not_allow_a_site(guarded: Flask) -> None:
    staff = signed_in(guarded.test_client(), "sam", role="staff")
    response = staff.post("/admin/widgets/demo/sites/allow", data={"origin": OWN_BLOG})
    assert response.status_code == 403
    assert OWN_BLOG not in get_widget(store_of(guarded), "demo").settings.allowed_origins


def test_dismiss_takes_it_off_the_list_and_leaves_it_refused(guarded: Flask, admin: FlaskClient) -> None:
    admin.post("/admin/widgets/demo/sites/dismiss", data={"csrf_token": csrf(admin, EDIT), "origin": STRANGER})
    store = store_of(guarded)
    assert [site.origin for site in refused_for(store, "demo")] == [OWN_BLOG]
    assert STRANGER not in get_widget(store, "demo").settings.allowed_origins
    assert entries(store, limit=1)[0][0].action == "widget.site_dismissed"


def test_sites_allowed_by_saving_the_form_leave_the_list(guarded: Flask, admin: FlaskClient) -> None:
    store = store_of(guarded)
    save_settings(store, "demo", changed(get_widget(store, "demo").settings,
                                         allowed_origins=["desertbloom.example", "blog.desertbloom.example"]))
    page = admin.get(EDIT).get_data(as_text=True)
    assert OWN_BLOG not in page.split('id="refused-sites"')[1].split("</section>")[0]


def test_allow_on_a_full_list_says_so_and_changes_nothing(guarded: Flask, admin: FlaskClient) -> None:
    store = store_of(guarded)
    full = [f"site{n}.example" for n in range(20)]  # 40 origins with their www twins
    save_settings(store, "demo", changed(get_widget(store, "demo").settings, allowed_origins=full))
    note_refusal(store, "demo", OWN_BLOG, "", "frame")
    before = get_widget(store, "demo").settings.allowed_origins
    page = admin.get(_allow(admin, OWN_BLOG).headers["Location"]).get_data(as_text=True)
    assert "Not allowed: At most 40" in page and "Remove a site under" in page
    assert get_widget(store, "demo").settings.allowed_origins == before
