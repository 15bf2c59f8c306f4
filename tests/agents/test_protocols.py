"""The engine's module structure (issue 11): the engine modules import each other without a circle,
and know no task kind and no CLI; every protocol lives in agents.protocols with `ctx` first.

Imports are read with `ast`, not by importing: a module-level import (also inside a module-level
`try`/`if`, or a class body) counts; one under `if TYPE_CHECKING:` or inside a function does not
count for the circle (it runs later, or never). Importing `a.b.c` also runs `a.b`'s `__init__`, so
that edge counts too.
"""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENGINE_TOP = ("state", "protocols", "context", "stage", "graph", "controllers", "verifiers", "calls", "runtime",
              "trajectory", "errors")
TASK_KINDS = ("agents.swe", "agents.humaneval", "agents.web", "agents.gui")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def engine_modules() -> dict[str, Path]:
    files = [ROOT / "agents" / f"{m}.py" for m in ENGINE_TOP] + sorted((ROOT / "agents" / "strategies").glob("*.py"))
    return {module_name(f): f for f in files if f.exists()}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(source: str, module: str, *, is_package: bool = False, module_level: bool = True) -> set[str]:
    """Modules `source` imports (with `module_level`: only those that run when it is imported)."""
    found: set[str] = set()

    def visit(stmts: list[ast.stmt]) -> None:
        for node in stmts:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(node, module, is_package)
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in node.names)  # kept if it is a module
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if not module_level:
                    visit(node.body)
            elif isinstance(node, ast.If) and _is_type_checking(node.test):
                if not module_level:
                    visit(node.body)
                visit(node.orelse)
            else:
                for field in ("body", "orelse", "finalbody", "handlers"):
                    visit([s for s in getattr(node, field, []) or [] if isinstance(s, ast.AST)])
                if isinstance(node, ast.ExceptHandler):
                    visit(node.body)

    visit(ast.parse(source).body)
    return found


def with_parents(names: set[str]) -> set[str]:
    out = set(names)
    for name in names:
        parts = name.split(".")
        out.update(".".join(parts[:i]) for i in range(2, len(parts)))  # not `agents` itself (lazy __init__)
    return out


def graph_of(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Edges among `modules`. A submodule's own package is not an edge: it is already being imported
    (a package `__init__` that imports its submodules is no circle)."""
    graph = {}
    for m, p in modules.items():
        targets = with_parents(imports_of(p.read_text(), m, is_package=p.name == "__init__.py")) & set(modules)
        graph[m] = {t for t in targets if t != m and not m.startswith(t + ".")}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := dfs(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := dfs(node)):
            return cycle
    return None


def test_the_checker_sees_circles_and_ignores_type_checking_imports():
    a = "from x.b import f\nif TYPE_CHECKING:\n    from x.c import C\ndef g():\n    from x.c import D\n"
    assert imports_of(a, "x.a") >= {"x.b"} and "x.c" not in imports_of(a, "x.a")
    assert "x.c" in imports_of(a, "x.a", module_level=False)
    assert imports_of("from . import sib\nfrom .pkg import y\n", "x.p.m") >= {"x.p", "x.p.sib", "x.p.pkg"}
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    # importing a sibling runs the package __init__; from outside the package that is an edge
    assert with_parents({"x.pkg.mod"}) == {"x.pkg.mod", "x.pkg"}
    assert _forbidden("agents.swe.patch") and _forbidden("agents.cli_bench") and _forbidden("agents.gui")
    assert not _forbidden("agents.sweep") and not _forbidden("agents.state")


def test_engine_module_set_is_complete():
    mods = engine_modules()
    for top in ENGINE_TOP:
        assert f"agents.{top}" in mods
    assert "agents.strategies" in mods and "agents.strategies.base" in mods


def test_no_import_circle_among_engine_modules():
    graph = graph_of(engine_modules())
    assert any(graph.values()), "the engine modules import each other; an empty graph means the parser broke"
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


def _all_project_modules() -> dict[str, Path]:
    out = {}
    for top in ("agents", "budgets", "sandboxes", "tools"):
        for f in sorted((ROOT / top).rglob("*.py")):
            out[module_name(f)] = f
    return out


def _forbidden(name: str) -> bool:
    """A task kind's package or module, or the CLI layer (agents.cli, agents.cli_*)."""
    return any(name == k or name.startswith(k + ".") for k in TASK_KINDS) or name.startswith("agents.cli")


@pytest.mark.parametrize("module", sorted(engine_modules()))
def test_engine_module_imports_no_task_kind_and_no_cli(module):
    path = engine_modules()[module]
    anywhere = imports_of(path.read_text(), module, is_package=path.name == "__init__.py", module_level=False)
    bad = sorted(n for n in anywhere if _forbidden(n))
    assert not bad, f"{module} imports {bad}"
    # nor through another module of the project, at import time
    project = _all_project_modules()
    seen, todo = set(), [module]
    while todo:
        m = todo.pop()
        if m in seen or m not in project:
            continue
        seen.add(m)
        p = project[m]
        todo.extend(with_parents(imports_of(p.read_text(), m, is_package=p.name == "__init__.py")))
    reached = sorted(m for m in seen if _forbidden(m))
    assert not reached, f"importing {module} imports {reached}"


def test_every_protocol_is_in_protocols_with_ctx_first():
    from agents import protocols

    for name in ("StageHooks", "Verifier", "Aggregator", "Strategy", "Controller"):
        proto = getattr(protocols, name)
        methods = [m for m, f in vars(proto).items() if inspect.isfunction(f) and not m.startswith("_")]
        assert methods, name
        for m in methods:
            params = list(inspect.signature(getattr(proto, m)).parameters)
            assert params[:2] == ["self", "ctx"], f"{name}.{m}{params}"


def test_no_module_outside_the_cli_layer_imports_it():
    """Pipelines, the runner, models, sandboxes and budgets never import agents.cli* (not even inside a
    function): the CLI is a layer on top, so a library user gets no typer and no CLI side effects."""
    bad = {}
    for name, path in _all_project_modules().items():
        if name.startswith("agents.cli"):
            continue
        found = {n for n in imports_of(path.read_text(), name, is_package=path.name == "__init__.py",
                                       module_level=False) if n.startswith("agents.cli")}
        if found:
            bad[name] = sorted(found)
    assert not bad, f"modules that import the CLI layer: {bad}"
