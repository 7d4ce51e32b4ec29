"""The apps' import layers (issue 11, point 4; docs/architecture.md).

- ``core`` is the bottom layer: it imports no other Fugong app. What it needs from the apps
  above it (URLs, API routers, menu, home tiles, demo steps, the accounts hooks) they declare
  in ``fugong/core/registry.py``.
- ``accounts`` imports only core.
- ``stats`` imports only core and accounts; the domain apps register what it counts.
- The domain apps sit side by side above them: the app import graph has no cycle, so no two
  apps import each other, directly or through others.
- ``fugong.demo`` (the demo runner) and ``config`` (settings, the URL conf) are the top
  composition layer: they may import anything, and no app imports them.

Every import statement counts, including those inside functions (a lazy import does not
change the design, it only hides it), except in migrations (their imports are frozen
history). A second test imports every module of every app to prove each imports cleanly on
its own.
"""

from __future__ import annotations

import ast
import importlib
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "fugong"
# Top composition layer: may import every app, imported by none.
COMPOSITION = {"demo"}
# app -> the only apps it may import (None: any app, as long as there is no cycle).
ALLOWED = {
    "core": set(),
    "accounts": {"core"},
    "stats": {"core", "accounts"},
    "notifications": {"core", "accounts"},
}

# Known violations while issue 11 is under way: (importing app, imported app) -> why.
# Shrink to empty; a new entry needs a reason and an owner.
ALLOWLIST: dict[tuple[str, str], str] = {}


def apps() -> list[str]:
    return sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def modules(app: str) -> list[Path]:
    return sorted(
        path
        for path in (PACKAGE / app).rglob("*.py")
        if "migrations" not in path.relative_to(PACKAGE).parts
    )


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_apps(path: Path, known: set[str]) -> list[tuple[str, int]]:
    """(app, line) for every Fugong app one module imports, wherever the import stands."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "fugong":
                names = [f"fugong.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "fugong" and len(parts) > 1 and parts[1] in known:
                found.append((parts[1], node.lineno))
    return found


def import_graph() -> dict[tuple[str, str], list[str]]:
    """(importing app, imported app) -> where (path:line), for every pair of distinct apps."""
    known = set(apps())
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for app in known:
        for path in modules(app):
            for target, line in imported_apps(path, known):
                if target != app:
                    edges[(app, target)].append(f"{path.relative_to(ROOT)}:{line}")
    return edges


def find_cycle(edges: set[tuple[str, str]]) -> list[str] | None:
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_layers():
    edges = import_graph()
    wrong = {}
    for (src, dst), where in sorted(edges.items()):
        if (src, dst) in ALLOWLIST:
            continue
        if dst in COMPOSITION or (src in ALLOWED and dst not in ALLOWED[src]):
            wrong[(src, dst)] = where
    assert not wrong, "imports across layers:\n" + "\n".join(
        f"{src} -> {dst}: {', '.join(where)}" for (src, dst), where in wrong.items()
    )


def test_no_import_cycle_between_apps():
    edges = {
        pair for pair in import_graph() if pair not in ALLOWLIST and not (set(pair) & COMPOSITION)
    }
    cycle = find_cycle(edges)
    assert cycle is None, "apps import each other: " + " -> ".join(cycle)


def test_allowlist_is_still_needed():
    """An entry the code no longer needs is removed, so the list only shrinks."""
    stale = set(ALLOWLIST) - set(import_graph())
    assert not stale, f"remove from ALLOWLIST: {sorted(stale)}"


@pytest.mark.parametrize("name", [module_name(path) for app in apps() for path in modules(app)])
def test_module_imports_cleanly(name):
    importlib.import_module(name)
