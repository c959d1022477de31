"""The card's measured heights per widget, for the inline snippet's reserved space.

One row per widget (its id is the key, so there is no integer id to keep from reuse); deleting the
widget deletes its row (ON DELETE CASCADE). The development code between release 9e101c1 and
schema revisions created this table itself, with this same definition: a database it made already
has the table, and keeps it and its rows.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLE = "rtr_card_heights"


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table(TABLE):
        return
    op.create_table(
        TABLE,
        sa.Column("widget_id", sa.String(64), sa.ForeignKey("rtr_widgets.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("settings_version", sa.Integer, nullable=False),
        sa.Column("heights", sa.JSON, nullable=False),
        sa.Column("measured_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table(TABLE)
