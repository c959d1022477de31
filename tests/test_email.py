"""The email channel end to end through a real aiosmtpd server: content, privacy, retries, alerts."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, render_template_string
from sqlalchemy import select

from widget import ReadyToRebuild, get_state
from widget.delivery import email as channel
from widget.delivery import leases
from widget.delivery.alerts import send_alert
from widget.delivery.base import Job
from widget.models import NewLead
from widget.queries.leads import add_lead
from widget.queries.widgets import create_widget
from widget.schema import attempts, deliveries
from widget.settings import demo_settings, validate_settings

from .support.settings import changed
from .support.smtp import Received, SmtpServer

PUBLIC_URL = "https://widgets.example.com"
SECRET = "I found messages on his phone and I cannot sleep"
EXPECTED_HEADERS = {"From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted", "Reply-To",
                    "Content-Type", "Content-Transfer-Encoding", "MIME-Version",
                    "Content-Language"}  # the confirmation says which language it is in


def smtp_app(make_app: Callable[..., Flask], server: SmtpServer | None, **config: Any) -> Flask:
    smtp = {"RTR_SMTP_HOST": "127.0.0.1", "RTR_SMTP_PORT": server.port, "RTR_SMTP_SECURITY": "none"} if server else {}
    return make_app(RTR_MAIL_FROM="Ready to Rebuild <notify@widgets.example.com>", RTR_PUBLIC_URL=PUBLIC_URL,
                    **smtp, **config)


def store_lead(app: Flask, settings: dict[str, Any] | None = None, **fields: Any) -> dict[str, Job]:
    """Store a lead for a new widget (demo settings + overrides, None: the default) and return its jobs."""
    raw = {**demo_settings().model_dump(), "notify_emails": ["intake@harbor.example"], **(settings or {})}
    clean, errors = validate_settings({key: value for key, value in raw.items() if value is not None})
    assert not errors
    store = get_state(app).store
    widget = create_widget(store, clean.practice_name, clean)
    lead = {"name": "Maya Reyes", "email": "maya@example.org", "phone": "+1 702 555 0134",
            "service": "Couples therapy", "location": "Las Vegas office", "message": SECRET,
            "consent_text": "ok", "consent_version": "v1", **fields}
    public_id = add_lead(store, widget, NewLead(**lead))
    with store.reading() as conn:
        rows = conn.execute(select(deliveries).where(deliveries.c.widget_id == widget.id)).all()
    jobs = {row.channel: leases.load_job(store, dict(row._mapping)) for row in rows}
    assert all(job is not None and job.lead["public_id"] == public_id for job in jobs.values())
    return jobs  # type: ignore[return-value]


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def header_names(got: Received) -> set[str]:
    return {line.split(":", 1)[0] for line in got.header_lines}


def test_lead_email_on_the_wire(make_app: Callable[..., Flask]) -> None:
    with SmtpServer() as server:
        app = smtp_app(make_app, server)
        job = store_lead(app, name="Nguyễn \"Mai\", Jr.")["email"]
        with app.app_context():
            outcome = channel.send_lead(job)
    assert outcome.status == "delivered" and outcome.detail.startswith("250")
    [got] = server.received
    message = got.message
    assert got.rcpt_tos == ["intake@harbor.example"] and got.mail_from == "notify@widgets.example.com"
    assert message["From"] == "Ready to Rebuild <notify@widgets.example.com>"
    assert message["Reply-To"].addresses[0].addr_spec == "maya@example.org"
    assert message["Reply-To"].addresses[0].display_name == "Nguyễn \"Mai\", Jr."
    assert message["Message-ID"] == job.delivery["message_id"]
    assert message["Subject"] == "New consultation request — Harbor Light Couples Therapy"
    assert message.get_content_type() == "multipart/alternative"
    assert header_names(got) <= EXPECTED_HEADERS


@pytest.mark.parametrize("level", ["full", "contact", "alert"])
def test_detail_levels(make_app: Callable[..., Flask], level: str) -> None:
    app = smtp_app(make_app, None, RTR_URL_PREFIX="/rtr")
    job = store_lead(app, {"detail_level": level}, name="Maya <b>Reyes</b>")["email"]
    with app.app_context():
        message = channel.build_lead_message(app, job, ["intake@harbor.example"])
    text, html = parts(message)
    link = f"{PUBLIC_URL}/rtr/admin/leads/{job.lead['public_id']}"
    assert link in text and link in html
    if level != "full":
        assert SECRET not in text and SECRET not in html
    if level == "full":
        assert SECRET in text and SECRET in html
    if level in ("full", "contact"):
        assert "maya@example.org" in text and "+1 702 555 0134" in text and "Las Vegas office" in text
        assert "Maya <b>Reyes</b>" in text and "Maya &lt;b&gt;Reyes&lt;/b&gt;" in html
        assert "<b>Reyes" not in html, "HTML bodies are autoescaped"
    if level == "contact":
        assert "They also wrote a message" in text
    if level == "alert":
        headers = str(message.items())
        for personal in ("Maya", "maya@example.org", "555 0134", "Couples therapy", "Las Vegas"):
            assert personal not in text and personal not in html and personal not in headers
        assert message["Reply-To"] is None
    assert SECRET not in message["Subject"] and "Maya" not in message["Subject"]


def test_contact_level_is_the_default(make_app: Callable[..., Flask]) -> None:
    app = smtp_app(make_app, None)
    job = store_lead(app, {"detail_level": None})["email"]
    with app.app_context():
        text, html = parts(channel.build_lead_message(app, job, ["intake@harbor.example"]))
    assert "maya@example.org" in text and SECRET not in text and SECRET not in html


@pytest.mark.parametrize("injection", ["\r\nBcc: evil@attacker.example", "\nBcc: evil@attacker.example",
                                       "\rBcc: evil@attacker.example", "\r\n\r\nInjected body",
                                       "\u2028Bcc: evil@attacker.example"])
def test_cr_lf_in_name_and_email_adds_no_headers_to_any_message(
        make_app: Callable[..., Flask], injection: str) -> None:
    with SmtpServer(replies=[]) as server:
        app = smtp_app(make_app, server, RTR_ALERT_EMAIL="ops@widgets.example.com")
        good_email = store_lead(app, {"confirmation_email": True}, name="Maya" + injection)
        bad_email = store_lead(app, {"confirmation_email": True}, name="Maya" + injection,
                               email="maya@example.org" + injection)
        with app.app_context():
            outcomes = [channel.send_lead(good_email["email"]), channel.send_confirmation(good_email["confirmation"]),
                        channel.send_lead(bad_email["email"]), channel.send_confirmation(bad_email["confirmation"])]
            send_alert(app, "Delivery failed" + injection, "body" + injection)
    statuses = [o.status for o in outcomes]
    print(f"\nCR/LF {injection!r}: outcomes {statuses}, {len(server.received)} messages on the wire")
    assert [o.status for o in outcomes] == ["delivered", "delivered", "delivered", "dead"]
    assert len(server.received) == 4
    for got in server.received:
        assert header_names(got) <= EXPECTED_HEADERS, got.header_lines
        assert not any(line.lower().startswith("bcc") for line in got.header_lines)
        assert all("attacker" not in rcpt for rcpt in got.rcpt_tos)
        assert got.message.get("Bcc") is None
    lead_without_reply_to = server.received[2].message
    assert lead_without_reply_to["Reply-To"] is None, "an address that can't be one clean mailbox is left out"


def test_smtp_451_then_250_is_delivered_on_the_second_attempt(make_app: Callable[..., Flask]) -> None:
    with SmtpServer(replies=["451 4.3.0 Greylisted, try again later"]) as server:
        app = smtp_app(make_app, server, RTR_RETRY_SCHEDULE=[0.01, 0.01])
        job = store_lead(app)["email"]
        statuses, rows = drive(app, job)
    print(f"\nSMTP 451 then 250: attempts {[(r.outcome, r.detail) for r in rows]}, final {statuses[-1]}")
    assert statuses[-1] == "delivered"
    assert [r.outcome for r in rows] == ["retry", "delivered"]
    assert rows[0].detail.startswith("451 4.3.0") and SECRET not in rows[0].detail
    assert server.data_commands == 2
    [got] = server.received
    assert got.message["Message-ID"] == job.delivery["message_id"], "the Message-ID is stable across retries"


def test_smtp_550_is_dead_after_one_attempt_and_alerts_once(make_app: Callable[..., Flask]) -> None:
    with SmtpServer(replies=["550 5.1.1 <intake@harbor.example>: mailbox unavailable"]) as server:
        app = smtp_app(make_app, server, RTR_RETRY_SCHEDULE=[0.01, 0.01, 0.01],
                       RTR_ALERT_EMAIL="ops@widgets.example.com")
        job = store_lead(app)["email"]
        statuses, rows = drive(app, job)
    print(f"\nSMTP 550: {len(rows)} attempt(s), final {statuses[-1]}, detail {rows[0].detail!r}, "
          f"{len(server.received)} alert(s)")
    assert statuses[-1] == "dead" and len(rows) == 1
    assert rows[0].detail == "550 5.1.1 <address>: mailbox unavailable"
    alerts = [got for got in server.received if got.rcpt_tos == ["ops@widgets.example.com"]]
    assert len(alerts) == len(server.received) == 1
    alert = alerts[0].message.get_content() + str(alerts[0].message.items())
    assert "Maya" not in alert and "maya@example.org" not in alert and SECRET not in alert


def drive(app: Flask, job: Job) -> tuple[list[str], list[Any]]:
    """Run the delivery through the worker until it is settled; return statuses and attempt rows."""
    from widget.delivery.worker import Worker

    worker = Worker(app, threads=1)
    statuses: list[str] = []
    with app.app_context():
        for _ in range(400):
            if worker.run_once():
                statuses.append(status_of(app, job))
                if statuses[-1] != "pending":
                    break
            else:
                time.sleep(0.005)
    with get_state(app).store.reading() as conn:
        rows = conn.execute(select(attempts).where(attempts.c.delivery_id == job.delivery["id"])
                            .order_by(attempts.c.id)).all()
    return statuses, rows


def status_of(app: Flask, job: Job) -> str:
    with get_state(app).store.reading() as conn:
        return str(conn.execute(select(deliveries.c.status).where(deliveries.c.id == job.delivery["id"])).scalar_one())


def test_confirmation_says_thanks_and_carries_none_of_what_they_wrote(make_app: Callable[..., Flask]) -> None:
    with SmtpServer() as server:
        app = smtp_app(make_app, server)
        jobs = store_lead(app, {"confirmation_email": True, "response_time": "within two business days"})
        with app.app_context():
            outcome = channel.send_confirmation(jobs["confirmation"])
    assert outcome.status == "delivered"
    [got] = server.received
    message = got.message
    text, html = parts(message)
    assert got.rcpt_tos == ["maya@example.org"] and message["To"] == "maya@example.org"
    assert message["Reply-To"] == "intake@harbor.example"
    assert message["Message-ID"] == jobs["confirmation"].delivery["message_id"]
    for body in (text, html):
        assert "Thank you" in body and "within two business days" in body and "988" in body
    everything = text + html + str(message.items())
    for theirs in (SECRET, "Maya", "555 0134", "Couples therapy", "Las Vegas"):
        assert theirs not in everything


def test_confirmation_is_off_by_default(make_app: Callable[..., Flask]) -> None:
    jobs = store_lead(smtp_app(make_app, None), {"confirmation_email": None})
    assert set(jobs) == {"email"}


def test_without_smtp_the_lead_email_is_an_eml_file(make_app: Callable[..., Flask]) -> None:
    app = smtp_app(make_app, None)
    job = store_lead(app)["email"]
    with app.app_context():
        first, second = channel.send_lead(job), channel.send_lead(job)
    [eml] = list((Path(app.instance_path) / "outbox").glob("*.eml"))
    message = message_from_bytes(eml.read_bytes(), policy=default_policy)
    assert first.status == second.status == "saved_to_file", "a retry rewrites the same file"
    assert message["Message-ID"] == job.delivery["message_id"]
    assert message["Subject"].startswith("New consultation request")


def test_send_test_reaches_the_notify_addresses_or_says_why_not(make_app: Callable[..., Flask]) -> None:
    with SmtpServer() as server:
        app = smtp_app(make_app, server)
        store = get_state(app).store
        with_inbox = create_widget(store, "A", changed(demo_settings(), notify_emails=["a@x.example", "b@x.example"]))
        without = create_widget(store, "B", changed(demo_settings(), notify_emails=[]))
        with app.app_context():
            sent, refused = channel.send_test(with_inbox), channel.send_test(without)
    assert sent.status == "delivered"
    assert refused.status == "dead" and "no notification email" in refused.detail
    [got] = server.received
    assert got.rcpt_tos == ["a@x.example", "b@x.example"] and "Test email" in got.message["Subject"]


def test_send_test_without_an_email_server_says_nothing_was_sent(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    widget = create_widget(get_state(app).store, "A", changed(demo_settings(), notify_emails=["a@x.example"]))
    with app.app_context():
        outcome = channel.send_test(widget)
    assert outcome.status == "dead" and "No email server is set up" in outcome.detail
    [eml] = list((Path(app.instance_path) / "outbox").glob("*.eml"))
    assert str(eml) in outcome.detail, "the admin is told where the file is"


def test_alert_goes_to_the_widgets_address_else_rtr_alert_email_else_the_fallback(
        make_app: Callable[..., Flask]) -> None:
    with SmtpServer() as server:
        configured = smtp_app(make_app, server, RTR_ALERT_EMAIL="ops@widgets.example.com")
        fallback = smtp_app(make_app, server)
        send_alert(configured, "Delivery failed", "Webhook for widget demo is dead.", to=[""],
                   fallback_to=["x@y.example"])
        send_alert(fallback, "Webhook disabled", "It answered 410.", to=[""], fallback_to=["owner@harbor.example"])
        send_alert(configured, "Delivery failed", "The widget names its own.", to=["office@harbor.example"],
                   fallback_to=["x@y.example"])
    assert [got.rcpt_tos for got in server.received] == [
        ["ops@widgets.example.com"], ["owner@harbor.example"], ["office@harbor.example"]]
    assert server.received[0].message["Subject"] == "[Ready to Rebuild] Delivery failed"
    assert "It answered 410." in server.received[1].message.get_content()


def test_alert_never_raises_and_logs_when_smtp_is_down(
        make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture) -> None:
    with SmtpServer() as server:
        port = server.port
    app = make_app(RTR_SMTP_HOST="127.0.0.1", RTR_SMTP_PORT=port, RTR_SMTP_SECURITY="none",
                   RTR_ALERT_EMAIL="ops@widgets.example.com")
    with caplog.at_level(logging.ERROR, logger="widget.delivery.alerts"):
        assert send_alert(app, "Delivery failed", "body") is None
    assert any("Alert not sent" in record.getMessage() for record in caplog.records)


def test_alert_without_smtp_is_an_eml_file(make_app: Callable[..., Flask]) -> None:
    app = make_app(RTR_ALERT_EMAIL="ops@widgets.example.com")
    send_alert(app, "Delivery failed", "Widget demo: the email to the practice is dead.")
    [eml] = list((Path(app.instance_path) / "outbox").glob("*.eml"))
    assert b"Subject: [Ready to Rebuild] Delivery failed" in eml.read_bytes()


def host_with_email_template(tmp_path: Path, name: str, text: str, url_prefix: str = "") -> Flask:
    """Return a host app whose own templates folder overrides ``rtr/email/<name>``."""
    folder = tmp_path / "templates" / "rtr" / "email"
    folder.mkdir(parents=True)
    (folder / name).write_text(text)
    host = Flask("host", template_folder=str(tmp_path / "templates"), instance_path=str(tmp_path / "instance"))
    host.config.update(TESTING=True, RTR_WORKER="off", RTR_SECRET_KEY="k",
                       RTR_DATABASE_URL=f"sqlite:///{tmp_path}/host.sqlite3")
    ReadyToRebuild(host, url_prefix=url_prefix or None)
    return host


def test_host_app_overrides_an_email_template_at_the_same_path(tmp_path: Path) -> None:
    host = host_with_email_template(tmp_path, "lead.txt", "Our own words for {{ practice_name }}.",
                                    url_prefix="/consult")
    job = store_lead(host)["email"]
    with host.app_context():
        text, html = parts(channel.build_lead_message(host, job, ["intake@harbor.example"]))
        assert render_template_string("{% include 'rtr/email/test.txt' %}", practice_name="P", smtp={})
    get_state(host).store.engine.dispose()
    assert text.strip() == "Our own words for Harbor Light Couples Therapy."
    assert "New consultation request" in html, "templates the host does not override stay ours"


def test_a_submitted_lead_becomes_an_eml_file_in_the_demo(app: Flask) -> None:
    from widget.delivery.worker import Worker

    from .conftest import form_token, valid_lead

    client = app.test_client()
    response = client.post("/w/demo/leads", data={**valid_lead(message=SECRET), "token": form_token(client)})
    assert response.status_code == 201
    with app.app_context():
        assert Worker(app, threads=1).run_once()
    [eml] = list((Path(app.instance_path) / "outbox").glob("*.eml"))
    message = message_from_bytes(eml.read_bytes(), policy=default_policy)
    text, html = parts(message)  # type: ignore[arg-type]
    assert message["To"] == "intake@example.com" and message["Reply-To"].addresses[0].addr_spec == "maya@example.org"
    assert "maya@example.org" in text, "the demo uses the default contact level"
    assert SECRET not in text and SECRET not in html


def test_a_broken_host_template_costs_a_retry_not_the_lead(tmp_path: Path) -> None:
    host = host_with_email_template(tmp_path, "lead.html", "{% if %}")
    job = store_lead(host)["email"]
    with host.app_context():
        outcome = channel.send_lead(job)
    get_state(host).store.engine.dispose()
    assert outcome.status == "retry" and "TemplateSyntaxError" in outcome.detail
    assert SECRET not in outcome.detail
