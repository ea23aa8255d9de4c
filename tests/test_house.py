"""The house's walls (issue 13): which room of graphtool may import which.

Rooms are graphtool's top-level modules and subpackages (``store``, ``load``, ``analyze``,
``render``, ``demo``, ``cli``, ``model``, ``values``, ...).  Every import in graphtool/ is read
with :mod:`ast` (imports inside functions included: a lazy import is still an arrow).
Forbidden: ``load -> analyze``, ``analyze -> render``, ``store -> anything above it``, and any
circle between rooms.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "graphtool"
# What the store may use: the rooms below it.  Everything else is above it.
BELOW_STORE = {"store", "errors", "values", "model"}
FORBIDDEN = {("load", "analyze"), ("analyze", "render"),
             ("analyze", "scale"), ("load", "scale")}  # scale runs the engines on Spark; they never know it


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Absolute names of the graphtool modules ``path`` imports."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            found |= {f"{prefix}.{a.name}" for a in node.names} | {prefix}
    return {name for name in found if name == "graphtool" or name.startswith("graphtool.")}


def _room(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else None


def room_arrows() -> dict[tuple[str, str], list[str]]:
    """(from room, to room) -> the files that make that arrow."""
    arrows: dict[tuple[str, str], list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _room(_module_name(path))
        for name in _imports(path):
            target = _room(name)
            if source and target and target != source and ((PACKAGE / target).is_dir() or (PACKAGE / f"{target}.py").is_file()):
                arrows.setdefault((source, target), []).append(str(path.relative_to(PACKAGE.parent)))
    return arrows


def _cycles(arrows) -> list[list[str]]:
    graph: dict[str, set[str]] = {}
    for a, b in arrows:
        graph.setdefault(a, set()).add(b)
    cycles, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def test_the_reader_sees_the_rooms():
    arrows = room_arrows()
    assert ("cli", "store") in arrows and ("analyze", "model") in arrows  # the test can see arrows at all
    assert _cycles({("a", "b"): [], ("b", "c"): [], ("c", "a"): []}) == [["a", "b", "c", "a"]]


def test_no_forbidden_arrow():
    arrows = room_arrows()
    bad = {arrow: files for arrow, files in arrows.items() if arrow in FORBIDDEN}
    bad |= {(a, b): files for (a, b), files in arrows.items() if a == "store" and b not in BELOW_STORE}
    assert not bad, "\n".join(f"{a} -> {b}: {', '.join(sorted(set(files)))}" for (a, b), files in sorted(bad.items()))


def test_no_circle_between_rooms():
    arrows = room_arrows()
    cycles = _cycles(arrows)
    assert not cycles, "\n".join(" -> ".join(c) + ": " + "; ".join(
        f"{a}->{b} in {', '.join(sorted(set(arrows[(a, b)])))}" for a, b in zip(c, c[1:])) for c in cycles)


def test_only_scale_imports_pyspark():
    """pyspark is optional (graphtool[spark]): only graphtool/scale may import it, and only lazily."""
    users = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and not n.level}
        top = {n.module or "" for n in tree.body if isinstance(n, ast.ImportFrom)} | {
            a.name for n in tree.body if isinstance(n, ast.Import) for a in n.names}
        if any(name.split(".")[0] == "pyspark" for name in names):
            users.append(str(path.relative_to(PACKAGE.parent)))
            assert not any(name.split(".")[0] == "pyspark" for name in top), f"{path}: pyspark at module level"
    assert users and all(u.startswith("graphtool/scale/") for u in users), users
