"""The owners' "People's data" page: find everything held about an address, and erase it on request.

The address travels in POST bodies only, never in a URL (URLs end up in logs and browser history).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, render_template, url_for
from werkzeug.wrappers import Response
from wtforms import BooleanField, HiddenField
from wtforms.validators import InputRequired

from ..people import address_forms, find_person, forget_person
from .auth import actor, login_required
from .blueprint import blueprint
from .forms import AdminForm, email_field
from .session import flash


class FindPersonForm(AdminForm):
    address = email_field("The person's email address",
                          "Any case or form: Maya@Example.ORG finds maya@example.org.")


class ForgetPersonForm(AdminForm):
    address = HiddenField(validators=[InputRequired()])
    confirm = BooleanField("I understand this erases all of it and can't be undone",
                           [InputRequired("Tick the box to confirm the erasure.")])


def _app() -> Any:
    return current_app._get_current_object()  # type: ignore[attr-defined]


def _page(form: FindPersonForm, status: int = 200, **found: Any) -> tuple[str, int]:
    return render_template("rtr/admin/people.html", form=form, **found), status


@blueprint.route("/people", methods=["GET", "POST"])
@login_required
def people() -> Any:
    """Show the search form, or everything held about the address just searched for."""
    form = FindPersonForm()
    if not form.is_submitted():
        return _page(form)
    if not form.validate():
        return _page(form, 400)
    address = (form.address.data or "").strip()
    if not address_forms(address):
        form.address.errors = ["This isn't an email address."]
        return _page(form, 400)
    person = find_person(_app(), address)
    forget = ForgetPersonForm(formdata=None, data={"address": address})
    return _page(form, person=person, forget=forget)


@blueprint.post("/people/forget")
@login_required
def forget_person_view() -> Response | tuple[str, int]:
    """Erase everything held about the address once the owner ticked the confirmation."""
    form = ForgetPersonForm()
    address = (form.address.data or "").strip()
    if not form.validate() or not address_forms(address):
        find = FindPersonForm(formdata=None, data={"address": address})
        person = find_person(_app(), address) if address_forms(address) else None
        return _page(find, 400, person=person, forget=form)
    erasure = forget_person(_app(), address, actor())
    flash(f"Erased {erasure.summary()}. The audit log records it as {erasure.hash}. Copies already emailed "
          "or sent to a CRM are not reachable from here: erase them there too.", "success")
    return redirect(url_for("rtr_admin.people"))
