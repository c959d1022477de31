"""The words the widget says itself (labels, messages, built-in texts), in every language it speaks.

English is the source language: each message is its English text, a gettext msgid. Every other
language is one catalog, ``widget/translations/<lang>/LC_MESSAGES/messages.po``, read with Babel
when the process first needs it: no compiled ``.mo`` files and no build step, so a checkout and an
installed wheel behave alike. A third language is one more ``.po`` file (``make messages`` lists
what to translate); ``tests/test_i18n.py`` fails on a missing, empty or fuzzy message.

Python code names the words it uses by key (``WORDS``); templates call ``_("…")`` with the English
text. Nothing here touches the host app's Jinja environment or installs Flask-Babel: the helpers
travel in each render's context.
"""

from __future__ import annotations

import gettext as stdlib_gettext
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from functools import cache, partial
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

SOURCE_LANGUAGE = "en"
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"
#: The locale dates are written in, per language: the widget serves practices in the United States.
DATE_LOCALES = {"en": "en_US", "es": "es_US"}


def N_(message: str) -> str:  # noqa: N802 (gettext's name for "mark, translate later")
    """Mark message for the catalogs without translating it now."""
    return message


def _catalog_languages() -> tuple[str, ...]:
    return tuple(sorted(path.parent.parent.name for path in TRANSLATIONS_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")))


#: Every language the widget speaks: English, then one per catalog.
LANGUAGES: tuple[str, ...] = (SOURCE_LANGUAGE, *_catalog_languages())

#: The interface words Python code refers to by key (templates and the form read them as ``words``).
WORDS: dict[str, str] = {
    "name": N_("Your name"),
    "name_hint": N_("A first name is fine."),
    "email": N_("Email"),
    "phone": N_("Phone (optional)"),
    "contact_method": N_("How should we reach you?"),
    "method_email": N_("Email"),
    "method_phone": N_("Phone call"),
    "method_text": N_("Text message"),
    "ok_to_email": N_("It's OK to email me"),
    "ok_to_text": N_("It's OK to text me"),
    "ok_to_voicemail": N_("It's OK to leave a voicemail"),
    "service": N_("What are you looking for? (optional)"),
    "not_sure": N_("Not sure yet"),
    "location": N_("Preferred location (optional)"),
    "no_preference": N_("No preference"),
    "telehealth": N_("Online (telehealth)"),
    "message": N_("Anything you'd like us to know? (optional)"),
    "message_hint": N_("Please don't include health details here. We'll talk about what's going on when we "
                       "reach you."),
    "consent_required": N_("Please tick the box so we may contact you."),
    "required": N_("Please fill this in."),
    "bad_email": N_("That email address doesn't look complete. Could you check it?"),
    "bad_phone": N_("That phone number doesn't look right. Digits, spaces, + ( ) - are fine."),
    "too_long": N_("Please keep this under {limit} characters."),
    "control_chars": N_("This contains characters we can't store. Could you retype it?"),
    "expired": N_("The form timed out. We kept what you typed — please press the button again."),
    "invalid": N_("Something went wrong with the form. We kept what you typed — please press the button again."),
    "too_young": N_("That was quicker than we expected, so nothing was sent yet. Please check what you typed, "
                    "then press the button again."),
    "already_sent": N_("This form was already sent once with other details. We kept what you typed — press the "
                       "button again to send it as a new request."),
    "fix_errors": N_("Please check the highlighted fields. Nothing you typed was lost."),
    "rate_limited": N_("You've sent several requests in a short time. Please wait a minute and try again — what "
                       "you typed is still here."),
    "offline": N_("We couldn't reach the server. Your words are still here — please try again in a moment."),
    "too_large": N_("That was more than this form can take. Please shorten your message and send it again."),
    "origin_refused": N_("This form can only be sent from the practice's own website."),
    "sending": N_("Sending…"),
    "soon": N_("soon"),
    "services": N_("How we can help"),
    "locations": N_("Where we meet"),
    "steps": N_("Your next steps"),
    "crisis_label": N_("Need help right now?"),
    "waitlist": N_("Waitlist"),
    "close": N_("Close"),
    "frame_title": N_("Request a free consultation"),
    "honeypot": N_("Leave this field empty"),
    "privacy": N_("Your request goes only to {practice}."),
    "storage_failed": N_("We couldn't save your request just now. What you typed is still here — please try "
                         "again in a minute."),
    "unavailable_heading": N_("This form isn't available right now"),
    "unavailable_text": N_("The practice may have moved it. Please reach them through their website, or try "
                           "again later."),
    "confirmation_subject": N_("We received your request — {practice}"),
}


def supported(language: str | None) -> str | None:
    """Return the language we speak for a code such as ``es``, ``ES`` or ``es-MX``; else None."""
    code = (language or "").strip().replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else None


@cache
def translations(language: str) -> stdlib_gettext.NullTranslations:
    """Return the gettext translations of a language, read from its ``.po`` file (English: none)."""
    if language == SOURCE_LANGUAGE or language not in LANGUAGES:
        return stdlib_gettext.NullTranslations()
    with (TRANSLATIONS_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def translate(language: str, message: str) -> str:
    """Return message (its English text) in language; English when the catalog lacks it."""
    return translations(language).gettext(message)


def translate_plural(language: str, singular: str, plural: str, count: int) -> str:
    """Return the singular or plural message for count, in language."""
    return translations(language).ngettext(singular, plural, count)


@cache
def words(language: str) -> dict[str, str]:
    """Return every interface word of ``WORDS`` in language (English for a language we don't speak)."""
    return {key: translate(supported(language) or SOURCE_LANGUAGE, message) for key, message in WORDS.items()}


def strings_for(language: str | None) -> dict[str, str]:
    """Return the interface words for language (``es``, ``es-MX``), falling back to English."""
    return words(supported(language) or SOURCE_LANGUAGE)


#: The interface words by language, for code that indexes them directly.
STRINGS: dict[str, dict[str, str]] = {language: words(language) for language in LANGUAGES}


def language_name(code: str, in_language: str = SOURCE_LANGUAGE) -> str:
    """Return a language's name, in English by default (``es`` -> ``Spanish``); the code if unknown."""
    try:
        name = Locale.parse(code).get_display_name(in_language) or code
    except (UnknownLocaleError, ValueError, TypeError):
        return code
    return name[:1].upper() + name[1:]


def format_datetime(epoch: float, language: str, zone: tzinfo = UTC) -> str:
    """Return a moment as the language writes a date and time in zone, naming the zone.

    ``May 3, 2025, 5:14 PM EDT``; ``3 de mayo de 2025, 5:14 p.m. EDT``.
    """
    locale = Locale.parse(DATE_LOCALES.get(language, language))
    moment = datetime.fromtimestamp(epoch, tz=zone)
    pattern = locale.datetime_formats["long"]
    when = str(pattern).format(format_time(moment, "short", tzinfo=zone, locale=locale),
                               format_date(moment, "long", locale=locale))
    return f"{when} {moment.tzname()}"


def template_helpers(language: str, zone: tzinfo = UTC) -> dict[str, Any]:
    """Return what a template needs to speak language: ``_``, ``ngettext``, ``words``, ``format_datetime``."""
    gettext: Callable[[str], str] = partial(translate, language)
    return {
        "_": gettext,
        "gettext": gettext,
        "ngettext": partial(translate_plural, language),
        "words": words(language),
        "language": language,
        "format_datetime": lambda epoch: format_datetime(epoch, language, zone),
    }
