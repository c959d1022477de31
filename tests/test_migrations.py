"""Schema revisions: a new database starts at the newest, an older one is refused until
``flask rtr db upgrade`` brings it up, every row it held survives, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from flask import Flask
from sqlalchemy import JSON, Column, Float, ForeignKey, Integer, MetaData, String, Table, func, select, text

from widget import create_app, migrate
from widget.db import Store, make_engine
from widget.queries.accounts import get_admin
from widget.queries.audit import record
from widget.queries.card_heights import save as save_card_heights
from widget.queries.card_heights import stored as measured_heights
from widget.queries.widgets import delete_widget, get_widget
from widget.schema import metadata

from .support import legacy
from .support.delivery import fresh_postgres_database
from .support.leads import add

HEAD = migrate.head()
PASSWORD = "a calm long passphrase"  # ann's, set by the old code in tests/support/legacy_build.py


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Yield a maker of empty databases (URLs) on SQLite, then on the throwaway PostgreSQL cluster."""
    made: list[str] = []
    with ExitStack() as cleanup:

        def make() -> str:
            if request.param == "sqlite":
                url = f"sqlite:///{tmp_path}/db{len(made)}.sqlite3"
            else:
                url = cleanup.enter_context(fresh_postgres_database(request.getfixturevalue("postgres_url")))
            made.append(url)
            return url

        yield make


def _store(url: str) -> Store:
    return Store(make_engine(url))


def _legacy_database(new_database: Callable[[], str], tmp_path: Path) -> str:
    """Return a database holding exactly what release 9e101c1 wrote (from the committed dump)."""
    url = new_database()
    if url.startswith("sqlite"):
        legacy.load_sqlite(legacy.SQLITE_DUMP.read_text(), Path(url.removeprefix("sqlite:///")))
    else:
        legacy.load_postgres(legacy.POSTGRES_DUMP.read_text(), url)
    return url


def _flask(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real ``flask --app widget …`` on the database at url."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RTR_", "FLASK_"))}
    env.update(RTR_DATABASE_URL=url, RTR_SECRET_KEY="migration-test", RTR_WORKER="off",
               RTR_INSTANCE_PATH=str(tmp_path / "instance"), RTR_RATELIMIT_STORAGE_URI="memory://",
               PYTHONWARNINGS="ignore")
    return subprocess.run([sys.executable, "-m", "flask", "--app", "widget", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


def _app(url: str, tmp_path: Path) -> Flask:
    return create_app({"TESTING": True, "RTR_SECRET_KEY": "k", "RTR_WORKER": "off", "RTR_DATABASE_URL": url},
                      instance_path=str(tmp_path / "instance"))


# A new database ------------------------------------------------------------------------------------

def test_every_revision_from_the_first_builds_exactly_what_the_schema_declares(new_database) -> None:
    replayed, created = _store(new_database()), _store(new_database())
    with replayed.engine.connect() as conn, conn.begin():
        migrate.apply_revisions(conn)
    migrate.prepare(created)  # what a new installation gets: create_all, stamped at the newest revision
    try:
        assert legacy.schema(replayed.engine) == legacy.schema(created.engine)
        with replayed.engine.connect() as conn:
            assert compare_metadata(migrate.migration_context(conn), metadata) == []
            assert migrate.status(conn).state == "current"
        with created.engine.connect() as conn:
            assert compare_metadata(migrate.migration_context(conn), metadata) == []
            assert migrate.status(conn).revision == HEAD
    finally:
        replayed.engine.dispose()
        created.engine.dispose()


def test_a_host_apps_own_alembic_table_is_left_alone(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    with _store(f"sqlite:///{path}").engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('hostapp01')")
    app = make_app(RTR_DATABASE_URL=f"sqlite:///{path}")
    with app.extensions["rtr"].store.reading() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "hostapp01"
        assert migrate.status(conn).state == "current"


# A database that is behind or ahead ----------------------------------------------------------------

def test_a_database_from_before_revisions_is_refused_with_the_command_to_run(new_database, tmp_path: Path) -> None:
    url = _legacy_database(new_database, tmp_path)
    with pytest.raises(migrate.SchemaError) as refused:
        _app(url, tmp_path)
    message = str(refused.value)
    assert "back it up" in message and "`flask --app widget rtr db upgrade`" in message
    assert f"(made before schema revisions; this version needs revision {HEAD})" in message
    assert message.count(".") == 1 and message.endswith("`."), "one clear sentence"


def test_a_database_between_revisions_is_refused(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    app = make_app()
    url = app.config["RTR_DATABASE_URL"]
    with app.extensions["rtr"].store.engine.begin() as conn:
        conn.execute(text(f"UPDATE {migrate.VERSION_TABLE} SET version_num = '0002'"))
    with pytest.raises(migrate.SchemaError, match=rf"\(schema revision 0002; this version needs revision {HEAD}\): "
                                                  r"back it up, then run `flask --app widget rtr db upgrade`\.$"):
        _app(url, tmp_path)


def test_a_database_from_a_newer_version_is_refused_too(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    app = make_app()
    with app.extensions["rtr"].store.engine.begin() as conn:
        conn.execute(text(f"UPDATE {migrate.VERSION_TABLE} SET version_num = '0099'"))
    with pytest.raises(migrate.SchemaError, match="upgraded by a newer version of Ready to Rebuild"):
        _app(app.config["RTR_DATABASE_URL"], tmp_path)
    result = _flask(app.config["RTR_DATABASE_URL"], tmp_path, "rtr", "db", "upgrade")
    assert result.returncode == 2 and "newer version" in result.stderr


# The upgrade ---------------------------------------------------------------------------------------

def test_upgrade_from_release_9e101c1_keeps_every_row(new_database, tmp_path: Path) -> None:
    url = _legacy_database(new_database, tmp_path)
    engine = make_engine(url)
    before = legacy.rows(engine)
    assert all(before[table] for table in before), "the old database holds rows in every table"
    check = _flask(url, tmp_path, "rtr", "db", "check")
    assert check.returncode == 1 and "rtr db upgrade" in check.stderr

    upgraded = _flask(url, tmp_path, "rtr", "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"to {HEAD}" in upgraded.stdout

    after = legacy.rows(engine)
    for table, old_rows in before.items():
        assert len(after[table]) == len(old_rows), table
        for old, new in zip(old_rows, after[table], strict=True):
            assert {column: new[column] for column in old} == old, table
    assert after["rtr_admin_sessions"] == [] and after["rtr_card_heights"] == []
    assert _flask(url, tmp_path, "rtr", "db", "check").returncode == 0
    assert _flask(url, tmp_path, "rtr", "db", "upgrade").stdout.startswith("The database is up to date")
    engine.dispose()
    _works_after_the_upgrade(url, tmp_path)


def _works_after_the_upgrade(url: str, tmp_path: Path) -> None:
    """The app starts, the old admin signs in, an old request opens, and ids are never reused."""
    app = _app(url, tmp_path)
    store = app.extensions["rtr"].store
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post("/admin/login", data={"username": "ann", "password": PASSWORD,
                                             "csrf_token": token}).status_code == 302
    assert get_admin(store, "ann").role == "owner", "admins from before roles are owners"
    assert client.get("/admin/accounts").status_code == 200
    lead = client.get("/admin/leads/f99f5eff052b46e7bd60e93af74f4e43").get_data(as_text=True)
    assert "Ana Lucía O&#39;Brien" in lead and "550 mailbox unavailable" in lead
    assert client.get("/admin/leads/1").status_code == 404, "an old numbered link opens nobody"
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM rtr_leads WHERE id = 4"))  # the newest request, and its delivery
        conn.execute(text("DELETE FROM rtr_audit_log WHERE id = 3"))
    new_id = add(store, get_widget(store, "quiet"))
    record(store, "test", "admin.login")
    with store.reading() as conn:
        assert new_id > 4
        assert conn.execute(text("SELECT max(id) FROM rtr_audit_log")).scalar() > 3
        assert conn.execute(text("SELECT count(*) FROM rtr_deliveries WHERE lead_id = 4")).scalar() == 0
    save_card_heights(store, "gone", 1, {340: 900, 720: 700})
    assert measured_heights(store, "gone").heights == {340: 900, 720: 700}
    assert delete_widget(store, "gone")
    assert measured_heights(store, "gone") is None, "the card's heights go with their widget"
    store.engine.dispose()


def test_an_upgrade_that_would_leave_dangling_rows_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "broken.sqlite3"
    legacy.load_sqlite(legacy.SQLITE_DUMP.read_text() + "INSERT INTO rtr_attempts VALUES(99,999,1.0,'x','',0);\n",
                       path)
    store = _store(f"sqlite:///{path}")
    before = legacy.rows(store.engine)
    with pytest.raises(migrate.SchemaError, match="pointing at nothing in rtr_attempts; nothing was changed"):
        migrate.upgrade(store)
    assert legacy.rows(store.engine) == before
    with store.reading() as conn:
        assert migrate.status(conn).state == "unversioned"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1, "foreign keys are back on"
    store.engine.dispose()


def test_card_heights_made_before_revisions_are_kept_by_the_upgrade(new_database, tmp_path: Path) -> None:
    """The development code between 9e101c1 and revisions added rtr_card_heights itself (create_all):
    revision 0004 adopts that table and its rows instead of failing to create it again."""
    url = _legacy_database(new_database, tmp_path)
    engine = make_engine(url)
    made_then = MetaData()
    heights = Table(  # as widget/store.py declared it then
        "rtr_card_heights", made_then,
        Column("widget_id", String(64), ForeignKey("rtr_widgets.id", ondelete="CASCADE"), primary_key=True),
        Column("settings_version", Integer, nullable=False),
        Column("heights", JSON, nullable=False),
        Column("measured_at", Float, nullable=False),
    )
    Table("rtr_widgets", made_then, Column("id", String(64), primary_key=True))
    heights.create(engine)
    with engine.begin() as conn:
        conn.execute(heights.insert().values(widget_id="harbor", settings_version=2, heights={"340": 900},
                                             measured_at=1.0))
    before = legacy.rows(engine)

    upgraded = _flask(url, tmp_path, "rtr", "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert legacy.rows(engine)["rtr_card_heights"] == before["rtr_card_heights"] != []
    fresh = _store(new_database())
    migrate.prepare(fresh)
    try:
        assert legacy.schema(engine) == legacy.schema(fresh.engine)
    finally:
        engine.dispose()
        fresh.engine.dispose()


def test_db_current_says_where_the_database_stands(new_database, tmp_path: Path) -> None:
    url = _legacy_database(new_database, tmp_path)
    assert _flask(url, tmp_path, "rtr", "db", "current").stdout.startswith(f"(none) (unversioned; this code's newest "
                                                                            f"is {HEAD})")
    _flask(url, tmp_path, "rtr", "db", "upgrade")
    assert _flask(url, tmp_path, "rtr", "db", "current").stdout.startswith(f"{HEAD} (current")


def test_the_rtr_commands_need_no_configuration_to_show_their_help(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RTR_", "FLASK_"))}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "widget", "rtr", "--help"], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "db " in result.stdout and "remove-admin" in result.stdout
    assert not (tmp_path / "instance").exists(), "no app was built"


# The committed dumps are what the old code writes ---------------------------------------------------

def test_the_committed_dump_is_what_release_9e101c1_writes(new_database, tmp_path: Path) -> None:
    if not legacy.have_history():
        pytest.skip(f"this clone lacks commit {legacy.COMMIT} (shallow); the upgrade tests use the committed dump")
    built = new_database()
    legacy.build_with_old_code(built, tmp_path)
    loaded = _legacy_database(new_database, tmp_path)
    built_engine, loaded_engine = make_engine(built), make_engine(loaded)
    try:
        assert legacy.rows(built_engine) == legacy.rows(loaded_engine)
        assert legacy.schema(built_engine) == legacy.schema(loaded_engine)
        with built_engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(text("rtr_leads"))).scalar() == 4
    finally:
        built_engine.dispose()
        loaded_engine.dispose()


# Writing the next revision -------------------------------------------------------------------------

@pytest.fixture
def scratch_revisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the revisions at a copy, so a drafted one lands there and not in the package."""
    copy = tmp_path / "migrations"
    shutil.copytree(migrate.SCRIPT_LOCATION, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "SCRIPT_LOCATION", str(copy))
    migrate.scripts.cache_clear()
    migrate.known_revisions.cache_clear()
    yield copy / "versions"
    monkeypatch.undo()
    migrate.scripts.cache_clear()
    migrate.known_revisions.cache_clear()


def test_db_revision_drafts_the_next_revision_from_the_schema(make_app: Callable[..., Flask],
                                                              scratch_revisions: Path) -> None:
    app = make_app()
    with app.extensions["rtr"].store.engine.begin() as conn:  # the database now lacks what schema.py declares
        conn.exec_driver_sql("DROP INDEX ix_rtr_attempts_delivery")
    result = app.test_cli_runner().invoke(args=["rtr", "db", "revision", "-m", "index the attempts"])
    assert result.exit_code == 0, result.output
    [drafted] = scratch_revisions.glob(f"{int(HEAD) + 1:04d}_index_the_attempts.py")
    text_of = drafted.read_text()
    assert f"revision = '{int(HEAD) + 1:04d}'" in text_of and f"down_revision = '{HEAD}'" in text_of
    assert "create_index" in text_of and "ix_rtr_attempts_delivery" in text_of
