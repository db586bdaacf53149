"""Load YAML safely and remember the line of every key, for `file:line` error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ftlint.errors import FtlintError
from ftlint.model import pointer as make_pointer


def load_yaml_with_lines(path: Path, text: str) -> tuple[Any, dict[str, int]]:
    """Parse YAML text with the safe loader; return (data, {json_pointer: line}).

    Duplicate keys, which PyYAML silently overwrites, are an error here: in a config
    file the second value silently winning is exactly the bug a user cannot see.
    PyYAML is imported here, not at start-up: a run without a YAML config never pays it.
    """
    import yaml

    # libyaml's parser when PyYAML was built with it (every wheel is): one parse into
    # nodes, which give both the lines and the data, ~15x faster than the pure-Python
    # parser parsing twice (a W&B config.yaml went from ~15 ms to ~1 ms)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _check_expansion(node, path)
        data = loader.construct_document(node) if node is not None else None
    except RecursionError:
        raise FtlintError("invalid YAML: nested too deeply", path) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise FtlintError(f"invalid YAML: {exc.problem or exc}", path, line) from None
    except yaml.YAMLError as exc:
        raise FtlintError(f"invalid YAML: {exc}", path) from None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    if node is not None:
        try:
            _walk(node, (), lines, path)
        except RecursionError:
            raise FtlintError("invalid YAML: nested too deeply", path) from None
    return data, lines


#: nodes a document may grow to when its aliases are expanded, beyond its own size: a
#: "billion laughs" document is refused here instead of hanging every walk over it
MAX_EXPANDED_NODES = 10_000


def _check_expansion(root: Any, path: Path) -> None:
    """Refuse a document whose aliases expand it past MAX_EXPANDED_NODES (or that refers
    to itself). Counted in linear time over the distinct nodes, without recursion."""
    sizes: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = node.value if isinstance(node.value, list) else []
        flat = [c for item in children for c in (item if isinstance(item, tuple) else (item,))]
        if done:
            active.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in flat)
            continue
        if key in sizes:
            continue
        if key in active:
            raise FtlintError("invalid YAML: an alias refers to its own anchor", path)
        active.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in flat if id(c) not in sizes)
    expanded = sizes[id(root)]
    if expanded > max(MAX_EXPANDED_NODES, len(sizes)):
        raise FtlintError(
            f"invalid YAML: aliases expand the document to {expanded:,} nodes "
            f"(limit {MAX_EXPANDED_NODES:,}); not read",
            path,
        )


def _walk(node: Any, at: tuple[str, ...], lines: dict[str, int], path: Path) -> None:
    import yaml

    lines.setdefault(make_pointer(*at), node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                raise FtlintError(f"duplicate key {key!r}", path, key_node.start_mark.line + 1)
            seen.add(key)
            lines[make_pointer(*at, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*at, key), lines, path)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[make_pointer(*at, str(i))] = item.start_mark.line + 1
            _walk(item, (*at, str(i)), lines, path)


def toml_lines(text: str, table: str) -> dict[str, int]:
    """Approximate {json_pointer: line} for keys under a TOML table like `tool.ftlint`.

    tomllib gives no positions; this maps `[tool.ftlint.x]` headers and `key =`
    lines, which is what error messages need to point a user at the right line.
    """
    lines: dict[str, int] = {}
    current: tuple[str, ...] | None = None
    prefix = table.split(".")
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("[") and not line.startswith("[["):
            name = line.strip("[]").strip()
            parts = [p.strip().strip('"') for p in name.split(".")]
            if parts[: len(prefix)] == prefix:
                current = tuple(parts[len(prefix) :])
                lines.setdefault(make_pointer(*current), number)
            else:
                current = None
        elif current is not None and "=" in line and not line.startswith("#"):
            key = line.split("=", 1)[0].strip().strip('"')
            lines.setdefault(make_pointer(*current, key), number)
    return lines
