"""Admin sessions kept on the server, so signing out, a new password or a removed account ends them.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rtr_admin_sessions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("admin_id", sa.Integer, sa.ForeignKey("rtr_admins.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("seen_at", sa.Float, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_rtr_admin_sessions_admin", "rtr_admin_sessions", ["admin_id"])


def downgrade() -> None:
    op.drop_index("ix_rtr_admin_sessions_admin", table_name="rtr_admin_sessions")
    op.drop_table("rtr_admin_sessions")
