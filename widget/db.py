"""The database connection: engine set-up per dialect, and read and write transactions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine


def make_engine(url: str, *, pre_ping: bool = True) -> Engine:
    """Create the engine; SQLite gets WAL, a busy timeout, foreign keys and ``BEGIN IMMEDIATE`` writes.

    ``pre_ping``: test each pooled connection with a round trip before handing it out (a server
    restart then costs no request an error); SQLite has no connection to lose.
    """
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=pre_ping, hide_parameters=True)
    # hide_parameters: a database error's message must never carry a lead's contents into a log.
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy so "begin" below can say IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the lock up front so they queue on busy_timeout instead of failing
        # mid-transaction; readers (Store.reading) stay deferred so WAL lets them run alongside.
        writes = connection.get_execution_options().get("rtr_writes", True)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


class Store:
    """The database behind one app: ``engine.begin()`` for a write, ``reading()`` for reads.

    The queries live in ``widget.queries`` (one module per concern) and take the store first.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def reading(self) -> Connection:
        """Open a connection for reads only (a deferred transaction on SQLite)."""
        return self.engine.connect().execution_options(rtr_writes=False)


def worker_store(store: Store) -> Store:
    """Return the store a delivery worker uses: its own pool of connections, not pinged before each use.

    A busy worker checks connections out hundreds of times a second, and the ping would be a round
    trip each time. Without it a connection lost to a database restart fails one statement; that
    also invalidates the pool's other connections, and the worker tries again.
    """
    if store.engine.dialect.name == "sqlite":
        return store
    return Store(make_engine(store.engine.url.render_as_string(hide_password=False), pre_ping=False))
