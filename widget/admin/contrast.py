"""The WCAG contrast check of a theme's colours: the one implementation, which the edit page asks as you type
(through the settings check, ``widget.admin.preview.check_settings``)."""

from __future__ import annotations

from collections.abc import Mapping

from ..settings.colours import TransparentColourError, css_colour
from ..settings.kinds import HEX_COLOUR
from .settings_form import SettingsForm

AA_NORMAL_TEXT = 4.5
WHITE = "#ffffff"
#: The colour pairs the card draws: (foreground, background, what it is).
PAIRS = (
    ("text_color", "background_color", "Text on the card background"),
    ("accent_color", "background_color", "Links (accent colour) on the card background"),
    (WHITE, "accent_color", "White button text on the accent colour"),
)


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    """Return the WCAG relative luminance of ``#rgb`` or ``#rrggbb``."""
    digits = hex_colour.strip().lstrip("#")
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    r, g, b = (int(digits[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(first: str, second: str) -> float:
    """Return the WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def contrast_warnings(colours: Mapping[str, str]) -> list[str]:
    """Return one sentence per colour pair under the WCAG AA minimum of 4.5:1 (pairs not yet valid are skipped)."""
    warnings = []
    for fore, back, label in PAIRS:
        first = fore if fore.startswith("#") else str(colours.get(fore) or "").strip()
        second = str(colours.get(back) or "").strip()
        if not (HEX_COLOUR.match(first) and HEX_COLOUR.match(second)):
            continue
        ratio = contrast_ratio(first, second)
        if ratio < AA_NORMAL_TEXT:
            warnings.append(f"{label}: contrast {ratio:.1f}:1 is under the 4.5:1 that WCAG AA asks for; "
                            "some visitors will struggle to read it.")
    return warnings


def form_colours(form: SettingsForm) -> dict[str, str]:
    """Return the theme colours typed in the settings form, as hex where they are colours (see ``css_colour``)."""
    return {name: _as_hex(field.data or "") for name, field in form.theme.form._fields.items()
            if name.endswith("_color")}


def _as_hex(typed: str) -> str:
    try:
        return css_colour(typed) or typed
    except TransparentColourError:
        return typed
