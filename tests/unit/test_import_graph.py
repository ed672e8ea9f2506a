"""closedwon's modules import each other without a cycle, and in one direction only.

Every import counts, top-level and inside functions (``ast`` sees both), so a cycle cannot hide
behind a deferred import. Direction: handler -> steps -> core (events, deal, packages, mapping,
config, errors...) -> adapters (salesforce, netsuite); the core never imports an adapter or boto3.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "layers" / "shared" / "closedwon"
#: The modules of the functional core: pure, no I/O.
CORE = {
    "events",
    "deal",
    "packages",
    "mapping",
    "config",
    "errors",
    "countries",
    "settings",
    "salesforce_ids",
    "lifecycle",
    "amendment",
    "rules",
}
ADAPTERS = ("closedwon.salesforce", "closedwon.netsuite")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: frozenset[str] = frozenset()) -> set[str]:
    """Every module ``path`` imports, wherever the import statement is.

    ``from package import submodule`` is an edge to the submodule (when ``modules`` knows it);
    a module's own ancestor packages are not edges: Python imports them first, always.
    """
    found: set[str] = set()
    package = (
        module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    )
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], base]
                ).strip(".")
            submodules = {f"{base}.{a.name}" for a in node.names} & modules
            found.update(submodules)
            if len(submodules) < len(node.names):
                found.add(base)
    own = module_name(path)
    return {m for m in found if not own.startswith(f"{m}.")}


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    known = frozenset(modules)
    return {
        name: {m for m in imports_of(path, known) if m in modules and m != name}
        for name, path in modules.items()
    }


def test_the_graph_sees_imports_inside_functions() -> None:
    assert "closedwon.salesforce" in graph()["closedwon.container"]


def test_closedwon_has_no_import_cycle() -> None:
    edges = graph()
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for target in sorted(edges[node]):
            if state.get(target) == "open":
                cycle = [*path[path.index(target) :], target] if target in path else [node, target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target, [*path, target])
        state[node] = "done"

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])


def within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(f"{p}.") for p in packages)


def core_modules() -> list[Path]:
    packages = tuple(f"closedwon.{c}" for c in CORE)
    return sorted(p for p in PACKAGE.rglob("*.py") if within(module_name(p), packages))


@pytest.mark.parametrize("path", core_modules(), ids=module_name)
def test_the_core_imports_no_adapter_no_step_and_no_boto3(path: Path) -> None:
    above = (*ADAPTERS, "closedwon.steps", "closedwon.container", "closedwon.handler")
    forbidden = [
        m for m in imports_of(path) if within(m, above) or m.split(".")[0] in ("boto3", "botocore")
    ]
    assert forbidden == [], f"{module_name(path)} imports {forbidden}"


def test_steps_reach_clients_only_through_their_deps() -> None:
    for path in (PACKAGE / "steps").glob("*.py"):
        imported = imports_of(path)
        assert not {"closedwon.container", "closedwon.handler", "boto3"} & imported, path.name
