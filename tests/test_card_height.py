"""The inline snippet's reserved height: the CSS curve through the measured heights, and the admin's
endpoint that stores measurements per settings version and says when a pasted snippet went stale."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget.admin.card_height import NOTICEABLE, WIDTHS
from widget.admin.snippets import reservation_css
from widget.queries.card_heights import stored

from .support.admin_pages import EDIT, edit_form, store_of
from .support.admin_session import signed_in

DEMO = {340: 2460, 400: 2344, 480: 2052, 600: 1847, 720: 1741}
MEASURE = "/admin/widgets/demo/card-height"


def reserved_at(css: str, width: float) -> float:
    """Evaluate the snippet's ``padding-top`` for an element of ``width`` px, as a browser would."""
    assert css.startswith("padding-top:")
    expression = css.removeprefix("padding-top:").replace("calc(", "(").replace("px", "").replace("100%", "W")
    assert set(re.sub(r"max|clamp", "", expression)) <= set("0123456789.+*-(), W")

    def clamp(low: float, value: float, high: float) -> float:
        return min(max(low, value), high)

    return float(eval(expression, {"max": max, "clamp": clamp, "W": width}))  # only numbers and the names above


@pytest.mark.parametrize("width", WIDTHS)
def test_the_curve_passes_through_every_measured_height(width: int) -> None:
    assert reserved_at(reservation_css(DEMO), width) == pytest.approx(DEMO[width], abs=1)


def test_between_widths_it_interpolates_above_it_stays_below_it_grows() -> None:
    css = reservation_css(DEMO)
    assert reserved_at(css, 540) == pytest.approx((2052 + 1847) / 2, abs=1)
    assert reserved_at(css, 1100) == reserved_at(css, 720) == 1741, "the card stops growing wider at 720 px"
    assert reserved_at(css, 300) > reserved_at(css, 340), "narrower than measured: taller still"


def test_a_card_of_one_height_reserves_it_plainly() -> None:
    assert reservation_css(dict.fromkeys(WIDTHS, 900)) == "padding-top:900px"


def measure(admin: FlaskClient, heights: dict[int, int], version: int = 1, **extra: str) -> object:
    fields = {"csrf_token": edit_form(admin)["csrf_token"], "version": str(version)}
    fields |= {f"h{width}": str(height) for width, height in heights.items()} | extra
    return admin.post(MEASURE, data=fields)


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    return signed_in(app.test_client())


def test_measured_heights_go_into_the_inline_snippet(app: Flask, admin: FlaskClient) -> None:
    response = measure(admin, DEMO)
    assert response.status_code == 200 and response.json["notice"] == ""
    assert response.json["snippet"].startswith(f'<div id="rtr-demo" style="{reservation_css(DEMO)}"></div>\n')
    assert stored(store_of(app), "demo").heights == DEMO
    page = admin.get(EDIT).get_data(as_text=True)
    assert 'data-measured="current"' in page and "padding-top:calc(1741px" in page


def test_after_a_save_the_old_heights_are_stale_and_a_big_change_is_told(app: Flask, admin: FlaskClient) -> None:
    measure(admin, DEMO)
    fields = edit_form(admin)
    fields["intro-en"] = "A much longer introduction. " * 12
    assert admin.post(EDIT, data=fields).status_code == 302
    page = admin.get(EDIT).get_data(as_text=True)
    assert 'data-measured="stale"' in page and 'data-version="2"' in page
    assert "padding-top:calc(1741px" in page, "until measured again, the last heights are the best guess"

    nudged = measure(admin, {width: height + NOTICEABLE for width, height in DEMO.items()}, version=2)
    assert nudged.json["notice"] == "", f"{NOTICEABLE} px is within a line wrap: no need to paste again"
    taller = measure(admin, {width: height + 300 for width, height in DEMO.items()}, version=2)
    assert "copy it again and replace the one on your website" in taller.json["notice"]
    assert f"up to {300 - NOTICEABLE} px" in taller.json["notice"], "compared with the last measurement"


@pytest.mark.parametrize(("change", "status", "message"), [
    ({"version": "7"}, 409, "The settings changed since this page was loaded"),
    ({"h480": "tall"}, 400, "Send a height in pixels for each width"),
    ({"h480": "0"}, 400, "Send a height in pixels for each width"),
    ({"h480": "999999"}, 400, "Send a height in pixels for each width"),
    ({"csrf_token": "forged"}, 400, "This page expired"),
])
def test_bad_measurements_are_refused_and_change_nothing(app: Flask, admin: FlaskClient, change: dict[str, str],
                                                         status: int, message: str) -> None:
    response = measure(admin, DEMO, **change)
    assert (response.status_code, response.json["ok"]) == (status, False)
    assert message in response.json["message"]
    assert stored(store_of(app), "demo") is None


def test_measuring_needs_a_signed_in_admin(app: Flask) -> None:
    response = app.test_client().post(MEASURE, data={f"h{w}": "900" for w in WIDTHS})
    assert response.status_code in (302, 401, 403)
    assert stored(store_of(app), "demo") is None
