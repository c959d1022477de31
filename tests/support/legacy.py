"""Databases as release 9e101c1 left them, for the upgrade tests.

The dumps in ``tests/data/legacy/`` were written by ``legacy_build.py`` running on that release's
own code (``git archive 9e101c1``), then dumped by SQLite's ``iterdump`` and by ``pg_dump``. They
let the upgrade test run in a shallow clone; where the history is there, a test rebuilds them with
the old code and checks they still match. Regenerate: ``python -m tests.support.legacy``.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, inspect, select
from sqlalchemy.engine import Engine, make_url

from .delivery import fresh_postgres_database

REPO = Path(__file__).resolve().parents[2]
COMMIT = "9e101c1"
DUMPS = REPO / "tests" / "data" / "legacy"
SQLITE_DUMP = DUMPS / f"{COMMIT}.sqlite.sql"
POSTGRES_DUMP = DUMPS / f"{COMMIT}.postgresql.sql"
BUILDER = Path(__file__).with_name("legacy_build.py")


def have_history() -> bool:
    """Tell whether this checkout holds the old release (a shallow clone may not)."""
    done = subprocess.run(["git", "cat-file", "-e", f"{COMMIT}^{{commit}}"], cwd=REPO, capture_output=True)
    return done.returncode == 0


def build_with_old_code(url: str, workdir: Path) -> None:
    """Fill the database at url by running the old release's own code on it."""
    tree = workdir / "old"
    tree.mkdir()
    archive = subprocess.run(["git", "archive", "--format=tar", COMMIT, "widget", "templates", "static"],
                             cwd=REPO, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("RTR_", "FLASK_"))},
           "PYTHONPATH": str(tree), "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([sys.executable, str(BUILDER), url, str(workdir / "instance")], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().startswith(str(tree)), f"the old code was not the one that ran: {done.stdout}"


def dump_sqlite(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return "\n".join(connection.iterdump()) + "\n"
    finally:
        connection.close()


def load_sqlite(sql: str, path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        connection.executescript(sql)
    finally:
        connection.close()


def _pg_tool(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    tool = found[0] if found else shutil.which(name)
    assert tool, f"{name} is not installed"
    return tool


def _pg_args(url: str) -> list[str]:
    parsed = make_url(url)
    return ["-h", str(parsed.host), "-p", str(parsed.port), "-U", str(parsed.username), "-d", str(parsed.database)]


def dump_postgres(url: str) -> str:
    return subprocess.run([_pg_tool("pg_dump"), *_pg_args(url), "--no-owner", "--no-privileges", "--column-inserts"],
                          capture_output=True, text=True, check=True).stdout


def load_postgres(sql: str, url: str) -> None:
    subprocess.run([_pg_tool("psql"), *_pg_args(url), "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"], input=sql,
                   capture_output=True, text=True, check=True)


def rows(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Return every row of every rtr table, ordered by primary key, as plain values."""
    metadata = MetaData()
    metadata.reflect(engine)
    found: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        for name, table in sorted(metadata.tables.items()):
            if not name.startswith("rtr_") or name == "rtr_alembic_version":
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            found[name] = [dict(row._mapping) for row in conn.execute(select(table).order_by(*order))]
    return found


def schema(engine: Engine) -> dict[str, Any]:
    """Return every rtr table's columns, keys, indexes and constraints, for comparing databases."""
    inspector = inspect(engine)
    described: dict[str, Any] = {}
    for name in sorted(inspector.get_table_names()):
        if not name.startswith("rtr_"):
            continue
        described[name] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"], c.get("default"))
                        for c in inspector.get_columns(name)],
            "primary_key": inspector.get_pk_constraint(name)["constrained_columns"],
            "foreign_keys": sorted((fk.get("name") or "", tuple(fk["constrained_columns"]), fk["referred_table"],
                                    tuple(fk["referred_columns"]), fk.get("options", {}).get("ondelete"))
                                   for fk in inspector.get_foreign_keys(name)),
            "indexes": sorted((ix["name"], tuple(ix["column_names"]), bool(ix["unique"]))
                              for ix in inspector.get_indexes(name)),
            "unique": sorted((uq.get("name") or "", tuple(uq["column_names"]))
                             for uq in inspector.get_unique_constraints(name)),
        }
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).scalar()
            described[name]["autoincrement"] = "AUTOINCREMENT" in str(sql)
    return described


def regenerate(postgres_url: str) -> None:
    """Rebuild both dumps with the old release's code (needs the git history and PostgreSQL)."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / "sqlite").mkdir()
        build_with_old_code(f"sqlite:///{work}/legacy.sqlite3", work / "sqlite")
        DUMPS.mkdir(parents=True, exist_ok=True)
        SQLITE_DUMP.write_text(dump_sqlite(work / "legacy.sqlite3"))
        (work / "pg").mkdir()
        with fresh_postgres_database(postgres_url) as url:
            build_with_old_code(url, work / "pg")
            POSTGRES_DUMP.write_text(dump_postgres(url))


if __name__ == "__main__":
    from tests.support.postgres import PostgresCluster

    cluster = PostgresCluster().start()
    try:
        regenerate(cluster.url)
    finally:
        cluster.stop()
    print(f"Wrote {SQLITE_DUMP.relative_to(REPO)} and {POSTGRES_DUMP.relative_to(REPO)}")
