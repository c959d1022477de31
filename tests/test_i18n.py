"""The widget's own words: gettext catalogs read with Babel, complete in every language, dates per locale."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from widget.i18n import LANGUAGES, TRANSLATIONS_DIR, WORDS, format_datetime, language_name, strings_for, translate

REPO = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"\{\w+\}")
#: What ``make messages`` does not walk (its --ignore-dirs).
SKIPPED = {"node_modules", "build", "dist", "tests", "bench"}


@cache
def source_messages() -> frozenset[str]:
    """Return every message the sources and templates ask to translate, as ``make messages`` extracts them."""
    with (REPO / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    found = extract_from_dir(str(REPO), method_map, options_map, keywords=keywords, directory_filter=_walked)
    return frozenset(message if isinstance(message, str) else message[0] for _file, _line, message, *_ in found)


def _walked(path: str) -> bool:
    name = Path(path).name
    return not name.startswith((".", "_")) and name not in SKIPPED


def catalog(language: str) -> Catalog:
    with (TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def problems(messages: frozenset[str], translated: Catalog) -> list[str]:
    """Return what a catalog lacks: messages missing, empty or fuzzy, or with other {placeholders}."""
    found = []
    for message in sorted(messages):
        entry = translated.get(message)
        if entry is None:
            found.append(f"missing: {message!r}")
        elif not entry.string:
            found.append(f"empty: {message!r}")
        elif entry.fuzzy:
            found.append(f"fuzzy: {message!r}")
        elif set(PLACEHOLDER.findall(message)) != set(PLACEHOLDER.findall(str(entry.string))):
            found.append(f"placeholders differ: {message!r} -> {entry.string!r}")
    return found


def test_the_extraction_finds_the_words_of_code_templates_and_built_in_texts() -> None:
    messages = source_messages()
    assert set(WORDS.values()) <= messages
    assert {"Ready to rebuild?", "Hello,", "You are not alone"} <= messages
    assert len(messages) > 60


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_every_message_is_translated_in_every_catalog(language: str) -> None:
    assert problems(source_messages(), catalog(language)) == []


def test_a_missing_an_empty_or_a_fuzzy_message_is_caught() -> None:
    messages = source_messages()
    broken = catalog("es")
    del broken["Your name"]
    broken["Close"].string = ""
    broken["Waitlist"].flags.add("fuzzy")
    broken["Your request goes only to {practice}."].string = "Su solicitud llega solo a la consulta."
    assert problems(messages, broken) == [
        "empty: 'Close'",
        "fuzzy: 'Waitlist'",
        "missing: 'Your name'",
        "placeholders differ: 'Your request goes only to {practice}.' -> 'Su solicitud llega solo a la consulta.'",
    ]


def test_the_committed_template_lists_exactly_the_messages_in_the_sources() -> None:
    with (TRANSLATIONS_DIR / "messages.pot").open("rb") as handle:
        committed = {message.id for message in read_po(handle) if message.id}
    assert committed == source_messages(), "run: make messages"


def test_catalogs_are_read_as_they_are_no_compiled_files() -> None:
    assert LANGUAGES[0] == "en" and "es" in LANGUAGES
    assert not list(TRANSLATIONS_DIR.rglob("*.mo")), "the .po files are read at start-up; nothing is compiled"
    assert translate("es", "Your name") == "Su nombre" and translate("en", "Your name") == "Your name"
    assert strings_for("es-MX")["close"] == "Cerrar" and strings_for("xx")["close"] == "Close"


def test_a_third_language_is_one_po_file(tmp_path: Path) -> None:
    """A copy of the package with a French catalog speaks French: settings, menu and built-in texts."""
    package = tmp_path / "widget"
    shutil.copytree(REPO / "widget", package, ignore=shutil.ignore_patterns("__pycache__"))
    french = package / "translations" / "fr" / "LC_MESSAGES"
    french.mkdir(parents=True)
    (french / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n"Language: fr\\n"\n\n'
        'msgid "Ready to rebuild?"\nmsgstr "Prêt à reconstruire ?"\n', encoding="utf-8")
    script = ("from widget.settings import WidgetSettings, LANGUAGES; s = WidgetSettings(); "
              "print(LANGUAGES, s.heading.fr, s.shown_in('fr').heading, sorted(s.model_json_schema()['$defs']"
              "['Text120Required']['properties']))")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "('en', 'es', 'fr') Prêt à reconstruire ? Prêt à reconstruire ? ['en', 'es', 'fr']"


def test_dates_are_written_the_way_each_language_writes_them() -> None:
    moment = datetime(2025, 5, 3, 21, 14, tzinfo=UTC).timestamp()
    assert format_datetime(moment, "en") == "May 3, 2025, 9:14\u202fPM UTC"
    assert format_datetime(moment, "es") == "3 de mayo de 2025, 9:14\u202fp.m. UTC"


def test_languages_are_named_in_english_or_in_themselves() -> None:
    assert (language_name("es"), language_name("es", "es"), language_name("en")) == ("Spanish", "Español", "English")
    assert language_name("not-a-language") == "not-a-language"
