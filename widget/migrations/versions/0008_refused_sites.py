"""Sites that tried to show a widget while not allowed, for the admin's Allow button.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rtr_refused_sites",
        sa.Column("widget_id", sa.String(64), sa.ForeignKey("rtr_widgets.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("origin", sa.String(300), primary_key=True),
        sa.Column("page", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("first_seen", sa.Float, nullable=False),
        sa.Column("last_seen", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rtr_refused_sites")
