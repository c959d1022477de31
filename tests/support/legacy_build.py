"""Fill a database using the code of release 9e101c1 itself: data in every table it had.

Run with that release's ``widget`` package first on PYTHONPATH (``tests/support/legacy.py`` does
this from ``git archive 9e101c1``): ``python legacy_build.py DATABASE_URL INSTANCE_FOLDER``.
Clock, ids and salts are fixed, so every run writes the very same rows: the dumps committed in
``tests/data/legacy/`` are this script's output, and a test checks a fresh run still matches.
"""

from __future__ import annotations

import random
import sys
import time
import uuid

START = 1764547200.0  # 2025-12-01 00:00 UTC
CLOCK = [START]
PASSWORD = "a calm long passphrase"


def at(seconds: float) -> None:
    """Set the patched clock: every time.time() returns this moment until the next call."""
    CLOCK[0] = START + seconds


def main(url: str, instance: str) -> None:
    time.time = lambda: CLOCK[0]
    ids = random.Random(9101)
    uuid.uuid4 = lambda: uuid.UUID(int=ids.getrandbits(128), version=4)
    random.seed(1)  # the retry jitter
    import werkzeug.security

    werkzeug.security.gen_salt = lambda length: ("legacy" * 4)[:length]

    import widget
    from widget import create_app

    app = create_app({"TESTING": True, "RTR_SECRET_KEY": "legacy", "RTR_WORKER": "off", "RTR_DATABASE_URL": url,
                      "RTR_RATELIMIT_STORAGE_URI": "memory://"}, instance_path=instance)
    with app.app_context():
        fill(app)
    app.extensions["rtr"].store.engine.dispose()
    print(widget.__file__)


def fill(app: object) -> None:
    # The old release's modules (some no longer exist here), so isort can't place them.
    from widget.admin.audit import record  # noqa: I001
    from widget.admin.passwords import create_admin
    from widget.delivery import queue, webhook
    from widget.delivery.base import Outcome
    from widget.delivery.smtp_config import save_smtp_overrides
    from widget.extension import get_state
    from widget.lead_queries import delete_leads, set_contacted
    from widget.settings import default_settings, demo_settings
    from widget.store import NewLead

    store = get_state().store
    secrets = iter(f"whsec_{name * 8}" for name in ("Rm9y", "U2Vj", "cmV0", "QUJD"))
    webhook.new_webhook_secret = lambda: next(secrets)

    at(0)
    harbor_settings = dict(demo_settings(), notify_emails=["intake@harbor.example"],
                           webhook_url="https://crm.example.com/hook", confirmation_email=True)
    harbor = store.create_widget("Harbor Light", harbor_settings, widget_id="harbor",
                                 webhook_secret="whsec_SGFyYm9yTGlnaHRTZWNyZXRLZXk=")
    quiet = store.create_widget("Quiet Practice", dict(default_settings("Quiet Practice"),
                                                       notify_emails=["hello@quiet.example"]), widget_id="quiet",
                                webhook_secret="whsec_UXVpZXRQcmFjdGljZVNlY3JldEs=")
    gone = store.create_widget("Gone Hook", dict(default_settings("Gone Hook"), webhook_url="https://gone.example/h"),
                               widget_id="gone", webhook_secret="whsec_R29uZUhvb2tTZWNyZXRLZXlYWA==")
    at(60)
    store.save_settings("harbor", dict(harbor_settings, heading="Ready when you are"))
    harbor = store.get_widget("harbor")
    at(120)
    webhook.rotate_secret(store, "harbor")
    harbor = store.get_widget("harbor")

    at(3600)
    full = NewLead(name="Ana Lucía O'Brien", email="ana@example.org", consent_text="I agree.", consent_version="c1",
                   phone="+1 (555) 010-2030", contact_method="phone", ok_to_email=True, ok_to_text=True,
                   ok_to_voicemail=False, service="Couples therapy", location="Downtown",
                   message="Evenings are best.", page_url="https://harbor.example/blog/trust",
                   language="en", utm={"utm_source": "newsletter", "utm_campaign": "spring"})
    store.add_lead(harbor, full, token_nonce="nonce-full")
    at(3700)
    store.add_lead(harbor, NewLead(name="Sam", email="sam@example.org", consent_text="I agree.",
                                   consent_version="c1"), token_nonce="nonce-sam")
    at(3800)
    store.add_lead(gone, NewLead(name="Noor", email="noor@example.org", consent_text="I agree.",
                                 consent_version="c1", language="es"), token_nonce="nonce-noor")
    at(3900)
    store.add_lead(quiet, NewLead(name="Quinn", email="quinn@example.org", consent_text="Sí.",
                                  consent_version="c2", language="es"))
    at(4000)
    store.add_lead(quiet, NewLead(name="Deleted Later", email="gone@example.org", consent_text="I agree.",
                                  consent_version="c1"))
    with store.engine.begin() as conn:  # a gap in the ids: the newest request was deleted
        delete_leads(conn, [5])

    at(4100)  # every kind of delivery: delivered, waiting to retry, dead, disabled, leased, untouched
    schedule = [5.0, 300.0]
    outcomes = {
        "<": Outcome("delivered", "250 OK"),
        "msg_": Outcome("retry", "HTTP 500", retry_after=30.0),
    }
    for delivery in queue.claim(store, "legacy-worker", 60.0, limit=10, now=START + 4100):
        if delivery["lead_id"] == 1 and delivery["channel"] == "confirmation":
            queue.record(store, delivery, Outcome("dead", "550 mailbox unavailable"), schedule, "legacy-worker", 40,
                         now=START + 4101)
        elif delivery["lead_id"] == 1:
            outcome = outcomes["<" if delivery["channel"] == "email" else "msg_"]
            queue.record(store, delivery, outcome, schedule, "legacy-worker", 25, now=START + 4102)
        elif delivery["lead_id"] == 3:
            queue.record(store, delivery, Outcome("disabled", "HTTP 410 Gone"), schedule, "legacy-worker", 10,
                         now=START + 4103)
        elif delivery["channel"] == "email":
            queue.record(store, delivery, Outcome("delivered", "250 OK"), schedule, "legacy-worker", 12,
                         now=START + 4104)
        # else: Sam's confirmation and webhook stay leased, as a worker that crashed mid-send leaves them
    at(4200)
    set_contacted(store, 1, True)

    at(5000)
    create_admin(store, "ann", PASSWORD)
    at(5001)
    create_admin(store, "bob", PASSWORD + " too")
    record(store, "command line", "admin.created", "bob")
    at(5100)
    record(store, "ann", "widget.settings", "heading", "harbor")
    record(store, "ann", "leads.exported", "CSV export")
    at(5200)
    for what in ("views", "views", "views", "submissions", "blocked"):
        store.count("harbor", what)
    store.count("quiet", "blocked")
    at(86400 + 5300)
    store.count("harbor", "views")
    at(5400)
    errors = save_smtp_overrides(store, {"host": "smtp.harbor.example", "port": "587", "security": "starttls",
                                         "username": "intake", "password": "p4ss w0rd", "ca_file": "",
                                         "mail_from": "Harbor Light <intake@harbor.example>"})
    assert not errors, errors


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
