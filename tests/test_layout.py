"""The house: every module's imports of the package run one way, with no circle and no private
name of another module.

The order below is the data's path: files -> tidy tables -> results -> published results ->
evidence files -> words, charts and pages -> batch -> command line. A module may import from
its own room and from rooms before it, never from a room after it; inside a room, the imports
must not form a circle. Imports inside functions count too: a lazy import is still an arrow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import wres_tools

PACKAGE = Path(wres_tools.__file__).parent

#: Rooms in the order the data flows through them; a module's room is the first that matches.
ROOMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundation", ("wres_tools", "wres_tools.paths", "wres_tools.files", "wres_tools.contract",
                    "wres_tools.ethnicity", "wres_tools.regions", "wres_tools.bands",
                    "wres_tools.sfc_bands",
                    "wres_tools.inputkey", "wres_tools.parameters")),
    ("returns", ("wres_tools.returns",)),
    ("analysis", ("wres_tools.statistics", "wres_tools.metrics", "wres_tools.trends",
                  "wres_tools.disclosure", "wres_tools.actions")),
    ("demo", ("wres_tools.demo",)),
    ("publish", ("wres_tools.publish", "wres_tools.computed", "wres_tools.funnel",
                 "wres_tools.benchmarking", "wres_tools.national")),
    ("evidence", ("wres_tools.evidence",)),
    ("reporting", ("wres_tools.reporting",)),
    ("batch", ("wres_tools.batch",)),
    ("command line", ("wres_tools.cli",)),
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def room(module: str) -> int:
    for rank, (_, prefixes) in enumerate(ROOMS):
        if any(module == p or module.startswith(p + ".") for p in prefixes if p != "wres_tools"):
            return rank
    if module == "wres_tools":
        return 0
    raise AssertionError(f"{module} is in no room of tests/test_layout.py: ROOMS")


def imports(module: str) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for every import of the package."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.split(".")[0] == "wres_tools":
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                if sub in MODULES:  # from wres_tools.reporting import report
                    out.append((sub, [], node.lineno))
                else:
                    out.append((node.module, [alias.name], node.lineno))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "wres_tools":
                    out.append((alias.name, [], node.lineno))
    return out


GRAPH = {m: sorted({target for target, _, _ in imports(m) if target != m}) for m in MODULES}


def test_every_module_is_in_a_room() -> None:
    for module in MODULES:
        room(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_from_later_rooms_to_earlier_ones(module: str) -> None:
    wrong = [f"line {line}: {target} ({ROOMS[room(target)][0]})"
             for target, _, line in imports(module) if room(target) > room(module)]
    assert not wrong, f"{module} ({ROOMS[room(module)][0]}) imports from a later room: {wrong}"


def test_no_import_circle() -> None:
    state: dict[str, int] = {}  # 1 on the path, 2 done
    circles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in GRAPH.get(module, []):
            if target not in MODULES:
                continue
            if state.get(target) == 1:
                circles.append([*path[path.index(target):], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in MODULES:
        if module not in state:
            visit(module, [module])
    assert not circles, f"import circles: {circles}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_takes_a_private_name_of_another(module: str) -> None:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    modules_imported = {alias.asname or alias.name
                        for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                        and node.module and node.module.startswith("wres_tools")
                        for alias in node.names
                        if f"{node.module}.{alias.name}" in MODULES}
    private = [f"line {line}: {target}.{name}" for target, names, line in imports(module)
               for name in names if name.startswith("_") and not name.startswith("__")]
    private += [f"line {node.lineno}: {node.value.id}.{node.attr}"
                for node in ast.walk(tree)
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in modules_imported and node.attr.startswith("_")
                and not node.attr.startswith("__")]
    assert not private, f"{module} uses private names of other modules: {private}"


def test_the_layout_named_in_the_readme_is_the_packages() -> None:
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("### The package, in the order the data flows"):]
    rows = {line.split("|")[1].strip(" `"): line for line in layout.splitlines()
            if line.startswith("| ")}
    for module in MODULES:
        parts = module.split(".")[1:]
        if MODULES[module].name == "__init__.py":
            continue
        row = next((line for room_name, line in rows.items()
                    if len(parts) > 1 and room_name == f"{parts[0]}/"), None)
        where = row if row is not None else layout
        assert f"`{parts[-1]}.py`" in where, f"README.md's layout does not name {module}"
