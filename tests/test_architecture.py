"""The tree stays readable: no import cycles, no module over 450 lines, and only the
top-level modules DESIGN.md's layout names (everything else lives in a package).

The import graph comes from `ast`, not from importing: every `import` and `from ...
import` at any depth (inside functions too, since a lazy import still ties two modules
together), relative imports resolved; only imports under `if TYPE_CHECKING:` are exempt,
because they never run.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "ftlint"
MAX_LINES = 450
#: DESIGN.md "Layout": the only modules allowed at the top of the package
TOP_LEVEL = frozenset(
    {
        "__init__",
        "__main__",
        "api",
        "model",
        "vocabulary",
        "hookspecs",
        "plugins",
        "rule",
        "testing",
        "errors",
        "atomic",
        "redact",
        "untrusted",  # untrusted values redacted and clipped where they enter the model
        "pointers",  # RFC 6901 pointers, re-exported by model (which has no room left)
    }
)
#: Modules over MAX_LINES that are being split right now (the rules/ category packages).
#: Empty this as they land; a module listed here that is short enough fails the test, so
#: the list cannot go stale.
PENDING_SPLIT: frozenset[str] = frozenset()


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the import nodes that run only under `if TYPE_CHECKING:`."""
    exempt: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.If):
            continue
        test = node.test
        name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", None)
        if name != "TYPE_CHECKING":
            continue
        for child in node.body:
            exempt.update(id(n) for n in ast.walk(child))
    return exempt


def _imports(name: str, path: Path, modules: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """(imported ftlint module, line) for every import in the module that can run."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    exempt = _type_checking_only(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def known(target: str) -> str | None:
        while target and target not in modules:
            target = target.rpartition(".")[0]  # `a.b.attr` -> the module `a.b`
        return target or None

    for node in ast.walk(tree):
        if id(node) in exempt:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("ftlint") and (hit := known(alias.name)):
                    yield hit, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if not source.startswith("ftlint"):
                continue
            for alias in node.names:  # `from pkg import submodule` imports the submodule
                hit = known(f"{source}.{alias.name}") if alias.name != "*" else known(source)
                if hit:
                    yield hit, node.lineno


def _graph() -> dict[str, dict[str, int]]:
    modules = _modules()
    graph: dict[str, dict[str, int]] = {name: {} for name in modules}
    for name, path in modules.items():
        for target, line in _imports(name, path, modules):
            if target != name:
                graph[name].setdefault(target, line)
    return graph


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One cycle (as a closed path) per strongly connected component (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_path_in(graph, set(c)) for c in components]


def _path_in(graph: dict[str, dict[str, int]], members: set[str]) -> list[str]:
    """A closed path through a strongly connected component, from its first module."""
    start = min(members)
    parents: dict[str, str] = {}
    frontier = [start]
    while frontier:  # breadth-first back to `start`: the shortest cycle through it
        nxt = []
        for node in frontier:
            for succ in sorted(graph[node]):
                if succ == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(parents[path[-1]])
                    return [*reversed(path), start]
                if succ in members and succ not in parents and succ != start:
                    parents[succ] = node
                    nxt.append(succ)
        frontier = nxt
    return sorted(members)


def test_the_graph_sees_lazy_relative_and_guarded_imports() -> None:
    """The walker itself: a function-level import counts, TYPE_CHECKING does not."""
    graph = _graph()
    assert "ftlint.gates.intervals" in graph["ftlint.gates.decide"]
    assert "ftlint.analysis.stats" in graph["ftlint.gates.intervals"]  # inside a function
    assert "ftlint.sources.wandb_runs" not in graph["ftlint.sources.hfjobs.draft"]  # TYPE_CHECKING


def test_no_import_cycles() -> None:
    graph = _graph()
    cycles = _cycles(graph)
    shown = [
        " -> ".join(f"{a} (line {graph[a][b]})" for a, b in itertools.pairwise(c)) + f" -> {c[-1]}"
        for c in cycles
    ]
    assert not cycles, "import cycles inside ftlint:\n  " + "\n  ".join(shown)


def test_no_module_over_the_line_limit() -> None:
    sizes = {name: len(path.read_text("utf-8").splitlines()) for name, path in _modules().items()}
    long = {name: n for name, n in sizes.items() if n > MAX_LINES and name not in PENDING_SPLIT}
    assert not long, f"modules over {MAX_LINES} lines (split them by responsibility): " + ", ".join(
        f"{name} ({n})" for name, n in sorted(long.items())
    )
    done = sorted(name for name in PENDING_SPLIT if sizes.get(name, 0) <= MAX_LINES)
    assert not done, f"split already: remove from PENDING_SPLIT: {', '.join(done)}"


def test_only_the_designed_top_level_modules() -> None:
    extra = sorted(path.stem for path in PACKAGE.glob("*.py") if path.stem not in TOP_LEVEL)
    assert not extra, (
        f"top-level modules outside DESIGN.md's layout: {', '.join(extra)}; "
        "move them into the package that uses them"
    )
