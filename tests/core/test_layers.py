"""The portal's layers, enforced (docs/architecture.md).

From the ground up: otop_portal (accounts, roles, notification and task plumbing) → producers →
partners (the directory: partners, channels, requirements) → matching (engine, results,
referrals) → the consumers at the top (the partner portal, the officer workspace, the producer's
pages) → the wiring (url confs, app configs and management commands: entry points that only
assemble). A module may import from its own layer and the layers below it, never from above,
and no modules import each other in a circle. Every import counts, the ones inside functions
too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("otop_portal", "producers", "partners", "matching")
LAYERS = ("ground", "producers", "partners", "matching", "consumers", "wiring")
APP_LAYER = {"otop_portal": "ground", "producers": "producers", "partners": "partners"}
APP_LAYER["matching"] = "matching"
# The consumers at the top: packages (and the one template library) that show what the layers
# below hold.
CONSUMERS = (
    "partners.portal",
    "partners.templatetags.saved_lists",
    "matching.officer",
    "producers.workspace",
)
WIRING_SUFFIXES = (".urls", ".api_urls", ".apps", ".wsgi", ".asgi")


def layer_of(module: str) -> str:
    if module.endswith(WIRING_SUFFIXES) or ".management.commands." in module:
        return "wiring"
    if any(module == c or module.startswith(c + ".") for c in CONSUMERS):
        return "consumers"
    return APP_LAYER[module.split(".")[0]]


def project_modules() -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(path: Path, modules: dict[str, Path]) -> set[tuple[str, int]]:
    """(module imported, line) for every import of a project module in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                target = _resolve(f"{node.module}.{alias.name}", modules)
                if target:
                    found.add((target, node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                target = _resolve(alias.name, modules)
                if target:
                    found.add((target, node.lineno))
    return found


def import_graph() -> dict[str, set[tuple[str, int]]]:
    modules = project_modules()
    return {
        name: {(t, line) for t, line in imports_of(path, modules) if t != name}
        for name, path in modules.items()
    }


def upward_imports(graph) -> list[str]:
    rank = {layer: i for i, layer in enumerate(LAYERS)}
    return sorted(
        f"{source}:{line} ({layer_of(source)}) imports {target} ({layer_of(target)})"
        for source, targets in graph.items()
        for target, line in targets
        if rank[layer_of(target)] > rank[layer_of(source)]
        or (layer_of(target) == "wiring" and not target.endswith((".urls", ".api_urls")))
    )


def cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    edges = {m: {t for t, _line in ts} for m, ts in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_from_a_layer_above_its_own():
    assert upward_imports(import_graph()) == []


def test_no_modules_import_each_other_in_a_circle():
    assert cycles(import_graph()) == []


def test_the_ground_imports_no_domain_app():
    """Not even its url conf or its commands: the root url conf names the apps' url confs as
    strings, and the apps register what the ground shows (notification kinds) themselves."""
    graph = import_graph()
    assert [
        f"{source} imports {target}"
        for source, targets in graph.items()
        if source.split(".")[0] == "otop_portal"
        for target, _line in targets
        if target.split(".")[0] != "otop_portal"
    ] == []


# The checks themselves must be able to fail: each is shown a small graph with the fault in it.


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("otop_portal.notifications", "matching.models"),
        ("producers.selectors", "matching.selectors"),
        ("partners.services", "matching.services"),
        ("matching.services", "partners.portal.feeds"),
        ("matching.selectors", "matching.officer.views"),
        ("partners.portal.views", "partners.urls"),
    ],
)
def test_an_upward_import_is_caught(source, target):
    assert upward_imports({source: {(target, 1)}, target: set()})


def test_a_circle_is_caught():
    graph = defaultdict(set)
    graph["matching.a"] = {("matching.b", 1)}
    graph["matching.b"] = {("matching.c", 1)}
    graph["matching.c"] = {("matching.a", 1)}
    assert cycles(graph) == [["matching.a", "matching.b", "matching.c"]]


def test_a_lazy_import_inside_a_function_counts(tmp_path):
    source = tmp_path / "mod.py"
    source.write_text("def f():\n    from matching.services import referral_transition\n")
    modules = {"matching.services": Path("matching/services.py")}
    assert imports_of(source, modules) == {("matching.services", 2)}
