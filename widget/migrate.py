"""The database schema's revisions (Alembic): create, check at start-up, upgrade on request.

- An empty database is created at the newest revision (``create_all`` and a stamp; a test proves
  that equals running every revision from the first).
- A database made before Alembic arrived (rtr tables, no ``alembic_version``) is the baseline,
  revision 0001.
- A database behind this code, or ahead of it, stops start-up with a sentence saying what to do:
  back it up, then ``flask --app widget rtr db upgrade`` (which checks nothing before it runs).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from .config import StartupError
from .db import Store
from .schema import metadata

SCRIPT_LOCATION = str(Path(__file__).resolve().parent / "migrations")
#: Our own, so a host app's Alembic (``alembic_version``) and ours can share one database.
VERSION_TABLE = "rtr_alembic_version"
BASELINE = "0001"
UPGRADE_COMMAND = "flask --app widget rtr db upgrade"
#: Any number both processes agree on: PostgreSQL serialises schema work on it.
ADVISORY_LOCK = 0x52545200

_checking: ContextVar[bool] = ContextVar("rtr_schema_check", default=True)


class SchemaError(StartupError):
    """The database's schema is not the one this code expects; the message says what to do."""


@dataclass(frozen=True)
class SchemaStatus:
    """Where a database stands: ``empty``, ``unversioned`` (made before Alembic), ``current``,
    ``behind`` or ``ahead``, with its revision and the code's."""

    state: str
    revision: str | None
    head: str

    def problem(self) -> str:
        """Return the sentence that stops start-up, or "" when the app can run."""
        if self.state in ("behind", "unversioned"):
            found = f"schema revision {self.revision}" if self.revision else "made before schema revisions"
            return (f"The database is older than this version of Ready to Rebuild ({found}; this version needs "
                    f"revision {self.head}): back it up, then run `{UPGRADE_COMMAND}`.")
        if self.state == "ahead":
            return (f"The database was upgraded by a newer version of Ready to Rebuild (revision "
                    f"{self.revision}, unknown here; this code's newest is {self.head}): run that version, "
                    "or restore the backup made before the upgrade.")
        return ""


@contextmanager
def unchecked() -> Iterator[None]:
    """Let apps built inside this block start whatever their schema (for the ``db`` commands)."""
    token = _checking.set(False)
    try:
        yield
    finally:
        _checking.reset(token)


@lru_cache(maxsize=1)
def scripts() -> ScriptDirectory:
    """Return the revisions shipped in the package, parsed once per process."""
    return ScriptDirectory(SCRIPT_LOCATION)


@lru_cache(maxsize=1)
def known_revisions() -> frozenset[str]:
    return frozenset(script.revision for script in scripts().walk_revisions())


def head() -> str:
    return str(scripts().get_current_head())


def status(conn: Connection) -> SchemaStatus:
    """Return where the database on conn stands."""
    tables = set(inspect(conn).get_table_names()) - {VERSION_TABLE}
    revision = migration_context(conn).get_current_revision()
    newest = head()
    if revision is None:
        state = "unversioned" if any(name.startswith("rtr_") for name in tables) else "empty"
    elif revision == newest:
        state = "current"
    else:
        state = "behind" if revision in known_revisions() else "ahead"
    return SchemaStatus(state, revision, newest)


def prepare(store: Store) -> bool:
    """Create an empty database at the newest revision; refuse one that is behind or ahead.

    Returns whether the schema is current. Inside ``unchecked()`` a stale schema returns False
    instead of raising SchemaError.
    """
    with store.engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE, so one process creates, others wait
        _lock(conn)
        found = status(conn)
        if found.state == "empty":
            create_at_head(conn)
            return True
    if found.state == "current":
        return True
    if _checking.get():
        raise SchemaError(found.problem())
    return False


def create_at_head(conn: Connection) -> None:
    """Create every table as ``schema`` declares it and record the newest revision."""
    metadata.create_all(conn)
    migration_context(conn).stamp(scripts(), "head")


def upgrade(store: Store, target: str = "head") -> tuple[SchemaStatus, str]:
    """Bring the database to target (default: the newest revision); return where it was and is.

    SQLite runs with foreign keys off: its batch mode rebuilds tables by copy, drop and rename,
    and dropping a parent with them on would cascade into its children. ``foreign_key_check``
    afterwards proves nothing was left dangling (else nothing is committed).
    """
    with store.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            _sqlite_pragma(conn, "foreign_keys=OFF")
        try:
            with conn.begin():
                _lock(conn)
                before = status(conn)
                if before.state == "ahead":
                    raise SchemaError(before.problem())
                if before.state == "empty":
                    create_at_head(conn)
                else:
                    if before.state == "unversioned":
                        adopt_baseline(conn)
                    apply_revisions(conn, target)
                if sqlite:
                    _check_foreign_keys(conn)
                after = status(conn)
        finally:
            if sqlite:
                _sqlite_pragma(conn, "foreign_keys=ON")
    return before, str(after.revision)


def apply_revisions(conn: Connection, target: str = "head") -> None:
    """Run the revisions from the database's current one up to target, inside the caller's transaction."""
    command.upgrade(_config(conn), target)


def new_revision(store: Store, message: str) -> str:
    """Write the next revision from what ``schema`` declares beyond the database; return its path.

    For developers: the database must be at the newest revision, and the file is a draft to read.
    """
    with store.engine.connect() as conn:
        found = status(conn)
        if found.state != "current":
            raise SchemaError(f"The database must be at the newest revision first ({found.state}).")
        script = command.revision(_config(conn), message=message, autogenerate=True, rev_id=f"{int(head()) + 1:04d}")
    scripts.cache_clear()
    known_revisions.cache_clear()
    return str(script.path)  # type: ignore[union-attr]


def adopt_baseline(conn: Connection) -> None:
    """Mark a database made before Alembic as the baseline (creating any baseline table it lacks)."""
    baseline = scripts().get_revision(BASELINE).module
    baseline.baseline_metadata().create_all(conn, checkfirst=True)
    migration_context(conn).stamp(scripts(), BASELINE)


def migration_context(conn: Connection) -> MigrationContext:
    """Return Alembic's view of conn, reading and writing our version table."""
    return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})


def _config(conn: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = conn
    return config


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK})")


def _sqlite_pragma(conn: Connection, pragma: str) -> None:
    # Straight to the driver: outside a transaction, where SQLite honours this pragma.
    cursor: Any = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _check_foreign_keys(conn: Connection) -> None:
    dangling = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if dangling:
        tables = sorted({row[0] for row in dangling})
        raise SchemaError(f"The upgrade would leave rows pointing at nothing in {', '.join(tables)}; "
                          "nothing was changed.")
