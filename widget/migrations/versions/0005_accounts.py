"""Accounts a practice runs itself: roles, email addresses, two-factor sign-in, one-time links.

- ``rtr_admins`` gains ``role`` (every admin so far becomes an ``owner``; the column's own default
  is the lesser ``staff``), ``email`` (unique, for password resets), ``totp_secret`` and
  ``totp_last_step`` (two-factor sign-in, each code once) and ``last_login_at``.
- ``rtr_admin_recovery_codes``: one-time recovery codes, stored as SHA-256 only.
- ``rtr_admin_links``: invitations and password resets, stored as the SHA-256 of the link's token.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("rtr_admins", sa.Column("role", sa.String(20), nullable=False, server_default="staff"))
    op.execute("UPDATE rtr_admins SET role = 'owner'")
    op.add_column("rtr_admins", sa.Column("email", sa.String(320)))
    op.add_column("rtr_admins", sa.Column("totp_secret", sa.String(64)))
    op.add_column("rtr_admins", sa.Column("totp_last_step", sa.Integer))
    op.add_column("rtr_admins", sa.Column("last_login_at", sa.Float))
    op.create_index("ix_rtr_admins_email", "rtr_admins", ["email"], unique=True)
    op.create_table(
        "rtr_admin_recovery_codes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("admin_id", sa.Integer, sa.ForeignKey("rtr_admins.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_rtr_admin_recovery_codes_admin", "rtr_admin_recovery_codes", ["admin_id"])
    op.create_table(
        "rtr_admin_links",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("admin_id", sa.Integer, sa.ForeignKey("rtr_admins.id", ondelete="CASCADE")),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", sa.String(20)),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_rtr_admin_links_admin", "rtr_admin_links", ["admin_id"])


def downgrade() -> None:
    op.drop_index("ix_rtr_admin_links_admin", table_name="rtr_admin_links")
    op.drop_table("rtr_admin_links")
    op.drop_index("ix_rtr_admin_recovery_codes_admin", table_name="rtr_admin_recovery_codes")
    op.drop_table("rtr_admin_recovery_codes")
    op.drop_index("ix_rtr_admins_email", table_name="rtr_admins")
    with op.batch_alter_table("rtr_admins", table_kwargs={"sqlite_autoincrement": True}) as batch:
        for column in ("last_login_at", "totp_last_step", "totp_secret", "email", "role"):
            batch.drop_column(column)
