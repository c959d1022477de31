"""Suspected spam kept for the admin, failed deliveries marked as handled, a form token's lead.

- ``rtr_leads.spam_reason`` / ``spam_detail``: a request caught by the honeypot is stored (not
  delivered) under "Suspected spam" until an admin releases or deletes it, or it expires.
- ``rtr_deliveries.resolved_at`` / ``resolved_by``: who marked a failed delivery as handled, and
  when; retention deletes a lead only when each delivery arrived or was handled.
- ``rtr_used_tokens.lead_public_id``: the lead a form token stored, so the same form sent twice is
  told it arrived, and a changed one is asked to be sent again rather than dropped.

Every new column may be empty, so existing rows need no value. The delivery status also takes two
new values (``saved_to_file`` and ``resolved``) in its existing column.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = (
    ("rtr_leads", sa.Column("spam_reason", sa.String(20))),
    ("rtr_leads", sa.Column("spam_detail", sa.String(200))),
    ("rtr_deliveries", sa.Column("resolved_at", sa.Float)),
    ("rtr_deliveries", sa.Column("resolved_by", sa.String(120))),
    ("rtr_used_tokens", sa.Column("lead_public_id", sa.String(40))),
)


def upgrade() -> None:
    for table, column in COLUMNS:
        op.add_column(table, column)
    op.create_index("ix_rtr_leads_spam", "rtr_leads", ["spam_reason", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_rtr_leads_spam", table_name="rtr_leads")
    for table, column in reversed(COLUMNS):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column.name)
