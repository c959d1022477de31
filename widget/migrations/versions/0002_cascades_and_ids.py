"""Deleting a widget cascades to its deliveries and counts; SQLite never reuses an integer id.

- ``rtr_deliveries.widget_id`` and ``rtr_daily_stats.widget_id`` reference ``rtr_widgets`` with
  ON DELETE CASCADE (the code used to delete those rows by hand). Rows already pointing at no
  widget (a count bumped while its widget was being deleted) are removed first.
- SQLite: every table with an integer id is rebuilt with AUTOINCREMENT, so the id of a deleted
  request is never given to the next one (an old link or log line can't lead to another person).
  The copy keeps every id; SQLite records the highest, and new ids continue after it.
  PostgreSQL's sequences never went back, so only the foreign keys are added there.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INTEGER_IDS = ("rtr_leads", "rtr_deliveries", "rtr_attempts", "rtr_admins", "rtr_audit_log")
WIDGET_CHILDREN = ("rtr_deliveries", "rtr_daily_stats")
ORPHANS = (
    "DELETE FROM rtr_attempts WHERE delivery_id IN "
    "(SELECT id FROM rtr_deliveries WHERE widget_id NOT IN (SELECT id FROM rtr_widgets))",
    "DELETE FROM rtr_deliveries WHERE widget_id NOT IN (SELECT id FROM rtr_widgets)",
    "DELETE FROM rtr_daily_stats WHERE widget_id NOT IN (SELECT id FROM rtr_widgets)",
)


def upgrade() -> None:
    for statement in ORPHANS:
        op.execute(statement)
    if op.get_bind().dialect.name != "sqlite":
        for table in WIDGET_CHILDREN:
            op.create_foreign_key(_name(table), table, "rtr_widgets", ["widget_id"], ["id"], ondelete="CASCADE")
        return
    for table in (*INTEGER_IDS, "rtr_daily_stats"):
        options = {"sqlite_autoincrement": True} if table in INTEGER_IDS else {}
        with op.batch_alter_table(table, recreate="always", table_kwargs=options) as batch:
            if table in WIDGET_CHILDREN:
                batch.create_foreign_key(_name(table), "rtr_widgets", ["widget_id"], ["id"], ondelete="CASCADE")


def _name(table: str) -> str:
    """Return PostgreSQL's own name for such a constraint (widget.schema names it the same)."""
    return f"{table}_widget_id_fkey"


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        for table in WIDGET_CHILDREN:
            op.drop_constraint(_name(table), table, type_="foreignkey")
        return
    raise NotImplementedError("Restore the backup made before the upgrade instead.")
