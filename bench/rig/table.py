"""Print a benchmark's result as a Markdown table (it pastes straight into the README)."""

from __future__ import annotations

import os


def print_table(header: list[str], rows: list[list[str]], right: set[int] | None = None) -> None:
    """Print header and rows as a Markdown table; columns in ``right`` are right-aligned."""
    right = right or set()
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths, strict=True))) + " |"

    print(line(header))
    print("| " + " | ".join(("-" * (w - 1) + ":") if i in right else "-" * w for i, w in enumerate(widths)) + " |")
    for row in rows:
        print(line(row))


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def machine_load() -> str:
    """Describe how busy the machine is now, to print beside figures that depend on it."""
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
