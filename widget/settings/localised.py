"""Texts a practice writes once per language, and how a card in one language reads them.

A localised text holds one version per language the widget speaks: ``{"en": "…", "es": "…"}``;
an empty version is one not written yet. Its type carries the checks of each version (length,
one line, the crisis notice's 988/911).

Which version a visitor reads (the fallback rule, README "Languages"): in the widget's own
language, the practice's version, always (required texts must have one). In another language L:
the practice's L version; else nothing when the practice left its own version empty too; else the
built-in wording in L, for texts that have one (the heading, steps, consent, crisis notice…); else
the practice's version in the widget's own language (names of services and locations, which only
the practice can write). ``gaps`` lists every text that falls back, for the admin's edit page.

Settings written before texts were localised hold plain strings; ``upgrade_texts`` reads one as
the version in the widget's language, except a built-in English default, which becomes the
built-in text in every language.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, partial
from typing import Annotated, Any, ClassVar, get_args, get_origin

from pydantic import AfterValidator, BaseModel, Field, create_model, model_validator

from ..i18n import LANGUAGES, SOURCE_LANGUAGE, language_name, translate
from .kinds import Group, Text

#: Every built-in English default, and the localised value it stands for (filled by ``builtin``).
BUILTIN_TEXTS: dict[str, dict[str, str]] = {}


class Localised(Group):
    """One text in every language the widget speaks; an empty version is one not written yet."""

    not_an_object: ClassVar[str] = "Give this text as an object of languages, like {\"en\": \"…\"}."
    unknown_key: ClassVar[str] = "Unknown language: {key}."
    #: Whether the widget's own language must have a version (checked by ``missing_in_own_language``).
    required: ClassVar[bool] = False

    @model_validator(mode="before")
    @classmethod
    def _plain_text_is_english(cls, value: Any) -> Any:
        # Code and older files may give a plain string; a settings document maps it to its own
        # language first (upgrade_texts), so only a lone value lands here.
        return {SOURCE_LANGUAGE: value} if isinstance(value, str) else value

    def get(self, language: str) -> str:
        """Return the version in language ("" when not written)."""
        return str(getattr(self, language, "") or "")

    def in_own_language(self, own: str) -> str:
        """Return the version in the widget's own language, else the first one written."""
        return self.get(own) or next((self.get(language) for language in LANGUAGES if self.get(language)), "")

    def shown(self, language: str, own: str, builtin: Localised | None = None) -> str:
        """Return what a visitor reading language sees (see the module's fallback rule)."""
        if language == own or language not in LANGUAGES:
            return self.get(own)
        if self.get(language) or not self.get(own):
            return self.get(language)
        if builtin is not None and builtin.get(language):
            return builtin.get(language)
        return self.get(own)

    @classmethod
    def builtin(cls, english: str) -> Any:
        """Return the built-in text whose English is english, in every language of the catalogs."""
        versions = {language: translate(language, english) for language in LANGUAGES}
        BUILTIN_TEXTS[english] = versions
        return cls(**versions)


@cache
def LocalisedText(limit: int, *, required: bool = False, multiline: bool = False,  # noqa: N802 (a type)
                  check: Any = None, name: str = "") -> type[Localised]:
    """A text with one version per language, each of at most ``limit`` characters.

    ``required``: the widget's own language must have a version. ``check`` runs on each non-empty
    version after the text checks (it raises with ``kinds.fail``).
    """
    fields: dict[str, Any] = {}
    for language in LANGUAGES:
        annotation: Any = Text(limit, multiline=multiline)
        if check is not None:
            annotation = Annotated[annotation, AfterValidator(partial(_checked_when_written, check))]
        fields[language] = (annotation, Field("", description=language_name(language)))
    model_name = name or f"Text{limit}{'Lines' if multiline else ''}{'Required' if required else ''}"
    model = create_model(model_name, __base__=Localised, __doc__=Localised.__doc__, **fields)
    model.required = required
    return model


def _checked_when_written(check: Any, value: str) -> str:
    return check(value) if value else value


def _localised_class(annotation: Any) -> type[Localised] | None:
    return annotation if isinstance(annotation, type) and issubclass(annotation, Localised) else None


def _group_class(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and not issubclass(annotation, Localised):
        return annotation
    return None


def _item_class(annotation: Any) -> type[BaseModel] | None:
    return _group_class(get_args(annotation)[0]) if get_origin(annotation) is list else None


def upgrade_texts(model: type[BaseModel], data: Any, language: str) -> Any:
    """Return a settings document with every plain string where a localised text goes made localised."""
    if not isinstance(data, dict):
        return data
    upgraded = dict(data)
    for name, info in model.model_fields.items():
        value = upgraded.get(name)
        if value is None:
            continue
        if _localised_class(info.annotation) and isinstance(value, str):
            upgraded[name] = dict(BUILTIN_TEXTS.get(value.strip()) or {language: value})
        elif group := _group_class(info.annotation):
            upgraded[name] = upgrade_texts(group, value, language)
        elif (item := _item_class(info.annotation)) and isinstance(value, list):
            upgraded[name] = [upgrade_texts(item, entry, language) for entry in value]
    return upgraded


def _children(model: BaseModel, builtin: Any) -> list[tuple[str, Any, Any]]:
    """Return (name, value, built-in value) of every field of model that may hold a localised text."""
    found = []
    for name, info in type(model).model_fields.items():
        if _localised_class(info.annotation) or _group_class(info.annotation) or _item_class(info.annotation):
            found.append((name, getattr(model, name), getattr(builtin, name, None) if builtin is not None else None))
    return found


def _at(items: Any, index: int) -> Any:
    return items[index] if isinstance(items, (list, tuple)) and index < len(items) else None


class Shown:
    """Settings as a card in one language reads them: each localised text is the string to show.

    Everything else reads through unchanged (``shown.theme.accent_color``, ``shown.fields.phone``).
    """

    __slots__ = ("_builtin", "_language", "_model", "_own")

    def __init__(self, model: BaseModel, language: str, own: str, builtin: Any = None) -> None:
        self._model, self._language, self._own, self._builtin = model, language, own, builtin

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._model, name)
        builtin = getattr(self._builtin, name, None) if self._builtin is not None else None
        return self._show(value, builtin)

    def _show(self, value: Any, builtin: Any) -> Any:
        if isinstance(value, Localised):
            return value.shown(self._language, self._own, builtin)
        if isinstance(value, BaseModel):
            return Shown(value, self._language, self._own, builtin)
        if isinstance(value, list):
            return [self._show(item, _at(builtin, index)) for index, item in enumerate(value)]
        return value


@dataclass(frozen=True)
class Gap:
    """A text a visitor reading ``language`` sees in a fallback: built-in wording, or the own language's."""

    path: str
    language: str
    #: ``missing`` (no version in this language) or ``stale`` (still the built-in wording, though
    #: the own language's version was changed).
    kind: str
    #: What that visitor reads instead: ``builtin`` or ``own``.
    fallback: str


def gaps(settings: BaseModel, own: str, builtin: Any) -> list[Gap]:
    """Return every text a visitor in another language than own reads in a fallback, by setting path."""
    found: list[Gap] = []
    _walk(settings, builtin, "", own, found)
    return found


def _walk(model: BaseModel, builtin: Any, prefix: str, own: str, found: list[Gap]) -> None:
    for name, value, default in _children(model, builtin):
        path = prefix + name
        if isinstance(value, Localised):
            found += _text_gaps(value, default, path, own)
        elif isinstance(value, BaseModel):
            _walk(value, default, path + ".", own, found)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                _walk(item, _at(default, index), f"{path}.{index}.", own, found)


def _text_gaps(value: Localised, builtin: Localised | None, path: str, own: str) -> list[Gap]:
    found = []
    mine = value.get(own)
    for language in LANGUAGES:
        if language == own or not mine:
            continue
        theirs = builtin.get(language) if builtin is not None else ""
        if not value.get(language):
            found.append(Gap(path, language, "missing", "builtin" if theirs else "own"))
        elif theirs and value.get(language) == theirs and mine != builtin.get(own):  # type: ignore[union-attr]
            found.append(Gap(path, language, "stale", "builtin"))
    return found


def missing_in_own_language(model: BaseModel, own: str, prefix: str = "") -> list[str]:
    """Return the paths of required texts without a version in the widget's own language."""
    missing: list[str] = []
    required = getattr(model, "required_texts", lambda: ())()
    for name, value, _default in _children(model, None):
        path = prefix + name
        if isinstance(value, Localised):
            if (type(value).required or name in required) and not value.get(own):
                missing.append(f"{path}.{own}")
        elif isinstance(value, BaseModel):
            missing += missing_in_own_language(value, own, path + ".")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                missing += missing_in_own_language(item, own, f"{path}.{index}.")
    return missing
