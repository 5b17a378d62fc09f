"""Imports run one way, from the framework up: core first, then envs and wrappers, agents, testing,
bench last.

Every module of ``utility_gym/``, ``envs/`` and ``agents/`` is read as source (its AST, so
imports inside functions count too) and each import of ``utility_gym.*`` is checked against
the layer rules below. Module-level imports must also form no cycle. CONTRIBUTING.md
("Import layers") says why; a failure names the module, the import and the rule it breaks.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Where each import name lives in the repository (setup.py maps envs/ and agents/).
FOLDERS = {"utility_gym": ROOT / "utility_gym", "utility_gym.envs": ROOT / "envs",
           "utility_gym.agents": ROOT / "agents"}  # fmt: skip

# Modules that build a domain's world or hold its hidden data: an agent reading them would have
# privileged access (web_shop's catalog is its product database; ticketing's is vocabularies).
WORLD_BUILDING = {"generator", "schema", "web_shop.catalog"}

# stdlib internals that may change in any Python release.
PRIVATE_STDLIB = ("sre_parse", "sre_compile", "sre_constants")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module (or the package a name is imported from)
    line: int
    top_level: bool  # runs when the module is imported (not inside a function)


def _module_files() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for package, folder in FOLDERS.items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if "__pycache__" in parts:
                continue
            if package == "utility_gym" and parts[0] in ("envs", "agents"):
                continue
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join([package, *parts])] = path
    return modules


MODULES = _module_files()


def _imports(module: str, path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[Import] = []
    is_package = path.name == "__init__.py"

    def visit(node: ast.AST, top: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            return  # annotations only
        if isinstance(node, ast.Import):
            found.extend(Import(module, a.name, node.lineno, top) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, is_package, node.level, node.module)
            for alias in node.names:
                # ``from pkg import sub`` imports the submodule pkg.sub when there is one.
                sub = f"{base}.{alias.name}"
                found.append(Import(module, sub if sub in MODULES else base, node.lineno, top))
                if alias.name.startswith("_") and not base.startswith("utility_gym"):
                    found.append(Import(module, sub, node.lineno, top))  # from re import _parser
        inner = top and not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, True)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _absolute(module: str, is_package: bool, level: int, name: str | None) -> str:
    if level == 0:
        return name or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)


ALL_IMPORTS = [imp for module, path in MODULES.items() for imp in _imports(module, path)]


def _layer(module: str) -> str:
    """core, envs, wrappers, agents, testing, bench, or root (the package's own top files)."""
    parts = module.split(".")
    if len(parts) == 1:
        return "root"
    return "root" if parts[1] == "registration" else parts[1]


def _domain(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "envs" else None


def _in_domain_name(module: str) -> str:
    """``generator`` for utility_gym.envs.web_shop.generator; ``web_shop.catalog`` for the
    web shop's catalog (the only catalog that is a database)."""
    parts = module.split(".")
    rest = parts[3:]
    name = ".".join(rest)
    return f"{parts[2]}.{name}" if f"{parts[2]}.{name}" in WORLD_BUILDING else name


def wrong_way(imp: Import) -> str | None:
    """The rule ``imp`` breaks, or None."""
    src, dst = imp.module, imp.target
    if not dst.startswith("utility_gym"):
        return None
    layer, target = _layer(src), _layer(dst)
    if target == layer == "envs" and _domain(src) != _domain(dst) and _domain(dst):
        return "a domain imports only core and its own folder"
    allowed = {
        "root": {"root", "core"},
        "core": {"core"},
        "envs": {"core", "envs"},
        "wrappers": {"core", "wrappers"},
        "agents": {"core", "wrappers", "agents", "envs"},
        "testing": {"core", "envs", "agents", "wrappers", "testing", "root"},
        # datasets made from runs (Minari, chat JSONL): on top of agents, below bench
        "data": {"core", "envs", "agents", "wrappers", "data"},
        "bench": {"core", "envs", "agents", "wrappers", "testing", "data", "bench", "root"},
    }[layer]
    if target not in allowed:
        return f"{layer} may import only {', '.join(sorted(allowed))}, not {target}"
    if layer == "agents" and target == "envs" and _in_domain_name(dst) in WORLD_BUILDING:
        return "an agent has no privileged access: it reads no domain's world-building module"
    if layer == "envs" and src.split(".")[-1] == "tools" and dst.split(".")[-1] == "generator":
        return "a domain's tools share constants with the generator through constants.py"
    return None


def test_every_module_is_read() -> None:
    for name in ("utility_gym.core.env", "utility_gym.envs.web_shop.catalog",
                 "utility_gym.agents.memory", "utility_gym.bench.cli"):  # fmt: skip
        assert name in MODULES
    assert len(ALL_IMPORTS) > 200


def test_imports_run_one_way() -> None:
    broken = sorted(
        {
            f"{imp.module} (line {imp.line}) imports {imp.target}: {rule}"
            for imp in ALL_IMPORTS
            if (rule := wrong_way(imp))
        }
    )
    assert broken == [], "\n".join(broken)


def test_no_private_stdlib_modules() -> None:
    private = [
        f"{imp.module} (line {imp.line}) imports {imp.target}"
        for imp in ALL_IMPORTS
        if imp.target.split(".")[0] in sys.stdlib_module_names
        and (
            imp.target.startswith(PRIVATE_STDLIB)
            or any(p.startswith("_") for p in imp.target.split(".")[1:])
        )
    ]
    assert private == [], "\n".join(private)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(edges.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def module_graph(deferred: bool = False) -> dict[str, set[str]]:
    """Imports between the package's modules: module-level ones (what runs at import time), and
    with ``deferred`` the ones inside functions too."""
    edges: dict[str, set[str]] = {module: set() for module in MODULES}
    for imp in ALL_IMPORTS:
        if (imp.top_level or deferred) and imp.target in MODULES and imp.target != imp.module:
            edges[imp.module].add(imp.target)
    return edges


def test_no_import_cycles() -> None:
    assert _cycles(module_graph()) == []


def test_no_cycles_through_deferred_imports_below_bench() -> None:
    # An import inside a function hides a cycle from Python, not from a reader: two modules that
    # need each other are one job split in two (web_shop's catalog and generator were).
    graph = module_graph(deferred=True)
    below = {
        m: {t for t in ts if _layer(t) != "bench"}
        for m, ts in graph.items()
        if _layer(m) != "bench"
    }
    assert _cycles(below) == []


@pytest.mark.parametrize(
    ("module", "target", "rule"),
    [
        ("utility_gym.core.tasks", "utility_gym.envs.ticketing.tasks", "core may import only core"),
        ("utility_gym.core.env", "utility_gym.wrappers.numeric", "core may import only core"),
        ("utility_gym.envs.ticketing.tasks", "utility_gym.envs.web_shop.vocab", "own folder"),
        (
            "utility_gym.envs.ticketing.tools",
            "utility_gym.envs.ticketing.generator",
            "constants.py",
        ),
        ("utility_gym.envs.web_shop.env", "utility_gym.agents.oracle", "envs may import only"),
        ("utility_gym.agents.memory", "utility_gym.bench.agents", "agents may import only"),
        ("utility_gym.agents.x", "utility_gym.envs.web_shop.generator", "privileged"),
        ("utility_gym.agents.x", "utility_gym.envs.web_shop.catalog", "privileged"),
        ("utility_gym.agents.x", "utility_gym.envs.customer_service.schema", "privileged"),
        ("utility_gym.wrappers.numeric", "utility_gym.agents.base", "wrappers may import only"),
        ("utility_gym.testing.api_test", "utility_gym.bench.runner", "testing may import only"),
    ],
)
def test_a_wrong_way_import_is_caught(module: str, target: str, rule: str) -> None:
    assert rule in (wrong_way(Import(module, target, 1, True)) or "")


@pytest.mark.parametrize(
    ("module", "target"),
    [
        ("utility_gym.agents.heuristic_web_shop", "utility_gym.envs.web_shop.vocab"),
        ("utility_gym.agents.random_agent", "utility_gym.wrappers.admissible"),
        ("utility_gym.agents.x", "utility_gym.envs.ticketing.catalog"),  # vocabularies, public
        ("utility_gym.bench.cli", "utility_gym.envs.web_shop.site.server"),
        ("utility_gym.testing.validity", "utility_gym.agents.oracle"),
        ("utility_gym.envs.ticketing.tasks", "utility_gym.envs.ticketing.generator"),
    ],
)
def test_a_right_way_import_passes(module: str, target: str) -> None:
    assert wrong_way(Import(module, target, 1, True)) is None


def test_a_cycle_is_found() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(edges) == [["a", "b", "c"]]
