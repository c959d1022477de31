"""Every table, declared once. Alembic revisions in ``widget/migrations`` carry each change to it.

Times are stored as UTC epoch seconds (floats): the same on SQLite and PostgreSQL, and lease and
retry arithmetic stays plain numbers. Integer ids are never reused (``sqlite_autoincrement``; on
PostgreSQL a sequence never goes back), so a link or a log line never points at someone else's row.
Deleting a widget, lead or admin deletes what belongs to it through ``ON DELETE CASCADE``.
Constraints added after the baseline carry the names PostgreSQL gives unnamed ones, so a
migrated database and a new one match on both engines.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()
#: Every table with an integer id keeps it for good: SQLite reuses deleted rowids without this.
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}

widgets = Table(
    "rtr_widgets", metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("settings", JSON, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("webhook_secret", String(100), nullable=False),
    Column("previous_webhook_secret", String(100)),
    Column("secret_rotated_at", Float),
    Column("webhook_disabled_at", Float),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

leads = Table(
    "rtr_leads", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    #: What links, emails, webhooks and the CSV name a lead by (the integer id stays internal).
    Column("public_id", String(40), nullable=False, unique=True),
    Column("widget_id", String(64), ForeignKey("rtr_widgets.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("phone", String(40), nullable=False, default=""),
    Column("contact_method", String(20), nullable=False, default=""),
    Column("ok_to_email", Boolean, nullable=False, default=False),
    Column("ok_to_text", Boolean, nullable=False, default=False),
    Column("ok_to_voicemail", Boolean, nullable=False, default=False),
    Column("service", String(200), nullable=False, default=""),
    Column("location", String(200), nullable=False, default=""),
    Column("message", Text, nullable=False, default=""),
    Column("page_url", String(2000), nullable=False, default=""),
    Column("utm", JSON, nullable=False, default=dict),
    Column("language", String(10), nullable=False, default="en"),
    Column("consent_text", Text, nullable=False),
    Column("consent_version", String(40), nullable=False),
    Column("consented_at", Float, nullable=False),
    Column("settings_version", Integer, nullable=False),
    Column("status", String(20), nullable=False, default="new"),
    Column("contacted_at", Float),
    #: When every delivery arrived (a delivery saved as a file or marked as handled never sets it).
    Column("delivered_at", Float),
    #: Why the lead waits under "Suspected spam" instead of the inbox (``honeypot``); NULL: a lead.
    #: Suspected spam has no deliveries until an admin releases it.
    Column("spam_reason", String(20)),
    #: What gave it away: the hidden field's content, for the admin to judge (a person's autofill?).
    Column("spam_detail", String(200)),
    Index("ix_rtr_leads_widget_created", "widget_id", "created_at"),
    Index("ix_rtr_leads_spam", "spam_reason", "created_at"),
    **NEVER_REUSE_IDS,
)

deliveries = Table(
    "rtr_deliveries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("lead_id", Integer, ForeignKey("rtr_leads.id", ondelete="CASCADE"), nullable=False),
    Column("widget_id", String(64), ForeignKey("rtr_widgets.id", ondelete="CASCADE",
                                               name="rtr_deliveries_widget_id_fkey"), nullable=False),
    #: ``email`` (to the practice), ``webhook`` or ``confirmation`` (to the visitor).
    Column("channel", String(20), nullable=False),
    #: Where it goes, fixed when the lead is stored: JSON list of addresses, or the URL.
    Column("target", JSON, nullable=False),
    #: ``pending``, ``delivered``, ``dead``, ``disabled`` (webhook off after a 410), ``saved_to_file``
    #: (no email server: written to instance/outbox, not sent) or ``resolved`` (an admin marked it handled).
    Column("status", String(20), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False),
    Column("lease_until", Float),
    Column("leased_by", String(80)),
    #: The webhook-id / Message-ID: stable across retries so receivers can dedupe.
    Column("message_id", String(200), nullable=False, unique=True),
    Column("last_error", Text),
    Column("created_at", Float, nullable=False),
    Column("delivered_at", Float),
    #: Who marked a failed delivery as handled, and when (status ``resolved``).
    Column("resolved_at", Float),
    Column("resolved_by", String(120)),
    Index("ix_rtr_deliveries_due", "status", "next_attempt_at"),
    Index("ix_rtr_deliveries_lead", "lead_id"),
    **NEVER_REUSE_IDS,
)

attempts = Table(
    "rtr_attempts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", Integer, ForeignKey("rtr_deliveries.id", ondelete="CASCADE"), nullable=False),
    Column("at", Float, nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("duration_ms", Integer, nullable=False, default=0),
    Index("ix_rtr_attempts_delivery", "delivery_id"),
    **NEVER_REUSE_IDS,
)

#: Form tokens that already stored a lead (one lead per token), kept until they expire anyway.
used_tokens = Table(
    "rtr_used_tokens", metadata,
    Column("nonce", String(64), primary_key=True),
    Column("used_at", Float, nullable=False),
    #: The lead it stored, so the same form sent twice is told it arrived and a changed one is not dropped.
    Column("lead_public_id", String(40)),
)

#: Whole-day counts per widget: no cookies, nothing about who looked.
daily_stats = Table(
    "rtr_daily_stats", metadata,
    Column("widget_id", String(64), ForeignKey("rtr_widgets.id", ondelete="CASCADE",
                                               name="rtr_daily_stats_widget_id_fkey"), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("views", Integer, nullable=False, default=0),
    Column("submissions", Integer, nullable=False, default=0),
    Column("blocked", Integer, nullable=False, default=0),
)

#: Views (the card seen, counted by the frame's beacon) and stored requests per page and UTM campaign,
#: per widget and day. A page is its origin and path only (no query, no fragment): nothing about who.
page_stats = Table(
    "rtr_page_stats", metadata,
    Column("widget_id", String(64), ForeignKey("rtr_widgets.id", ondelete="CASCADE"), primary_key=True),
    Column("day", String(10), primary_key=True),
    #: ``scheme://host/path``; "" for the hosted page reached directly, ``*`` for pages over the day's cap.
    Column("page", String(300), primary_key=True),
    #: ``utm_campaign`` of the host page's address; "" for none, ``*`` over the day's cap.
    Column("campaign", String(100), primary_key=True),
    Column("views", Integer, nullable=False, default=0),
    Column("submissions", Integer, nullable=False, default=0),
)

#: How tall the saved card was drawn in an admin's browser, per width, for the inline snippet's
#: reserved height (widget/admin/card_height.py). Derived data: never exported, remeasured when stale.
card_heights = Table(
    "rtr_card_heights", metadata,
    Column("widget_id", String(64), ForeignKey("rtr_widgets.id", ondelete="CASCADE"), primary_key=True),
    Column("settings_version", Integer, nullable=False),
    #: {"<width px>": <height px>, …}
    Column("heights", JSON, nullable=False),
    Column("measured_at", Float, nullable=False),
)

#: Sites that tried to show a widget, or send it a request, while its allowed sites did not name them:
#: for the admin to allow with one press. One row per widget and origin, capped per widget.
refused_sites = Table(
    "rtr_refused_sites", metadata,
    Column("widget_id", String(64), ForeignKey("rtr_widgets.id", ondelete="CASCADE"), primary_key=True),
    #: ``scheme://host[:port]`` as the browser named it.
    Column("origin", String(300), primary_key=True),
    #: The last page (origin and path, no query) it was seen on; "" when only a request named the site.
    Column("page", String(300), nullable=False, default=""),
    #: What was refused last: ``frame`` (the card) or ``request`` (a submission).
    Column("kind", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=1),
    Column("first_seen", Float, nullable=False),
    Column("last_seen", Float, nullable=False),
)

admins = Table(
    "rtr_admins", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(120), nullable=False, unique=True),
    Column("password_hash", String(300), nullable=False),
    Column("created_at", Float, nullable=False),
    #: ``owner`` (everything) or ``staff`` (the inbox only). The database's default is the lesser one.
    Column("role", String(20), nullable=False, server_default="staff"),
    #: Where password reset links go, in lower case; one account per address.
    Column("email", String(320)),
    #: The TOTP secret (base32) once two-factor sign-in is on, and the last time step a code was
    #: accepted for, so a code works once.
    Column("totp_secret", String(64)),
    Column("totp_last_step", Integer),
    Column("last_login_at", Float),
    Index("ix_rtr_admins_email", "email", unique=True),
    **NEVER_REUSE_IDS,
)

#: Ten one-time recovery codes per admin with two-factor sign-in, each stored only as its SHA-256.
admin_recovery_codes = Table(
    "rtr_admin_recovery_codes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("admin_id", Integer, ForeignKey("rtr_admins.id", ondelete="CASCADE"), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Index("ix_rtr_admin_recovery_codes_admin", "admin_id"),
    **NEVER_REUSE_IDS,
)

#: One-time links sent by email: an invitation to become an admin, or a password reset. Only the
#: SHA-256 of the token in the link is kept; using a link deletes its row.
admin_links = Table(
    "rtr_admin_links", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    #: ``invite`` or ``reset``.
    Column("purpose", String(20), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    #: A reset: whose password it sets (an invitation has no account yet).
    Column("admin_id", Integer, ForeignKey("rtr_admins.id", ondelete="CASCADE")),
    #: Where the link was sent.
    Column("email", String(320), nullable=False),
    #: An invitation: the role the new admin gets.
    Column("role", String(20)),
    Column("created_by", String(120), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Index("ix_rtr_admin_links_admin", "admin_id"),
    **NEVER_REUSE_IDS,
)

#: One row per signed-in browser: deleting it signs that browser out, whatever its cookie says.
admin_sessions = Table(
    "rtr_admin_sessions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("admin_id", Integer, ForeignKey("rtr_admins.id", ondelete="CASCADE"), nullable=False),
    #: SHA-256 of the token in the cookie: a copy of this table signs no one in.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
    Column("seen_at", Float, nullable=False),
    Index("ix_rtr_admin_sessions_admin", "admin_id"),
    **NEVER_REUSE_IDS,
)

#: Kept when its widget is deleted: the log says who deleted it.
audit_log = Table(
    "rtr_audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("actor", String(120), nullable=False),
    Column("widget_id", String(64)),
    Column("action", String(60), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    **NEVER_REUSE_IDS,
)

#: Installation-wide values saved from the admin pages, one JSON document per key.
installation_settings = Table(
    "rtr_installation_settings", metadata,
    Column("key", String(60), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", Float, nullable=False),
)
