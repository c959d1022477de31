"""The package's shape: no import cycle anywhere, and no module too long to read in one go.

The layer rules themselves (public and admin independent, delivery below both, the state, schema,
models and settings at the bottom, with the URL and address parsers under the settings) are
import-linter contracts in ``.importlinter``, checked by ``lint-imports`` in ``make test``.
"""

from __future__ import annotations

from pathlib import Path

import grimp

PACKAGE = Path(__file__).resolve().parent.parent / "widget"
MAX_LINES = 300


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Return the import cycles (strongly connected groups of modules), Tarjan's way."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1 or graph.direct_import_exists(importer=module, imported=module):
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_in_widget_takes_part_in_an_import_cycle() -> None:
    graph = grimp.build_graph("widget", cache_dir=None)
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in (("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")):
        graph.add_import(importer=importer, imported=imported)
    assert _cycles(graph) == [["a", "b", "c"]]


def test_no_module_is_over_300_lines() -> None:
    lengths = {str(path.relative_to(PACKAGE.parent)): len(path.read_text().splitlines())
               for path in PACKAGE.rglob("*.py")}
    too_long = {path: lines for path, lines in lengths.items() if lines > MAX_LINES}
    assert too_long == {}
