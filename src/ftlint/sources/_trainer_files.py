"""Shared pieces of the `hf_trainer` and `llamafactory` adapters: safe file checks,
value and series collectors, and the bounded YAML reader for training args.

Both stacks write the same HF Trainer files (LLaMA-Factory runs on the HF Trainer), so
the readers live here once; `_trainer_log` reads `trainer_state.json` with them.
"""

from __future__ import annotations

import math
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ftlint.model import Evidence, Point, Problem
from ftlint.sources.base import Value
from ftlint.sources.io import JsonlLine, Workspace, iter_jsonl, read_capped, read_json

#: the first bytes of a Git LFS pointer: the file was committed, its content not fetched
LFS_PREFIX = b"version https://git-lfs.github.com/spec/"
#: training-args YAMLs are a few kB; anything this large is not one
MAX_YAML_BYTES = 256 * 1024
#: nodes after alias expansion: a "billion laughs" document stops here, never hangs
MAX_YAML_NODES = 10_000
#: top-level keys that mark a YAML as LLaMA-Factory-style training args
ARGS_MARKER = re.compile(rb"^(model_name_or_path|finetuning_type|stage)[ \t]*:", re.M)
#: args keys that are provenance (DESIGN.md names), read from YAML or JSON args
PROVENANCE_KEYS = {
    "model_name_or_path": "base_model",
    "base_model_name_or_path": "base_model",
    "adapter_name_or_path": "adapter",
    "hub_model_id": "adapter",
    "eval_dataset": "eval_path",
}
#: args keys gathered into one `decoding` provenance value
DECODING_KEYS = (
    "do_sample",
    "temperature",
    "top_p",
    "top_k",
    "num_beams",
    "max_new_tokens",
    "repetition_penalty",
)


def check_file(ws: Workspace, path: Path, run: str | None) -> Problem | None:
    """None when `path` is a regular file inside the workspace with real content.

    Opened non-blocking, so a FIFO named like an artifact never hangs the linter; a
    Git LFS pointer (common in public repos) is reported, not parsed as bad JSON.
    """
    ev = Evidence(ws.rel(path))
    if not ws.inside(path):
        return Problem("unsafe-path", "resolves outside the workspace; not read", ev, run)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return Problem("missing", "file not found", ev, run)
    except IsADirectoryError:
        return Problem("missing", "is a directory, expected a file", ev, run)
    except OSError as exc:
        return Problem("missing", f"cannot read: {exc.strerror}", ev, run)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            return Problem("missing", "is a directory, expected a file", ev, run)
        if not stat.S_ISREG(mode):
            return Problem(
                "invalid", "not a regular file (FIFO, socket or device); not read", ev, run
            )
        head = os.read(fd, len(LFS_PREFIX))
    except OSError as exc:
        return Problem("missing", f"cannot read: {exc.strerror}", ev, run)
    finally:
        os.close(fd)
    if head.startswith(LFS_PREFIX):
        return Problem(
            "missing", "is a Git LFS pointer, the content was not fetched (git lfs pull)", ev, run
        )
    return None


def load_json(ws: Workspace, path: Path, run: str | None) -> tuple[Any, list[Problem]]:
    """`read_json`, also for the inputs `json.loads` raises other errors on: nesting
    deeper than the recursion limit, integers of over 4,300 digits."""
    try:
        return read_json(ws, path, run)
    except (RecursionError, ValueError) as exc:
        what = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:120]
        return None, [Problem("malformed", f"invalid JSON: {what}", Evidence(ws.rel(path)), run)]


def stream_jsonl(
    ws: Workspace, path: Path, *, max_line_bytes: int, run: str | None
) -> Iterator[JsonlLine]:
    """`iter_jsonl`, ended by a Problem (not an exception) on a line nested deeper than
    the recursion limit; the lines after it cannot be read past the failed generator."""
    line = 0
    try:
        for item in iter_jsonl(ws, path, max_line_bytes=max_line_bytes, run=run):
            line = item.line or line
            yield item
    except RecursionError:
        msg = "nested too deeply to parse; the rest of the file was not read"
        yield JsonlLine(
            line + 1, problem=Problem("malformed", msg, Evidence(ws.rel(path), line + 1), run)
        )


def number(value: Any) -> float | None:
    """A JSON number as float (NaN and inf kept: a diverged loss is evidence), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return float(value)
    except OverflowError:
        return None


def step_of(value: Any) -> float | int | None:
    """A usable step: a finite, non-negative number (ints stay ints)."""
    num = number(value)
    if num is None or not math.isfinite(num) or num < 0:
        return None
    return int(num) if num.is_integer() else num


def same(a: Any, b: Any) -> bool:
    """Equal as logged values: numbers within float noise, NaN equal to NaN."""
    x, y = number(a), number(b)
    if x is not None and y is not None:
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        return math.isclose(x, y, rel_tol=1e-6, abs_tol=1e-12)
    return bool(a == b)


class Collector:
    """Values by key for one record: the first source read wins, and a later source
    stating a different value is an `inconsistent` Problem (both are cited)."""

    def __init__(self, run: str) -> None:
        self.run = run
        self._items: dict[str, Value] = {}
        self.problems: list[Problem] = []

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def get(self, key: str) -> Any:
        item = self._items.get(key)
        return item.value if item is not None else None

    def add(self, key: str, value: Any, evidence: Evidence) -> None:
        old = self._items.get(key)
        if old is None:
            self._items[key] = Value(key, value, evidence)
        elif not same(old.value, value):
            self.problems.append(
                Problem(
                    "inconsistent",
                    f"{key} = {_short(value)} here but {_short(old.value)} in "
                    f"{old.evidence.location()}; kept the latter",
                    evidence,
                    self.run,
                )
            )

    def values(self) -> tuple[Value, ...]:
        return tuple(self._items.values())


class SeriesBuilder:
    """Curves by the stack's own key. A repeated step keeps the last value logged. A
    repeat with another value is an `inconsistent` Problem (a resumed run rewrote its
    history); a repeat with the same value is the same measurement logged twice (`epoch`
    on the train and the eval entry of one step) and says nothing."""

    def __init__(self, run: str) -> None:
        self.run = run
        self._points: dict[str, dict[float, Point]] = {}
        self._conflict: dict[str, tuple[float, Point, Point, int]] = {}

    def keys(self) -> set[str]:
        return set(self._points)

    def add(self, key: str, step: float, value: float, evidence: Evidence) -> None:
        points = self._points.setdefault(key, {})
        old = points.get(step)
        new = Point(step, value, evidence)
        if old is not None and not same(old.value, value):
            first = self._conflict.get(key)
            if first is None:
                self._conflict[key] = (step, old, new, 1)
            else:
                self._conflict[key] = (*first[:3], first[3] + 1)
        points[step] = new

    def build(self) -> tuple[dict[str, tuple[Point, ...]], list[Problem]]:
        series = {k: tuple(v[s] for s in sorted(v)) for k, v in sorted(self._points.items())}
        problems = []
        for key, (step, old, new, count) in sorted(self._conflict.items()):
            more = f" ({count - 1} more such steps)" if count > 1 else ""
            msg = (
                f"{key!r} logged step {step:g} again with another value ({_short(old.value)} "
                f"at {old.evidence.location()}, then {_short(new.value)}); kept the last{more}"
            )
            problems.append(Problem("inconsistent", msg, new.evidence, self.run))
        return series, problems


@dataclass
class Parts:
    """What the readers gather for one run folder before it becomes a `RunRecord`."""

    run: str
    values: Collector = field(init=False)
    settings: Collector = field(init=False)
    series: SeriesBuilder = field(init=False)
    provenance: list[Value] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    joins: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.values = Collector(self.run)
        self.settings = Collector(self.run)
        self.series = SeriesBuilder(self.run)

    def provenance_add(self, key: str, value: Any, evidence: Evidence) -> None:
        if not any(p.key == key and p.value == value for p in self.provenance):
            self.provenance.append(Value(key, value, evidence))

    def read(self, rel: str) -> None:
        if rel not in self.files:
            self.files.append(rel)


def jsonable(value: Any, depth: int = 0) -> Any:
    """YAML values as JSON values (timestamps as ISO text, sets as lists), bounded."""
    if depth > 64:
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v, depth + 1) for v in value]
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def yaml_args(
    ws: Workspace, path: Path, run: str, *, required: bool
) -> tuple[dict[str, Any] | None, dict[str, int], list[Problem]]:
    """Read a training-args YAML: (top-level mapping, line of each key, problems).

    `required` is True for `training_args.yaml` (LLaMA-Factory wrote it, so a bad one is
    reported); any other YAML is read only when a top-level args key marks it, so an
    unrelated config in the folder is neither parsed nor reported. Loaded with PyYAML's
    safe loader (compose, then construct: what `yaml.safe_load` does) after counting the
    composed nodes with aliases expanded, so an alias bomb is a Problem, not a hang.
    """
    rel = ws.rel(path)
    bad = check_file(ws, path, run)
    if bad is not None:
        return None, {}, [bad] if required else []
    try:
        with path.open("rb") as handle:
            raw = read_capped(handle, MAX_YAML_BYTES)
    except OSError as exc:
        return None, {}, [Problem("missing", f"cannot read: {exc.strerror}", Evidence(rel), run)]
    marked = required or ARGS_MARKER.search(raw) is not None
    if not marked:
        return None, {}, []
    if len(raw) > MAX_YAML_BYTES:
        msg = f"over {MAX_YAML_BYTES:,} bytes, too large for training args; not read"
        return None, {}, [Problem("invalid", msg, Evidence(rel), run)]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        msg = f"not UTF-8 (byte 0x{raw[exc.start]:02x})"
        return None, {}, [Problem("malformed", msg, Evidence(rel, line), run)]
    data, lines, problem = _load_bounded(text, rel, run)
    if problem is not None:
        return None, {}, [problem]
    if not isinstance(data, dict):
        if data is None and not text.strip():
            return None, {}, [Problem("empty", "file is empty", Evidence(rel), run)]
        what = type(data).__name__
        return (
            None,
            {},
            [Problem("invalid", f"expected a mapping of args, got {what}", Evidence(rel, 1), run)],
        )
    return jsonable(data), lines, []


def _load_bounded(text: str, rel: str, run: str) -> tuple[Any, dict[str, int], Problem | None]:
    import yaml

    # the pure-Python safe loader: deep nesting raises RecursionError (caught) where a
    # C parser's recursion could take the process down
    try:
        loader = yaml.SafeLoader(text)  # checks for unprintable characters at once
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        msg = f"invalid YAML: character #x{exc.character:04x} is not allowed"
        return None, {}, Problem("malformed", msg, Evidence(rel, line), run)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, None
        if _expanded_size(node) > MAX_YAML_NODES:
            msg = f"YAML expands to over {MAX_YAML_NODES:,} nodes (alias-heavy document); not read"
            return None, {}, Problem("invalid", msg, Evidence(rel, 1), run)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        return (
            None,
            {},
            Problem("malformed", f"invalid YAML: {exc.problem or exc}", Evidence(rel, line), run),
        )
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, OverflowError) as exc:
        what = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
        return None, {}, Problem("malformed", f"invalid YAML: {what}", Evidence(rel), run)
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            lines.setdefault(str(key_node.value), key_node.start_mark.line + 1)
    return data, lines, None


def _expanded_size(root: Any) -> int:
    """Nodes visited with every alias expanded, counted iteratively up to the bound."""
    import yaml

    count = 0
    stack = [root]
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_YAML_NODES:
            return count
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                stack.append(key_node)
                stack.append(value_node)
    return count


def add_args(parts: Parts, args: dict[str, Any], evidence_for: Any) -> None:
    """Training args (YAML or JSON) -> settings under their own names, provenance by
    DESIGN names, and the decoding knobs as one `decoding` value. `evidence_for(key)`
    gives each key's evidence."""
    for key, value in args.items():
        parts.settings.add(key, value, evidence_for(key))
        target = PROVENANCE_KEYS.get(key)
        if target and isinstance(value, str) and value.strip():
            parts.provenance_add(target, value, evidence_for(key))
    decoding = {k: args[k] for k in DECODING_KEYS if k in args}
    if decoding:
        parts.provenance_add("decoding", decoding, evidence_for(next(iter(decoding))))
    run_name = args.get("run_name")
    if isinstance(run_name, str) and run_name.strip() and run_name != args.get("output_dir"):
        parts.joins.setdefault("run_name", run_name)


def lexists(paths: Iterable[Path]) -> bool:
    """Any of the paths is present, whatever it is (a FIFO or broken link counts: the
    adapter that owns the folder reports it)."""
    return any(os.path.lexists(p) for p in paths)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
