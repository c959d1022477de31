"""Baseline: the schema as release 9e101c1 created it, before schema revisions existed.

The tables are declared here as that code declared them (frozen: never import ``widget.schema``
in a revision), so a database made by that code and one made by this revision are the same.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def baseline_metadata() -> MetaData:
    """Return the 9e101c1 tables (store.py, and the settings table of delivery/smtp_config.py)."""
    metadata = MetaData()
    Table(
        "rtr_widgets", metadata,
        Column("id", String(64), primary_key=True),
        Column("name", String(200), nullable=False),
        Column("settings", JSON, nullable=False),
        Column("version", Integer, nullable=False),
        Column("webhook_secret", String(100), nullable=False),
        Column("previous_webhook_secret", String(100)),
        Column("secret_rotated_at", Float),
        Column("webhook_disabled_at", Float),
        Column("created_at", Float, nullable=False),
        Column("updated_at", Float, nullable=False),
    )
    Table(
        "rtr_leads", metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("public_id", String(40), nullable=False, unique=True),
        Column("widget_id", String(64), ForeignKey("rtr_widgets.id", ondelete="CASCADE"), nullable=False),
        Column("created_at", Float, nullable=False),
        Column("name", String(200), nullable=False),
        Column("email", String(320), nullable=False),
        Column("phone", String(40), nullable=False),
        Column("contact_method", String(20), nullable=False),
        Column("ok_to_email", Boolean, nullable=False),
        Column("ok_to_text", Boolean, nullable=False),
        Column("ok_to_voicemail", Boolean, nullable=False),
        Column("service", String(200), nullable=False),
        Column("location", String(200), nullable=False),
        Column("message", Text, nullable=False),
        Column("page_url", String(2000), nullable=False),
        Column("utm", JSON, nullable=False),
        Column("language", String(10), nullable=False),
        Column("consent_text", Text, nullable=False),
        Column("consent_version", String(40), nullable=False),
        Column("consented_at", Float, nullable=False),
        Column("settings_version", Integer, nullable=False),
        Column("status", String(20), nullable=False),
        Column("contacted_at", Float),
        Column("delivered_at", Float),
        Index("ix_rtr_leads_widget_created", "widget_id", "created_at"),
    )
    Table(
        "rtr_deliveries", metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("lead_id", Integer, ForeignKey("rtr_leads.id", ondelete="CASCADE"), nullable=False),
        Column("widget_id", String(64), nullable=False),
        Column("channel", String(20), nullable=False),
        Column("target", JSON, nullable=False),
        Column("status", String(20), nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("next_attempt_at", Float, nullable=False),
        Column("lease_until", Float),
        Column("leased_by", String(80)),
        Column("message_id", String(200), nullable=False, unique=True),
        Column("last_error", Text),
        Column("created_at", Float, nullable=False),
        Column("delivered_at", Float),
        Index("ix_rtr_deliveries_due", "status", "next_attempt_at"),
        Index("ix_rtr_deliveries_lead", "lead_id"),
    )
    Table(
        "rtr_attempts", metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("delivery_id", Integer, ForeignKey("rtr_deliveries.id", ondelete="CASCADE"), nullable=False),
        Column("at", Float, nullable=False),
        Column("outcome", String(20), nullable=False),
        Column("detail", Text, nullable=False),
        Column("duration_ms", Integer, nullable=False),
        Index("ix_rtr_attempts_delivery", "delivery_id"),
    )
    Table(
        "rtr_used_tokens", metadata,
        Column("nonce", String(64), primary_key=True),
        Column("used_at", Float, nullable=False),
    )
    Table(
        "rtr_daily_stats", metadata,
        Column("widget_id", String(64), primary_key=True),
        Column("day", String(10), primary_key=True),
        Column("views", Integer, nullable=False),
        Column("submissions", Integer, nullable=False),
        Column("blocked", Integer, nullable=False),
    )
    Table(
        "rtr_admins", metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("username", String(120), nullable=False, unique=True),
        Column("password_hash", String(300), nullable=False),
        Column("created_at", Float, nullable=False),
    )
    Table(
        "rtr_audit_log", metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("at", Float, nullable=False),
        Column("actor", String(120), nullable=False),
        Column("widget_id", String(64)),
        Column("action", String(60), nullable=False),
        Column("detail", Text, nullable=False),
    )
    Table(
        "rtr_installation_settings", metadata,
        Column("key", String(60), primary_key=True),
        Column("value", Text, nullable=False),
        Column("updated_at", Float, nullable=False),
    )
    return metadata


def upgrade() -> None:
    baseline_metadata().create_all(op.get_bind())


def downgrade() -> None:
    baseline_metadata().drop_all(op.get_bind())
