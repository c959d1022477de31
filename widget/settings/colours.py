"""Read a colour as people type it: hex (with or without #), rgb(), hsl() or a CSS colour name.

Colours are stored as hex, the one form the card's CSS, the contrast check and the colour
picker all read. Transparency is refused: the card's text must stay readable on any page.
"""

from __future__ import annotations

import colorsys
import re

import webcolors

HEX = re.compile(r"^#?([0-9a-f]{3}|[0-9a-f]{6})$")
NUMBER = r"([+-]?(?:\d+\.?\d*|\.\d+))(%?)"
#: rgb(1, 2, 3), rgb(1 2 3), rgba(1, 2, 3, 0.5), rgb(1 2 3 / 50%), hsl(...) alike.
FUNCTION = re.compile(rf"^(rgba?|hsla?)\(\s*{NUMBER}(?:deg)?\s*[, ]\s*{NUMBER}\s*[, ]\s*{NUMBER}"
                      rf"(?:\s*[,/]\s*{NUMBER})?\s*\)$")


class TransparentColourError(ValueError):
    """The colour is (partly) see-through."""


def css_colour(text: str) -> str | None:
    """Return text as ``#rgb`` or ``#rrggbb`` (lower case), or None when it is no colour we read.

    Raise ``TransparentColourError`` for a colour with an alpha below 1 (``rgba(0, 0, 0, .5)``, ``transparent``).
    """
    value = text.strip().lower()
    if value == "transparent":
        raise TransparentColourError(value)
    hex_match = HEX.match(value)
    if hex_match:
        return "#" + hex_match.group(1)
    function = FUNCTION.match(value.replace(" ,", ",").replace(", ", ","))
    if function:
        return _from_function(function.groups())
    try:
        return webcolors.name_to_hex(value)
    except ValueError:
        return None


def _from_function(groups: tuple[str | None, ...]) -> str | None:
    name, *parts = groups
    numbers = [(float(parts[i]), parts[i + 1] == "%") for i in range(0, 8, 2) if parts[i] is not None]
    if len(numbers) == 4:
        alpha, percent = numbers.pop()
        if (alpha / 100 if percent else alpha) < 1:
            raise TransparentColourError(name)
    if str(name).startswith("rgb"):
        channels = [value * 2.55 if percent else value for value, percent in numbers]
        if not all(0 <= channel <= 255 for channel in channels):
            return None
    else:
        (hue, _), (saturation, s_percent), (lightness, l_percent) = numbers
        if not (s_percent and l_percent and 0 <= saturation <= 100 and 0 <= lightness <= 100):
            return None
        red, green, blue = colorsys.hls_to_rgb((hue % 360) / 360, lightness / 100, saturation / 100)
        channels = [red * 255, green * 255, blue * 255]
    return "#" + "".join(f"{round(channel):02x}" for channel in channels)
