"""The import graph points only down: CLI → demo → process → gateway → areas → wire/net → compiler.

Every `import` in every module counts, at module level or inside a function: a cycle hidden behind
a function-level import is still a cycle. Areas on the same layer (opa, upstream, redaction, audit)
do not import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = {"packgate": ROOT / "packgate", "packgate.compiler": ROOT / "compiler", "packgate.runtime": ROOT / "runtime"}

# (prefix, layer): the longest matching prefix wins; a module may import only lower layers and itself.
LAYERS = [
    ("packgate.cli", 7), ("packgate.__main__", 8), ("packgate", 0),
    ("packgate.runtime.demo", 6),
    ("packgate.runtime.process", 5),
    ("packgate.runtime.gateway", 4),
    ("packgate.runtime.review", 3.5),  # above audit (its chain and store), below the gateway that serves it
    ("packgate.runtime.opa", 3), ("packgate.runtime.upstream", 3), ("packgate.runtime.redaction", 3),
    ("packgate.runtime.safeguards", 3),
    ("packgate.runtime.audit", 3),
    ("packgate.runtime.wire", 2), ("packgate.runtime.net", 2),
    ("packgate.runtime", 1),
    ("packgate.compiler", 0),
]


def _area(module: str) -> tuple[str, int]:
    best = max((p for p, _ in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return best, dict(LAYERS)[best]


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for prefix, folder in SOURCES.items():
        for path in folder.rglob("*.py"):
            rel = path.relative_to(folder).with_suffix("").parts
            name = ".".join((prefix, *rel[:-1])) if rel[-1] == "__init__" else ".".join((prefix, *rel))
            if prefix == "packgate" and rel[0] not in ("cli", "__init__", "__main__"):
                continue
            found[name] = path
    return found


def _imports(name: str, tree: ast.AST, known: set[str], *, is_pkg: bool = False) -> set[str]:
    """Every project module `name` imports, wherever the import statement is in `tree`."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            targets = [mod] + [f"{mod}.{a.name}" for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name:
                out.add(t)
    return out


MODULES = _modules()
TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}
GRAPH = {name: _imports(name, TREES[name], set(MODULES), is_pkg=MODULES[name].name == "__init__.py")
         for name in MODULES}


def test_the_walk_sees_the_whole_package() -> None:
    assert {"packgate.cli", "packgate.compiler.build", "packgate.runtime.gateway.app",
            "packgate.runtime.redaction.engine", "packgate.runtime.audit.writer"} <= set(MODULES)
    assert "packgate.compiler.rego_literal" in GRAPH["packgate.compiler.testgen"]


def _violations(graph: dict[str, set[str]]) -> list[str]:
    wrong = []
    for src, targets in graph.items():
        area, layer = _area(src)
        for dst in targets:
            d_area, d_layer = _area(dst)
            if d_area != area and d_layer >= layer:
                wrong.append(f"{src} -> {dst}")
    return sorted(wrong)


def test_no_import_points_up_or_sideways() -> None:
    assert _violations(GRAPH) == []


def test_the_check_catches_a_function_level_upward_import() -> None:
    tree = ast.parse("def f():\n    from packgate.runtime.gateway import app\n    from ..opa import client\n")
    found = _imports("packgate.runtime.audit.writer", tree, set(MODULES))
    assert found == {"packgate.runtime.gateway", "packgate.runtime.gateway.app", "packgate.runtime.opa",
                     "packgate.runtime.opa.client"}
    assert _violations({"packgate.runtime.audit.writer": found}) == [
        "packgate.runtime.audit.writer -> packgate.runtime.gateway",
        "packgate.runtime.audit.writer -> packgate.runtime.gateway.app",
        "packgate.runtime.audit.writer -> packgate.runtime.opa",
        "packgate.runtime.audit.writer -> packgate.runtime.opa.client",
    ]


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in GRAPH.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return out


def _without_package_inits(cycle: list[str]) -> bool:
    """A package `__init__` re-exporting its own modules is not a cycle between modules."""
    graph = {v: {w for w in GRAPH[v] if w in cycle and not (w != v and v.startswith(w + "."))} for v in cycle}
    seen: set[str] = set()

    def reach(v: str, target: str) -> bool:
        for w in graph[v]:
            if w == target:
                return True
            if w not in seen:
                seen.add(w)
                if reach(w, target):
                    return True
        return False

    return any(reach(v, v) or seen.clear() for v in cycle)


def test_no_import_cycles() -> None:
    assert [c for c in _cycles() if _without_package_inits(c)] == []


def test_the_cycle_check_sees_a_cycle_behind_a_function_level_import(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = {k: set(v) for k, v in GRAPH.items()}
    graph["packgate.compiler.rego_literal"].add("packgate.compiler.testgen")  # testgen imports rego_literal
    monkeypatch.setattr(__import__(__name__, fromlist=["GRAPH"]), "GRAPH", graph)
    assert ["packgate.compiler.rego_literal", "packgate.compiler.testgen"] in _cycles()


def test_no_import_error_fallback_around_project_modules() -> None:
    """A missing project module must stop the process, never switch it to something weaker."""
    hits = []
    for name, tree in TREES.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Try) and any(
                isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                for h in node.handlers
            ) and _imports(name, ast.Module(body=node.body, type_ignores=[]), set(MODULES),
                           is_pkg=MODULES[name].name == "__init__.py"):
                hits.append(f"{name}:{node.lineno}")
    assert hits == []
    assert not (ROOT / "runtime" / "detect_fallback.py").exists()


def test_only_the_cli_imports_typer() -> None:
    users = {n for n, p in MODULES.items() if "import typer" in p.read_text(encoding="utf-8")}
    assert users and all(n.startswith("packgate.cli") for n in users)
