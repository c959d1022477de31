"""The store on SQLite and PostgreSQL: widgets, leads with their deliveries in one transaction."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from widget import migrate
from widget.db import Store, make_engine
from widget.models import NewLead, ReplayError
from widget.queries import accounts, stats
from widget.queries.leads import add_lead
from widget.queries.widgets import create_widget, delete_widget, get_widget, list_widgets, save_settings
from widget.schema import attempts, daily_stats, deliveries, leads, widgets
from widget.settings import WidgetSettings, demo_settings

from .support.settings import changed


def _lead(**overrides: object) -> NewLead:
    data = {"name": "Sam", "email": "sam@example.org", "consent_text": "I agree", "consent_version": "v1"}
    data.update(overrides)
    return NewLead(**data)


def _count(store: Store, table) -> int:
    with store.reading() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_widget_round_trip_and_versions(any_store: Store) -> None:
    created = create_widget(any_store, "Harbor Light", demo_settings(), widget_id="demo")
    assert created.webhook_secret.startswith("whsec_")
    loaded = get_widget(any_store, "demo")
    assert loaded is not None and loaded.settings == demo_settings() and loaded.version == 1
    edited = changed(loaded.settings, heading="Let's talk")
    assert save_settings(any_store, "demo", edited) == 2
    again = get_widget(any_store, "demo")
    assert again.version == 2 and again.settings.heading.en == "Let's talk"
    assert [w.id for w in list_widgets(any_store, )] == ["demo"]
    assert get_widget(any_store, "missing") is None


def test_settings_stored_by_older_code_load_with_defaults_for_what_they_lack(any_store: Store) -> None:
    older = {"practice_name": "Old Practice", "heading": "Hello", "theme": {"accent_color": "#112233"},
             "retired_setting": "from a version that had it", "notify_emails": ["desk@example.com"]}
    with any_store.engine.begin() as conn:
        conn.execute(insert(widgets).values(id="old", name="Old", settings=older, version=3, webhook_secret="whsec_x",
                                            created_at=1.0, updated_at=1.0))
    loaded = get_widget(any_store, "old").settings
    assert isinstance(loaded, WidgetSettings)
    assert (loaded.heading.en, loaded.theme.accent_color, loaded.notify_emails) == ("Hello", "#112233",
                                                                                     ["desk@example.com"])
    assert loaded.retention_days == 90 and loaded.theme.radius == 12 and len(loaded.steps) == 3
    assert loaded == changed(practice_name="Old Practice", heading="Hello", theme={"accent_color": "#112233"},
                             notify_emails=["desk@example.com"])


def test_a_stored_value_that_todays_rules_refuse_falls_back_to_its_default(any_store: Store) -> None:
    stored = {**demo_settings().model_dump(), "heading": "x" * 500, "webhook_url": "http://["}
    with any_store.engine.begin() as conn:
        conn.execute(insert(widgets).values(id="w", name="W", settings=stored, version=1, webhook_secret="whsec_x",
                                            created_at=1.0, updated_at=1.0))
    loaded = get_widget(any_store, "w").settings
    assert (loaded.heading.en, loaded.webhook_url) == ("Ready to rebuild?", "")
    assert loaded.services == demo_settings().services


def test_a_new_webhook_url_turns_a_disabled_endpoint_back_on(any_store: Store) -> None:
    from sqlalchemy import update

    from widget.schema import widgets

    settings = changed(demo_settings(), webhook_url="https://old.example.com/hook")
    create_widget(any_store, "P", settings, widget_id="p")
    with any_store.engine.begin() as conn:
        conn.execute(update(widgets).values(webhook_disabled_at=1.0))
    save_settings(any_store, "p", changed(settings, heading="Same URL"))
    assert get_widget(any_store, "p").webhook_disabled_at == 1.0
    save_settings(any_store, "p", changed(settings, webhook_url="https://new.example.com/hook"))
    assert get_widget(any_store, "p").webhook_disabled_at is None


def test_saving_new_addresses_redirects_deliveries_still_waiting(any_store: Store) -> None:
    from sqlalchemy import update

    settings = changed(demo_settings(), notify_emails=["typo@exmaple.com"], webhook_url="https://old.example.com/h")
    widget = create_widget(any_store, "P", settings, widget_id="p")
    add_lead(any_store, widget, _lead())
    add_lead(any_store, widget, _lead(name="Already sent"))
    with any_store.engine.begin() as conn:
        first_email = conn.execute(select(func.min(deliveries.c.id)).where(deliveries.c.channel == "email")).scalar()
        conn.execute(update(deliveries).where(deliveries.c.id == first_email).values(status="delivered"))
    save_settings(any_store, "p", changed(settings, notify_emails=["intake@example.com"],
                               webhook_url="https://new.example.com/h"))
    with any_store.reading() as conn:
        found = {(r.channel, r.status, str(r.target)) for r in conn.execute(select(deliveries))}
    assert found == {
        ("email", "delivered", "['typo@exmaple.com']"), ("email", "pending", "['intake@example.com']"),
        ("webhook", "pending", "https://new.example.com/h"),
    }


def test_lead_and_one_delivery_per_channel_in_one_transaction(any_store: Store) -> None:
    settings = changed(demo_settings(), webhook_url="https://hooks.example.com/in", confirmation_email=True)
    widget = create_widget(any_store, "P", settings)
    public_id = add_lead(any_store, widget, _lead(utm={"utm_source": "newsletter"}), token_nonce="n1")
    with any_store.reading() as conn:
        lead = conn.execute(select(leads)).one()._mapping
        rows = conn.execute(select(deliveries).order_by(deliveries.c.channel)).all()
    assert lead["public_id"] == public_id and lead["utm"] == {"utm_source": "newsletter"}
    assert lead["settings_version"] == 1 and lead["consent_version"] == "v1"
    assert [(r.channel, r.status) for r in rows] == [
        ("confirmation", "pending"), ("email", "pending"), ("webhook", "pending")]
    assert {r.message_id for r in rows} == {
        f"<{public_id}.thanks@ready-to-rebuild>", f"<{public_id}.lead@ready-to-rebuild>", f"msg_{public_id}"}


def test_a_used_token_stores_nothing_more(any_store: Store) -> None:
    widget = create_widget(any_store, "P", demo_settings())
    add_lead(any_store, widget, _lead(), token_nonce="same")
    with pytest.raises(ReplayError):
        add_lead(any_store, widget, _lead(name="Again"), token_nonce="same")
    assert _count(any_store, leads) == 1
    assert _count(any_store, deliveries) == 1


def test_a_failure_inside_the_transaction_leaves_no_lead(any_store: Store) -> None:
    widget = create_widget(any_store, "P", demo_settings())
    with pytest.raises(Exception) as failure:  # any database error must roll the lead back
        add_lead(any_store, widget, _lead(name=None, email="private.person@example.org"))
    # The statement's values stay out of the message (PostgreSQL's own DETAIL may still quote the row,
    # which is why the public side logs a database error by its kind only).
    assert "parameters hidden" in str(failure.value)
    assert _count(any_store, leads) == 0
    assert _count(any_store, deliveries) == 0


def test_concurrent_writers_all_commit(any_store: Store) -> None:
    widget = create_widget(any_store, "P", demo_settings())
    errors: list[BaseException] = []

    def submit(index: int) -> None:
        try:
            for n in range(10):
                add_lead(any_store, widget, _lead(name=f"writer {index}-{n}"), token_nonce=f"{index}-{n}")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _count(any_store, leads) == 60


def test_views_and_blocked_are_counted_per_day(any_store: Store) -> None:
    widget = create_widget(any_store, "P", demo_settings())
    stats.count(any_store, widget.id, "views")
    stats.count(any_store, widget.id, "views")
    stats.count(any_store, widget.id, "blocked")
    from widget.schema import daily_stats

    with any_store.reading() as conn:
        row = conn.execute(select(daily_stats)).one()
    assert (row.views, row.submissions, row.blocked) == (2, 0, 1)


def _another_writer_gets_in(path: Path) -> bool:
    """Try to start a write from a second connection without waiting."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        other.close()


def test_sqlite_writes_take_the_lock_at_begin_and_reads_do_not(tmp_path: Path) -> None:
    path = tmp_path / "rtr.sqlite3"
    store = Store(make_engine(f"sqlite:///{path}"))
    migrate.prepare(store)
    try:
        with store.engine.begin():
            # BEGIN IMMEDIATE: queued writers wait on busy_timeout instead of failing mid-transaction.
            assert not _another_writer_gets_in(path)
        with store.reading() as conn:
            conn.execute(select(func.count()).select_from(leads)).scalar_one()
            assert _another_writer_gets_in(path), "a reader must not block writers"
        assert _another_writer_gets_in(path)
    finally:
        store.engine.dispose()


def test_deleting_a_widget_cascades_to_everything_it_owns(any_store: Store) -> None:
    settings = changed(demo_settings(), webhook_url="https://hooks.example.com/in")
    gone, kept = create_widget(any_store, "Gone", settings), create_widget(any_store, "Kept", settings)
    for widget in (gone, kept):
        add_lead(any_store, widget, _lead())
        stats.count(any_store, widget.id, "views")
    with any_store.engine.begin() as conn:
        for delivery_id in conn.execute(select(deliveries.c.id)).scalars():
            conn.execute(attempts.insert().values(delivery_id=delivery_id, at=1.0, outcome="retry"))
    assert delete_widget(any_store, gone.id)
    with any_store.reading() as conn:
        for table in (leads, deliveries, daily_stats):
            assert set(conn.execute(select(table.c.widget_id)).scalars()) == {kept.id}, table.name
        assert conn.execute(select(func.count()).select_from(attempts)).scalar_one() == 2
    assert [w.id for w in list_widgets(any_store)] == [kept.id]


def test_account_and_session_queries(any_store: Store) -> None:
    assert accounts.add_admin(any_store, "ann", "hash-a") and accounts.add_admin(any_store, "bob", "hash-b")
    assert not accounts.add_admin(any_store, "ann", "again"), "a taken name"
    ann = accounts.get_admin(any_store, "ann")
    first = accounts.start_session(any_store, ann.id, "a" * 64, now=100.0)
    accounts.start_session(any_store, ann.id, "b" * 64, now=200.0)
    bob_session = accounts.start_session(any_store, accounts.get_admin(any_store, "bob").id, "c" * 64)
    assert [s.created_at for s in accounts.sessions_of(any_store, ann.id)] == [200.0, 100.0]
    assert accounts.find_session(any_store, "a" * 64).id == first
    assert accounts.end_sessions(any_store, ann.id) == 2
    assert accounts.find_session(any_store, "a" * 64) is None
    assert accounts.find_session(any_store, "c" * 64).id == bob_session
    assert [a.username for a in accounts.list_admins(any_store)] == ["ann", "bob"]
    assert accounts.remove_admin(any_store, "bob") and accounts.find_session(any_store, "c" * 64) is None
    with pytest.raises(accounts.LastAdminError):
        accounts.remove_admin(any_store, "ann")
