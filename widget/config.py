"""Every RTR_* setting, declared once with its default, and the checks run at start-up."""

from __future__ import annotations

import json
import warnings
from typing import IO, Any

import click
from flask import Flask
from flask.cli import NoAppException
from limits import parse_many

from .origins import is_web_address
from .timezones import is_zone

#: Each key, its default, and what it means. ``None`` means "not set".
DEFAULTS: dict[str, Any] = {
    #: SQLAlchemy URL. Empty: SQLite file ``rtr.sqlite3`` in the app's instance folder.
    "RTR_DATABASE_URL": "",
    #: Signs the public form tokens and admin sessions. Required outside testing/debug.
    "RTR_SECRET_KEY": None,
    #: Public base URL of this server (``https://widgets.example.com``); used in snippets and emails, and the
    #: only origin taken as the widget's own when a submission's origin is checked (unset: the Host header).
    "RTR_PUBLIC_URL": "",
    #: URL prefix of the public routes when mounted as an extension ("" in the standalone app).
    "RTR_URL_PREFIX": "",
    #: SMTP server for lead emails. Empty: emails are written as .eml files in the instance folder.
    "RTR_SMTP_HOST": "",
    #: SMTP port; 0 picks the usual one for RTR_SMTP_SECURITY (25, 587 or 465).
    "RTR_SMTP_PORT": 0,
    #: ``none``, ``starttls`` or ``ssl`` (implicit TLS).
    "RTR_SMTP_SECURITY": "starttls",
    #: SMTP login, when the server needs one.
    "RTR_SMTP_USERNAME": "",
    #: SMTP password (never shown back in the admin pages).
    "RTR_SMTP_PASSWORD": "",
    #: PEM file of a private CA to trust for SMTP TLS, besides the system store.
    "RTR_SMTP_CA_FILE": "",
    #: Sender address of every email.
    "RTR_MAIL_FROM": "Ready to Rebuild <no-reply@localhost>",
    #: Where dead deliveries and disabled webhooks are reported.
    "RTR_ALERT_EMAIL": "",
    #: The time zone (IANA name) of widgets that set none: admin times, emails, the CSV and daily counts.
    "RTR_TIME_ZONE": "UTC",
    #: Seconds to wait after each failed attempt (the first attempt is immediate), Svix-style.
    "RTR_RETRY_SCHEDULE": [5, 300, 1800, 7200, 18000, 36000, 36000],
    #: ``thread``: deliver from a thread in this process; ``off``: run ``flask rtr worker``.
    "RTR_WORKER": "thread",
    #: Flask-Limiter storage: ``redis://host:port`` for several processes; empty: memory (one process).
    "RTR_RATELIMIT_STORAGE_URI": "",
    #: Submissions one client may make to one widget.
    "RTR_SUBMIT_LIMIT": "5 per minute;30 per day",
    #: Submissions one widget accepts from everyone together.
    "RTR_WIDGET_SUBMIT_LIMIT": "300 per hour",
    #: Trusted reverse proxies in front of the standalone app (X-Forwarded-* hops); 0 trusts none. A host
    #: app that mounts the extension sets up its own ProxyFix.
    "RTR_PROXY_COUNT": 0,
    #: Allow webhooks to loopback/private addresses. Development and tests only.
    "RTR_WEBHOOK_ALLOW_PRIVATE": False,
    #: Allow the admin page's email server to be a loopback/private address. Development and tests only.
    "RTR_SMTP_ALLOW_PRIVATE": False,
    #: A form sent back sooner than this many seconds after it appeared is not stored: the person is asked to
    #: press again (with a token that works at once).
    "RTR_MIN_FORM_SECONDS": 3.0,
    #: A form token older than this many seconds is refreshed (the input is kept).
    "RTR_FORM_MAX_AGE": 4 * 3600,
    #: Largest request body the public routes accept, in bytes.
    "RTR_MAX_BODY_BYTES": 16 * 1024,
    #: Seconds a worker holds a claimed delivery before another may take it; at least twice RTR_WEBHOOK_TIMEOUT.
    "RTR_DELIVERY_LEASE": 60,
    #: Longest one webhook attempt may take, in seconds, from connecting to the answer's last byte.
    "RTR_WEBHOOK_TIMEOUT": 15.0,
    #: Deliveries one worker sends at the same time (threads).
    "RTR_WORKER_THREADS": 8,
    #: Sends one worker makes to one endpoint at the same time (a webhook's scheme://host:port, or the email
    #: server), so a slow receiver holds at most this many of its threads.
    "RTR_ENDPOINT_CONCURRENCY": 4,
    #: Longest an idle worker waits before looking for due deliveries (a new lead wakes it at once).
    "RTR_WORKER_POLL_SECONDS": 1.0,
    #: The worker runs its housekeeping (token and retention purges) at most this often, in seconds.
    "RTR_MAINTENANCE_SECONDS": 3600,
    #: Days a request caught by the honeypot waits under "Suspected spam" before it is deleted.
    "RTR_SPAM_RETENTION_DAYS": 14,
    #: Seconds a web process draws cards from the widget settings it holds before checking the database
    #: for a newer version (one indexed read); a save elsewhere is seen within this time.
    "RTR_SETTINGS_FRESH_SECONDS": 1.0,
    #: First views of the card kept rendered per process (per widget version, language, mode, theme, ...);
    #: 0 renders every view. Set 0 if your override of rtr/frame.html or rtr/page.html reads the request.
    "RTR_CARD_CACHE_SIZE": 256,
    #: Seconds a web process gathers the views its beacons report before writing them in one transaction.
    "RTR_VIEW_FLUSH_SECONDS": 2.0,
    #: Seconds an admin session may stay idle.
    "RTR_ADMIN_IDLE_SECONDS": 3600,
    #: Seconds an admin session lasts at most, however busy: then the admin signs in again.
    "RTR_ADMIN_SESSION_SECONDS": 12 * 3600,
    #: Admin login attempts one IP address may make, right or wrong (Flask-Limiter limit string).
    "RTR_ADMIN_LOGIN_LIMIT": "10 per minute;100 per day",
    #: Failed logins in a row an admin account may receive before each further one locks it briefly.
    "RTR_ADMIN_LOCK_AFTER": 5,
    #: Longest account lock in seconds; the lock starts at 1 s and doubles with each further failure.
    "RTR_ADMIN_LOCK_MAX_SECONDS": 300,
    #: Seconds an emailed invitation to become an admin stays usable (once).
    "RTR_ADMIN_INVITE_SECONDS": 3 * 24 * 3600,
    #: Seconds an emailed password reset link stays usable (once).
    "RTR_ADMIN_RESET_SECONDS": 30 * 60,
}

#: Keys holding text: their environment value is kept as typed, so a numeric password stays a string.
TEXT_KEYS = frozenset(key for key, value in DEFAULTS.items() if isinstance(value, str)) | {"RTR_SECRET_KEY"}
LIMIT_KEYS = ("RTR_SUBMIT_LIMIT", "RTR_WIDGET_SUBMIT_LIMIT", "RTR_ADMIN_LOGIN_LIMIT")
SMTP_SECURITY_CHOICES = ("none", "starttls", "ssl")
WORKER_CHOICES = ("thread", "off")
DEV_SECRET_KEY = "dev-only-insecure-key-change-me"


class StartupError(NoAppException, RuntimeError):
    """The app can't start: a setting or the database is wrong, and the message says what to do.

    Python callers (``create_app()``, ``init_app``) get the exception. The ``flask`` command shows
    it as one line on stderr and exits 2 instead of printing a traceback: it is the click error
    Flask raises when an app can't be loaded, which every ``flask`` command (``run``, ``rtr …``,
    even ``--help``) reports briefly.
    """

    exit_code = 2

    def format_message(self) -> str:
        return " ".join(self.message.split())

    def show(self, file: IO[Any] | None = None) -> None:
        """Print ``Error: <message>`` on one line, without click's usage lines."""
        click.echo(f"Error: {self.format_message()}", file=file, err=file is None)


class ConfigError(StartupError):
    """A RTR_* setting is missing or wrong; the message names the key."""


def parse_env_value(raw: str, key: str = "") -> Any:
    """Parse an environment string as JSON where it is JSON, like Flask's from_prefixed_env.

    A key declared as text keeps the string: ``RTR_SMTP_PASSWORD=123456`` must not become a number.
    """
    if key in TEXT_KEYS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def apply_defaults(app: Flask) -> None:
    """Fill in every RTR_* key the app has not set."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, json.loads(json.dumps(value)) if value is not None else None)


def validate(app: Flask) -> None:
    """Check every RTR_* key; raise ConfigError naming the first wrong one."""
    config = app.config
    _check_secret_key(app)
    _check_choice(config, "RTR_SMTP_SECURITY", SMTP_SECURITY_CHOICES)
    _check_choice(config, "RTR_WORKER", WORKER_CHOICES)
    if not is_zone(config["RTR_TIME_ZONE"]):
        raise ConfigError(f"RTR_TIME_ZONE must be an IANA time zone name like America/New_York; "
                          f"got {config['RTR_TIME_ZONE']!r}.")
    for key in ("RTR_SMTP_PORT", "RTR_PROXY_COUNT", "RTR_MAX_BODY_BYTES", "RTR_ADMIN_IDLE_SECONDS",
                "RTR_ADMIN_SESSION_SECONDS", "RTR_FORM_MAX_AGE", "RTR_WORKER_THREADS", "RTR_ADMIN_LOCK_AFTER",
                "RTR_ENDPOINT_CONCURRENCY", "RTR_ADMIN_INVITE_SECONDS", "RTR_ADMIN_RESET_SECONDS",
                "RTR_SPAM_RETENTION_DAYS", "RTR_CARD_CACHE_SIZE"):
        _check_non_negative_number(config, key, integer=True)
    for key in ("RTR_MIN_FORM_SECONDS", "RTR_WEBHOOK_TIMEOUT", "RTR_WORKER_POLL_SECONDS", "RTR_MAINTENANCE_SECONDS",
                "RTR_ADMIN_LOCK_MAX_SECONDS", "RTR_SETTINGS_FRESH_SECONDS", "RTR_VIEW_FLUSH_SECONDS",
                "RTR_DELIVERY_LEASE"):
        _check_non_negative_number(config, key, integer=False)
    _check_lease(config)
    if config["RTR_MIN_FORM_SECONDS"] >= config["RTR_FORM_MAX_AGE"]:
        raise ConfigError(
            "RTR_MIN_FORM_SECONDS must be less than RTR_FORM_MAX_AGE, or every form would be refused; "
            f"got {config['RTR_MIN_FORM_SECONDS']!r} and {config['RTR_FORM_MAX_AGE']!r}."
        )
    for key in LIMIT_KEYS:
        _check_limit(config, key)
    _check_schedule(config)
    _check_bool(config, "RTR_WEBHOOK_ALLOW_PRIVATE")
    _check_bool(config, "RTR_SMTP_ALLOW_PRIVATE")
    public_url = config["RTR_PUBLIC_URL"]
    if public_url and not (isinstance(public_url, str) and is_web_address(public_url)):
        raise ConfigError("RTR_PUBLIC_URL must be a web address starting with http:// or https://, "
                          f"e.g. https://widgets.example.com; got {public_url!r}.")


def warn_about_defaults(app: Flask) -> None:
    """Warn about convenient but unsafe settings; called once the app is sure to start.

    After every check that can refuse to start, so that a refusal is the only thing printed.
    """
    if app.testing or app.debug:
        return
    storage = str(app.config["RTR_RATELIMIT_STORAGE_URI"])
    if not storage or storage.startswith("memory://"):
        warnings.warn(
            "RTR_RATELIMIT_STORAGE_URI is memory://: limits are per process. "
            "Set it to redis://… when running several processes.",
            stacklevel=3,
        )
    if not app.config["RTR_PUBLIC_URL"]:
        warnings.warn(
            "RTR_PUBLIC_URL is not set: submissions from the widget's own frame are recognised by the Host "
            "header, which a site re-pointed at this server (DNS rebinding) can send too. "
            "Set it to this server's address, e.g. https://widgets.example.com.",
            stacklevel=3,
        )


def _check_secret_key(app: Flask) -> None:
    """Settle RTR_SECRET_KEY: its own value, else the app's SECRET_KEY (read, never written)."""
    key = app.config.get("RTR_SECRET_KEY") or app.config.get("SECRET_KEY")
    if not key:
        if app.testing or app.debug:
            key = DEV_SECRET_KEY
        else:
            raise ConfigError(
                "RTR_SECRET_KEY must be set: a long random string, e.g. "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`."
            )
    app.config["RTR_SECRET_KEY"] = key


def _check_choice(config: dict[str, Any], key: str, choices: tuple[str, ...]) -> None:
    if config[key] not in choices:
        raise ConfigError(f"{key} must be one of {', '.join(choices)}; got {config[key]!r}.")


def _check_bool(config: dict[str, Any], key: str) -> None:
    value = config[key]
    if isinstance(value, str) and value.lower() in ("1", "true", "yes", "0", "false", "no", ""):
        config[key] = value.lower() in ("1", "true", "yes")
    elif not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false; got {value!r}.")


def _check_non_negative_number(config: dict[str, Any], key: str, *, integer: bool) -> None:
    value = config[key]
    try:
        number = int(value) if integer else float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key} must be a number; got {value!r}.") from None
    if number < 0 or isinstance(value, bool):
        raise ConfigError(f"{key} must be zero or more; got {value!r}.")
    config[key] = number


def _check_lease(config: dict[str, Any]) -> None:
    """A lease must outlast the longest send, with time left to store its result."""
    for key in ("RTR_WEBHOOK_TIMEOUT", "RTR_ENDPOINT_CONCURRENCY"):
        if not config[key]:
            raise ConfigError(f"{key} must be more than zero; got {config[key]!r}.")
    lease, timeout = config["RTR_DELIVERY_LEASE"], config["RTR_WEBHOOK_TIMEOUT"]
    if lease < 2 * timeout:
        raise ConfigError(
            "RTR_DELIVERY_LEASE must be at least twice RTR_WEBHOOK_TIMEOUT, so every send ends and its result is "
            "stored before another worker may take the delivery and send it again; "
            f"got RTR_DELIVERY_LEASE={lease!r} and RTR_WEBHOOK_TIMEOUT={timeout!r}."
        )


def _check_limit(config: dict[str, Any], key: str) -> None:
    # Checked here because Flask-Limiter reads the string per request and skips one it can't parse.
    try:
        parse_many(str(config[key]))
    except ValueError:
        raise ConfigError(
            f"{key} must be a Flask-Limiter limit such as '5 per minute;30 per day'; got {config[key]!r}."
        ) from None


def _check_schedule(config: dict[str, Any]) -> None:
    schedule = config["RTR_RETRY_SCHEDULE"]
    if isinstance(schedule, str):
        schedule = parse_env_value(schedule)
    if (
        not isinstance(schedule, list)
        or not schedule
        or not all(isinstance(s, (int, float)) and not isinstance(s, bool) and s >= 0 for s in schedule)
    ):
        raise ConfigError(
            "RTR_RETRY_SCHEDULE must be a JSON list of seconds between attempts, e.g. [0, 5, 300]; "
            f"got {config['RTR_RETRY_SCHEDULE']!r}."
        )
    config["RTR_RETRY_SCHEDULE"] = [float(s) for s in schedule]
