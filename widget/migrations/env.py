"""Alembic's entry point: run the revisions on the connection ``widget.migrate`` hands over."""

from __future__ import annotations

from typing import Any

from alembic import context

from widget.migrate import VERSION_TABLE
from widget.schema import metadata


def _ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Leave a host app's own tables (sharing the database) out of any comparison."""
    return type_ != "table" or bool(name and name.startswith("rtr_"))


context.configure(
    connection=context.config.attributes["connection"], target_metadata=metadata,
    version_table=VERSION_TABLE, render_as_batch=True, include_object=_ours,
)
with context.begin_transaction():
    context.run_migrations()
