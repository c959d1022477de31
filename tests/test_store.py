"""The store on SQLite and PostgreSQL: widgets, leads with their deliveries in one transaction."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from widget.settings import WidgetSettings, demo_settings
from widget.store import NewLead, ReplayError, Store, deliveries, leads, make_engine

from .support.settings import changed


def _lead(**overrides: object) -> NewLead:
    data = {"name": "Sam", "email": "sam@example.org", "consent_text": "I agree", "consent_version": "v1"}
    data.update(overrides)
    return NewLead(**data)


def _count(store: Store, table) -> int:
    with store.reading() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_widget_round_trip_and_versions(any_store: Store) -> None:
    created = any_store.create_widget("Harbor Light", demo_settings(), widget_id="demo")
    assert created.webhook_secret.startswith("whsec_")
    loaded = any_store.get_widget("demo")
    assert loaded is not None and loaded.settings == demo_settings() and loaded.version == 1
    edited = changed(loaded.settings, heading="Let's talk")
    assert any_store.save_settings("demo", edited) == 2
    again = any_store.get_widget("demo")
    assert again.version == 2 and again.settings.heading == "Let's talk"
    assert [w.id for w in any_store.list_widgets()] == ["demo"]
    assert any_store.get_widget("missing") is None


def test_settings_stored_by_older_code_load_with_defaults_for_what_they_lack(any_store: Store) -> None:
    from sqlalchemy import insert

    from widget.store import widgets

    older = {"practice_name": "Old Practice", "heading": "Hello", "theme": {"accent_color": "#112233"},
             "retired_setting": "from a version that had it", "notify_emails": ["desk@example.com"]}
    with any_store.engine.begin() as conn:
        conn.execute(insert(widgets).values(id="old", name="Old", settings=older, version=3, webhook_secret="whsec_x",
                                            created_at=1.0, updated_at=1.0))
    loaded = any_store.get_widget("old").settings
    assert isinstance(loaded, WidgetSettings)
    assert (loaded.heading, loaded.theme.accent_color, loaded.notify_emails) == ("Hello", "#112233",
                                                                                  ["desk@example.com"])
    assert loaded.retention_days == 90 and loaded.theme.radius == 12 and len(loaded.steps) == 3
    assert loaded == changed(practice_name="Old Practice", heading="Hello", theme={"accent_color": "#112233"},
                             notify_emails=["desk@example.com"])


def test_a_stored_value_that_todays_rules_refuse_falls_back_to_its_default(any_store: Store) -> None:
    from sqlalchemy import insert

    from widget.store import widgets

    stored = {**demo_settings().model_dump(), "heading": "x" * 500, "webhook_url": "http://["}
    with any_store.engine.begin() as conn:
        conn.execute(insert(widgets).values(id="w", name="W", settings=stored, version=1, webhook_secret="whsec_x",
                                            created_at=1.0, updated_at=1.0))
    loaded = any_store.get_widget("w").settings
    assert (loaded.heading, loaded.webhook_url) == ("Ready to rebuild?", "")
    assert loaded.services == demo_settings().services


def test_a_new_webhook_url_turns_a_disabled_endpoint_back_on(any_store: Store) -> None:
    from sqlalchemy import update

    from widget.store import widgets

    settings = changed(demo_settings(), webhook_url="https://old.example.com/hook")
    any_store.create_widget("P", settings, widget_id="p")
    with any_store.engine.begin() as conn:
        conn.execute(update(widgets).values(webhook_disabled_at=1.0))
    any_store.save_settings("p", changed(settings, heading="Same URL"))
    assert any_store.get_widget("p").webhook_disabled_at == 1.0
    any_store.save_settings("p", changed(settings, webhook_url="https://new.example.com/hook"))
    assert any_store.get_widget("p").webhook_disabled_at is None


def test_saving_new_addresses_redirects_deliveries_still_waiting(any_store: Store) -> None:
    from sqlalchemy import update

    settings = changed(demo_settings(), notify_emails=["typo@exmaple.com"], webhook_url="https://old.example.com/h")
    widget = any_store.create_widget("P", settings, widget_id="p")
    any_store.add_lead(widget, _lead())
    any_store.add_lead(widget, _lead(name="Already sent"))
    with any_store.engine.begin() as conn:
        first_email = conn.execute(select(func.min(deliveries.c.id)).where(deliveries.c.channel == "email")).scalar()
        conn.execute(update(deliveries).where(deliveries.c.id == first_email).values(status="delivered"))
    any_store.save_settings("p", changed(settings, notify_emails=["intake@example.com"],
                                         webhook_url="https://new.example.com/h"))
    with any_store.reading() as conn:
        found = {(r.channel, r.status, str(r.target)) for r in conn.execute(select(deliveries))}
    assert found == {
        ("email", "delivered", "['typo@exmaple.com']"), ("email", "pending", "['intake@example.com']"),
        ("webhook", "pending", "https://new.example.com/h"),
    }


def test_lead_and_one_delivery_per_channel_in_one_transaction(any_store: Store) -> None:
    settings = changed(demo_settings(), webhook_url="https://hooks.example.com/in", confirmation_email=True)
    widget = any_store.create_widget("P", settings)
    public_id = any_store.add_lead(widget, _lead(utm={"utm_source": "newsletter"}), token_nonce="n1")
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
    widget = any_store.create_widget("P", demo_settings())
    any_store.add_lead(widget, _lead(), token_nonce="same")
    with pytest.raises(ReplayError):
        any_store.add_lead(widget, _lead(name="Again"), token_nonce="same")
    assert _count(any_store, leads) == 1
    assert _count(any_store, deliveries) == 1


def test_a_failure_inside_the_transaction_leaves_no_lead(any_store: Store) -> None:
    widget = any_store.create_widget("P", demo_settings())
    with pytest.raises(Exception) as failure:  # any database error must roll the lead back
        any_store.add_lead(widget, _lead(name=None, email="private.person@example.org"))
    # The statement's values stay out of the message (PostgreSQL's own DETAIL may still quote the row,
    # which is why the public side logs a database error by its kind only).
    assert "parameters hidden" in str(failure.value)
    assert _count(any_store, leads) == 0
    assert _count(any_store, deliveries) == 0


def test_concurrent_writers_all_commit(any_store: Store) -> None:
    widget = any_store.create_widget("P", demo_settings())
    errors: list[BaseException] = []

    def submit(index: int) -> None:
        try:
            for n in range(10):
                any_store.add_lead(widget, _lead(name=f"writer {index}-{n}"), token_nonce=f"{index}-{n}")
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
    widget = any_store.create_widget("P", demo_settings())
    any_store.count(widget.id, "views")
    any_store.count(widget.id, "views")
    any_store.count(widget.id, "blocked")
    from widget.store import daily_stats

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
    store.create_all()
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
