"""Common email providers' SMTP settings, to fill the Email server form from.

Each value was checked against the provider's own documentation (linked from each note). Filling
the form only changes what the page shows: nothing is saved, and nothing is sent to the provider,
until the admin presses Save, which runs the page's usual checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Provider:
    """A provider, and how a practice gets the username and password it needs."""

    key: str
    name: str
    #: What to do at the provider, in a few plain sentences.
    note: str
    docs_url: str
    docs_label: str
    #: A username that is the same for everyone (SendGrid's ``apikey``); "" when it is the person's own.
    username: str = ""


@dataclass(frozen=True)
class Preset:
    """One choice in the list: a provider's server, port and encryption."""

    key: str
    label: str
    provider: Provider
    host: str
    port: int
    security: str


GOOGLE = Provider(
    "google", "Google Workspace",
    "Username: your full Google Workspace (or Gmail) address. Password: an app password, not your usual one. "
    "Turn on 2-Step Verification for the account, then in your Google Account open Security, choose App "
    "passwords, create one called Ready to Rebuild and paste the 16 letters it shows. If App passwords is "
    "missing, your Workspace administrator may have turned them off.",
    "https://support.google.com/accounts/answer/185833", "Google: sign in with app passwords")
MICROSOFT = Provider(
    "microsoft365", "Microsoft 365",
    "Username and password: the mailbox's own. Your Microsoft 365 administrator must first turn on "
    "Authenticated SMTP for that mailbox (Microsoft 365 admin center: Users, Active users, the user, Mail, "
    "Manage email apps). Microsoft is turning this password sign-in off by default at the end of 2026 and "
    "will later remove it; this page can only sign in with a password, so for the long term choose another "
    "provider.",
    "https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/"
    "how-to-set-up-a-multifunction-device-or-application-to-send-email-using-microsoft-365-or-office-365",
    "Microsoft: send email from an application with Microsoft 365")
FASTMAIL = Provider(
    "fastmail", "Fastmail",
    "Username: your full Fastmail address. Password: an app password (your usual one won't work). In "
    "Fastmail open Settings, Privacy & Security, create a new app password with access to Mail and paste "
    "it here. Basic plans can't send from other programs.",
    "https://www.fastmail.com/help/clients/apppassword.html", "Fastmail: app passwords")
SES = Provider(
    "ses", "Amazon SES",
    "Username and password: SMTP credentials, which are not your AWS access keys. In the Amazon SES console, "
    "in the same region as chosen here, open SMTP settings and create SMTP credentials; copy both, they are "
    "shown once and work only in that region. The sender address must be a verified identity, and a new "
    "account can only send to verified addresses until AWS moves it out of the sandbox.",
    "https://docs.aws.amazon.com/ses/latest/dg/smtp-credentials.html", "AWS: obtaining Amazon SES SMTP credentials")
POSTMARK = Provider(
    "postmark", "Postmark",
    "In Postmark open your server, then its transactional message stream's Settings, and create an SMTP "
    "token: its Access Key is the username and its Secret Key the password. The sender address must be one "
    "you confirmed in Postmark (a sender signature or domain).",
    "https://postmarkapp.com/developer/user-guide/send-email-with-smtp", "Postmark: sending email with SMTP")
SENDGRID = Provider(
    "sendgrid", "SendGrid",
    "Username: the word apikey, exactly (filled in for you). Password: a SendGrid API key with permission to "
    "send mail, created under Settings, API Keys. The sender must be a verified sender or domain.",
    "https://www.twilio.com/docs/sendgrid/for-developers/sending-email/integrating-with-the-smtp-api",
    "Twilio SendGrid: integrating with the SMTP API", username="apikey")
MAILGUN = Provider(
    "mailgun", "Mailgun",
    "In Mailgun open Sending, Domain settings, choose your domain and its SMTP credentials tab: the username "
    "is the login shown there (like postmaster@mg.example.com), the password one you reset there. This fills "
    "in Mailgun's US servers; a domain in Mailgun's EU region uses another server name, on Mailgun's page.",
    "https://documentation.mailgun.com/docs/mailgun/user-manual/sending-messages/send-smtp",
    "Mailgun: send via SMTP")

#: The AWS regions whose SES SMTP endpoint ``email-smtp.<region>.amazonaws.com`` AWS documents.
SES_REGIONS = (
    ("us-east-1", "US East (N. Virginia)"), ("us-east-2", "US East (Ohio)"), ("us-west-2", "US West (Oregon)"),
    ("ca-central-1", "Canada (Central)"), ("sa-east-1", "South America (São Paulo)"),
    ("eu-west-1", "Europe (Ireland)"), ("eu-west-2", "Europe (London)"), ("eu-central-1", "Europe (Frankfurt)"),
    ("ap-south-1", "Asia Pacific (Mumbai)"), ("ap-southeast-1", "Asia Pacific (Singapore)"),
    ("ap-southeast-2", "Asia Pacific (Sydney)"), ("ap-northeast-1", "Asia Pacific (Tokyo)"),
    ("ap-northeast-2", "Asia Pacific (Seoul)"),
)

PRESETS: tuple[Preset, ...] = (
    Preset("google", "Google Workspace (Gmail)", GOOGLE, "smtp.gmail.com", 465, "ssl"),
    Preset("microsoft365", "Microsoft 365 (Outlook)", MICROSOFT, "smtp.office365.com", 587, "starttls"),
    Preset("fastmail", "Fastmail", FASTMAIL, "smtp.fastmail.com", 465, "ssl"),
    Preset("postmark", "Postmark", POSTMARK, "smtp.postmarkapp.com", 587, "starttls"),
    Preset("sendgrid", "SendGrid", SENDGRID, "smtp.sendgrid.net", 587, "starttls"),
    Preset("mailgun", "Mailgun (US region)", MAILGUN, "smtp.mailgun.org", 587, "starttls"),
    *(Preset(f"ses-{region}", f"{name} · {region}", SES, f"email-smtp.{region}.amazonaws.com", 587, "starttls")
      for region, name in SES_REGIONS),
)
PROVIDERS: tuple[Provider, ...] = tuple(dict.fromkeys(preset.provider for preset in PRESETS))
BY_KEY = {preset.key: preset for preset in PRESETS}
FIXED_USERNAMES = frozenset(provider.username for provider in PROVIDERS if provider.username)


def find(key: str) -> Preset | None:
    """Return the preset called key, or None."""
    return BY_KEY.get(key)


def groups() -> list[tuple[str, list[Preset]]]:
    """Return the presets as the list shows them: providers first, then SES by region."""
    return [("", [p for p in PRESETS if p.provider is not SES]),
            ("Amazon SES (choose your region)", [p for p in PRESETS if p.provider is SES])]


def filled(preset: Preset, current: Mapping[str, Any]) -> dict[str, str]:
    """Return the form values preset sets: server, port, encryption, and the username where it must change.

    A username every customer shares (SendGrid's ``apikey``) is filled in; one left from such a
    provider is cleared; the person's own username is kept.
    """
    username = str(current.get("username") or "")
    if preset.provider.username or username in FIXED_USERNAMES:
        username = preset.provider.username
    return {"host": preset.host, "port": str(preset.port), "security": preset.security, "username": username}


def status(preset: Preset) -> str:
    """Return the sentence shown once preset has filled the form."""
    return (f"Filled in {preset.provider.name}'s server. Nothing is saved yet: add the username and password, "
            "then press Save.")
