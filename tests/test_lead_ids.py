"""Ids are never reused, and links name a request by its public id: an old link never opens
another person's request."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from widget.delivery.base import Job, Outcome
from widget.delivery.leases import load_job
from widget.delivery.worker import alert_text
from widget.state import get_state

from .support.admin_session import signed_in
from .support.delivery import rows
from .support.leads import csrf_token, public_id_of, submit


def _delete(admin: FlaskClient, public_id: str) -> None:
    page = admin.get(f"/admin/leads/{public_id}/delete").get_data(as_text=True)
    assert admin.post(f"/admin/leads/{public_id}/delete", data={"csrf_token": csrf_token(page)}).status_code == 302


def test_a_deleted_requests_link_never_opens_the_next_request(app: Flask, client: FlaskClient) -> None:
    store = get_state(app).store
    admin = signed_in(app.test_client())
    submit(client, name="First Person")
    deleted = submit(client, name="Deleted Person")
    old_link = f"/admin/leads/{public_id_of(store, deleted)}"
    assert "Deleted Person" in admin.get(old_link).get_data(as_text=True)
    _delete(admin, public_id_of(store, deleted))
    newer = submit(client, name="Someone Else")
    assert newer > deleted, "SQLite gave the deleted request's id to the next one"
    response = admin.get(old_link)
    assert response.status_code == 404 and "Someone Else" not in response.get_data(as_text=True)


def test_a_numbered_link_from_an_older_version_opens_nothing_and_says_where_to_look(app: Flask,
                                                                                   client: FlaskClient) -> None:
    row_id = submit(client, name="Maya Rivera")
    response = signed_in(app.test_client()).get(f"/admin/leads/{row_id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Find the request in the inbox" in page and "Maya" not in page


def test_the_inbox_emails_alerts_and_webhooks_link_by_public_id(app: Flask, client: FlaskClient) -> None:
    store = get_state(app).store
    row_id = submit(client, name="Maya Rivera")
    public_id = public_id_of(store, row_id)
    inbox = signed_in(app.test_client()).get("/admin/leads").get_data(as_text=True)
    assert f'href="/admin/leads/{public_id}"' in inbox
    assert not re.search(rf'href="/admin/leads/{row_id}"', inbox)
    job = load_job(store, rows(store)[0])
    assert isinstance(job, Job)
    with app.app_context():
        _subject, body = alert_text(app, job, Outcome("dead", "550 no such mailbox"), "dead")
    assert f"/admin/leads/{public_id}" in body and f"/admin/leads/{row_id}\n" not in body
