"""SQLAlchemy tables and the queries the public side needs (delivery and admin add their own).

Times are stored as UTC epoch seconds (floats): the same on SQLite and PostgreSQL, and lease and
retry arithmetic stays plain numbers.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from .settings import WidgetSettings

metadata = MetaData()

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
    Column("delivered_at", Float),
    Index("ix_rtr_leads_widget_created", "widget_id", "created_at"),
)

deliveries = Table(
    "rtr_deliveries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("lead_id", Integer, ForeignKey("rtr_leads.id", ondelete="CASCADE"), nullable=False),
    Column("widget_id", String(64), nullable=False),
    #: ``email`` (to the practice), ``webhook`` or ``confirmation`` (to the visitor).
    Column("channel", String(20), nullable=False),
    #: Where it goes, fixed when the lead is stored: JSON list of addresses, or the URL.
    Column("target", JSON, nullable=False),
    #: ``pending``, ``delivered``, ``dead`` or ``disabled``.
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
    Index("ix_rtr_deliveries_due", "status", "next_attempt_at"),
    Index("ix_rtr_deliveries_lead", "lead_id"),
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
)

used_tokens = Table(
    "rtr_used_tokens", metadata,
    Column("nonce", String(64), primary_key=True),
    Column("used_at", Float, nullable=False),
)

daily_stats = Table(
    "rtr_daily_stats", metadata,
    Column("widget_id", String(64), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("views", Integer, nullable=False, default=0),
    Column("submissions", Integer, nullable=False, default=0),
    Column("blocked", Integer, nullable=False, default=0),
)

# How tall the saved card was drawn in an admin's browser, per width, for the inline snippet's
# reserved height (widget/admin/card_height.py). Derived data: never exported, remeasured when stale.
card_heights = Table(
    "rtr_card_heights", metadata,
    Column("widget_id", String(64), ForeignKey("rtr_widgets.id", ondelete="CASCADE"), primary_key=True),
    Column("settings_version", Integer, nullable=False),
    #: {"<width px>": <height px>, …}
    Column("heights", JSON, nullable=False),
    Column("measured_at", Float, nullable=False),
)

admins = Table(
    "rtr_admins", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(120), nullable=False, unique=True),
    Column("password_hash", String(300), nullable=False),
    Column("created_at", Float, nullable=False),
)

audit_log = Table(
    "rtr_audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("actor", String(120), nullable=False),
    Column("widget_id", String(64)),
    Column("action", String(60), nullable=False),
    Column("detail", Text, nullable=False, default=""),
)


class ReplayError(Exception):
    """The form token was already used for a stored lead."""


@dataclass
class Widget:
    """A widget row with its settings parsed."""

    id: str
    name: str
    settings: WidgetSettings
    version: int
    webhook_secret: str
    previous_webhook_secret: str | None = None
    secret_rotated_at: float | None = None
    webhook_disabled_at: float | None = None
    created_at: float = 0.0
    updated_at: float = 0.0

    @classmethod
    def from_row(cls, row: Any) -> Widget:
        data = dict(row._mapping)
        data["settings"] = WidgetSettings.from_stored(data["settings"])
        return cls(**data)


@dataclass
class NewLead:
    """What a visitor submitted, already validated, plus where it came from."""

    name: str
    email: str
    consent_text: str
    consent_version: str
    phone: str = ""
    contact_method: str = ""
    ok_to_email: bool = False
    ok_to_text: bool = False
    ok_to_voicemail: bool = False
    service: str = ""
    location: str = ""
    message: str = ""
    page_url: str = ""
    language: str = "en"
    utm: dict[str, str] = field(default_factory=dict)


def new_webhook_secret() -> str:
    """Return a Standard Webhooks secret: ``whsec_`` + base64 of 24 random bytes."""
    import base64

    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def new_widget_id() -> str:
    """Return a short, unguessable, URL-safe widget id."""
    return "w_" + secrets.token_urlsafe(9).replace("-", "x").replace("_", "y")


def make_engine(url: str) -> Engine:
    """Create the engine; SQLite gets WAL, a busy timeout and ``BEGIN IMMEDIATE`` writes."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    # hide_parameters: a database error's message must never carry a lead's contents into a log.
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy so "begin" below can say IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the lock up front so they queue on busy_timeout instead of failing
        # mid-transaction; readers (Store.reading) stay deferred so WAL lets them run alongside.
        writes = connection.get_execution_options().get("rtr_writes", True)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


class Store:
    """The tables behind one app, and the public side's queries."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def create_all(self) -> None:
        metadata.create_all(self.engine)

    def reading(self) -> Connection:
        """Open a connection for reads only (a deferred transaction on SQLite)."""
        return self.engine.connect().execution_options(rtr_writes=False)

    # Widgets -----------------------------------------------------------------------------------

    def create_widget(self, name: str, settings: WidgetSettings, widget_id: str | None = None,
                      webhook_secret: str | None = None) -> Widget:
        now = time.time()
        row = {
            "id": widget_id or new_widget_id(), "name": name, "settings": settings, "version": 1,
            "webhook_secret": webhook_secret or new_webhook_secret(), "created_at": now, "updated_at": now,
        }
        with self.engine.begin() as conn:
            conn.execute(insert(widgets).values({**row, "settings": settings.model_dump(mode="json")}))
        return Widget(**row)

    def get_widget(self, widget_id: str) -> Widget | None:
        with self.reading() as conn:
            row = conn.execute(select(widgets).where(widgets.c.id == widget_id)).first()
        return Widget.from_row(row) if row else None

    def list_widgets(self) -> list[Widget]:
        with self.reading() as conn:
            rows = conn.execute(select(widgets).order_by(widgets.c.created_at, widgets.c.id)).all()
        return [Widget.from_row(row) for row in rows]

    def save_settings(self, widget_id: str, settings: WidgetSettings, name: str | None = None) -> int:
        """Store new settings and return the new version number.

        A different webhook URL is a different endpoint: one switched off by a 410 comes back on.
        """
        with self.engine.begin() as conn:
            row = conn.execute(select(widgets.c.version, widgets.c.settings).where(widgets.c.id == widget_id)).one()
            current, old = row.version, WidgetSettings.from_stored(row.settings)
            values: dict[str, Any] = {"settings": settings.model_dump(mode="json"), "version": current + 1,
                                      "updated_at": time.time()}
            if name is not None:
                values["name"] = name
            if old.webhook_url != settings.webhook_url:
                values["webhook_disabled_at"] = None
            self._retarget_pending(conn, widget_id, settings)
            conn.execute(update(widgets).where(widgets.c.id == widget_id).values(**values))
        return current + 1

    def _retarget_pending(self, conn: Connection, widget_id: str, settings: WidgetSettings) -> None:
        """Point deliveries still waiting to be sent at the addresses just saved (a fixed typo counts)."""
        for channel in ("email", "webhook"):
            target = current_target(channel, settings)
            if target:
                conn.execute(update(deliveries).where(
                    deliveries.c.widget_id == widget_id, deliveries.c.channel == channel,
                    deliveries.c.status == "pending",
                ).values(target=target))

    # Leads -------------------------------------------------------------------------------------

    def add_lead(self, widget: Widget, lead: NewLead, token_nonce: str | None = None) -> str:
        """Store the lead and one delivery per configured channel in one transaction.

        Returns the lead's public id. Raises ReplayError when the token was already used.
        """
        now = time.time()
        public_id = uuid.uuid4().hex
        try:
            with self.engine.begin() as conn:
                if token_nonce:
                    conn.execute(insert(used_tokens).values(nonce=token_nonce, used_at=now))
                lead_id = conn.execute(
                    insert(leads).values(
                        public_id=public_id, widget_id=widget.id, created_at=now, consented_at=now,
                        settings_version=widget.version, status="new", **lead.__dict__,
                    )
                ).inserted_primary_key[0]
                for delivery in planned_deliveries(widget, lead, public_id):
                    conn.execute(insert(deliveries).values(
                        lead_id=lead_id, widget_id=widget.id, status="pending", attempts=0,
                        next_attempt_at=now, created_at=now, **delivery,
                    ))
                self._bump(conn, widget.id, "submissions", now)
        except IntegrityError as error:
            if token_nonce and "used_tokens" in str(error.orig):
                raise ReplayError(token_nonce) from None
            raise
        return public_id

    def count(self, widget_id: str, what: str) -> None:
        """Add one to today's ``views``, ``submissions`` or ``blocked`` for the widget."""
        with self.engine.begin() as conn:
            self._bump(conn, widget_id, what, time.time())

    def _bump(self, conn: Any, widget_id: str, what: str, now: float) -> None:
        day = time.strftime("%Y-%m-%d", time.gmtime(now))
        upsert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        counts = {"views": 0, "submissions": 0, "blocked": 0, what: 1}
        conn.execute(
            upsert(daily_stats)
            .values(widget_id=widget_id, day=day, **counts)
            .on_conflict_do_update(index_elements=["widget_id", "day"], set_={what: daily_stats.c[what] + 1})
        )

    def purge_used_tokens(self, older_than: float) -> int:
        with self.engine.begin() as conn:
            return conn.execute(used_tokens.delete().where(used_tokens.c.used_at < older_than)).rowcount


def current_target(channel: str, settings: WidgetSettings) -> Any:
    """Return where a delivery on channel goes under the widget's settings now (None: keep its own)."""
    if channel == "email":
        return list(settings.notify_emails) or None
    if channel == "webhook":
        return settings.webhook_url or None
    return None


def planned_deliveries(widget: Widget, lead: NewLead, public_id: str) -> list[dict[str, Any]]:
    """Return the delivery rows a new lead needs under the widget's settings."""
    settings = widget.settings
    planned: list[dict[str, Any]] = []
    if settings.notify_emails:
        planned.append({"channel": "email", "target": list(settings.notify_emails),
                        "message_id": f"<{public_id}.lead@ready-to-rebuild>"})
    if settings.webhook_url:  # while a 410 has it switched off, the worker parks it for later
        planned.append({"channel": "webhook", "target": settings.webhook_url,
                        "message_id": f"msg_{public_id}"})
    if settings.confirmation_email:
        planned.append({"channel": "confirmation", "target": [lead.email],
                        "message_id": f"<{public_id}.thanks@ready-to-rebuild>"})
    return planned
