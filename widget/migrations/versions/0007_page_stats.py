"""Views and requests per page and UTM campaign, per widget and day (the admin's views page).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rtr_page_stats",
        sa.Column("widget_id", sa.String(64), sa.ForeignKey("rtr_widgets.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("page", sa.String(300), primary_key=True),
        sa.Column("campaign", sa.String(100), primary_key=True),
        sa.Column("views", sa.Integer, nullable=False),
        sa.Column("submissions", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rtr_page_stats")
