"""A team's own eval files (ARTIFACTS.md section 8): JSON, JSONL or CSV of eval rows,
read only where a `sources.generic` block in the config maps their fields.

Guessing which field is the output of an unknown file would make findings about the
wrong column, so nothing is read without a mapping; `unmapped_hint` tells the lead
which mapping would read a file that looks like eval rows, for "not read" listings.

Records: one per value of the mapping's `run` template (`{path}` by default: the
file's workspace-relative path without extension; `{stem}`, `{parent}`, or a row field
such as `{model}`, which splits one file into several runs). Values are recounted from
the rows: `eval_size` (rows read) and the mean of each score field under its own name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, ClassVar

from ..model import EvalRow, Evidence, Problem
from ..model import pointer as make_pointer
from ._generic_read import as_score, get_field, iter_records, peek_fields
from ._tabular import MAX_ROW_PROBLEMS, not_regular
from .base import RowFile, RunRecord, Value
from .io import Workspace, read_json
from .listing import glob_error

if TYPE_CHECKING:
    from ..config import Config

SOURCE_NAME = "generic"
_FIELD = {"type": "string", "minLength": 1}
_ONE_OR_MANY = {"oneOf": [_FIELD, {"type": "array", "items": _FIELD, "minItems": 1}]}
#: JSON Schema of one `sources.generic` entry (the lead plugs it into the config schema)
GENERIC_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["files"],
    "additionalProperties": False,
    "properties": {
        "files": _ONE_OR_MANY,
        "run": _FIELD,
        "id": _FIELD,
        "input": _FIELD,
        "output": _FIELD,
        "reference": _FIELD,
        "group": _FIELD,
        "error": _FIELD,
        "scores": _ONE_OR_MANY,
        "complete": {"type": "boolean"},
        "metrics": {
            "oneOf": [
                {"type": "object", "additionalProperties": _FIELD},
                {"type": "array", "items": _FIELD},
            ]
        },
    },
}
_TEMPLATE = re.compile(r"\{([^{}]+)\}")
_PATH_KEYS = ("path", "stem", "parent", "name")
OUTPUT_LIKE = ("output", "prediction", "predict", "response", "completion")
REFERENCE_LIKE = ("expected", "label", "reference", "target", "answer")


def mappings(config: Any) -> list[Mapping[str, Any]]:
    """The `sources.generic` entries (a list of dicts; anything else reads nothing)."""
    block = (getattr(config, "source_settings", None) or {}).get("generic", [])
    return list(block) if isinstance(block, list) else []


def _many(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _config_ev(config: Any, *tokens: str | int) -> Evidence:
    path = getattr(config, "path", None)
    return Evidence(Path(path).name if path else "rules.yaml", pointer=make_pointer(*tokens))


class GenericSource:
    """Reads mapped eval-row files: one run per run-template value."""

    name: ClassVar[str] = SOURCE_NAME

    def discover(self, ws: Workspace, config: Config) -> Iterable[RunRecord]:
        runs: dict[str, _Run] = {}
        for index, mapping in enumerate(mappings(config)):
            where = ("sources", "generic", index)
            if not isinstance(mapping, Mapping) or not _many(mapping.get("files")):
                ev = _config_ev(config, *where)
                yield RunRecord(
                    SOURCE_NAME,
                    f"sources.generic[{index}]",
                    kind="eval",
                    problems=(Problem("invalid", "mapping has no `files`", ev),),
                    stack="generic",
                )
                continue
            for path in self._files(ws, mapping, config, where, runs):
                self._read(ws, path, index, mapping, config, runs)
        for run in runs.values():
            yield run.record()

    def _files(
        self,
        ws: Workspace,
        mapping: Mapping[str, Any],
        config: Any,
        where: tuple[str | int, ...],
        runs: dict[str, _Run],
    ) -> list[Path]:
        patterns: list[str] = []

        def refuse(kind: str, why: str) -> None:
            run = runs.setdefault(f"sources.generic[{where[-1]}]", _Run(where_id(where)))
            ev = _config_ev(config, *where, "files")
            run.problems.append(Problem(kind, why, ev))

        for pattern in _many(mapping.get("files")):
            why = glob_error(pattern, parents=False)
            if why is None:
                patterns.append(pattern)
                continue
            pure = PurePosixPath(pattern)
            leaves = pure.is_absolute() or ".." in pure.parts
            refuse("unsafe-path" if leaves else "invalid", f"glob {pattern[:80]!r} {why}; not read")
        try:
            return ws.glob(tuple(patterns))
        except OSError as exc:  # the workspace itself went away or cannot be listed
            refuse("missing", f"files could not be globbed ({exc.strerror}); not read")
            return []

    def _read(
        self,
        ws: Workspace,
        path: Path,
        index: int,
        mapping: Mapping[str, Any],
        config: Any,
        runs: dict[str, _Run],
    ) -> None:
        rel = ws.rel(path)
        template = mapping.get("run") if isinstance(mapping.get("run"), str) else "{path}"
        per_row = any(k not in _PATH_KEYS for k in _TEMPLATE.findall(template))
        file_run = _render(template, rel, None)
        bad = not_regular(ws, path, "an eval-row file", file_run)
        if bad is not None:
            runs.setdefault(file_run, _Run(file_run)).add_file(rel, bad)
            return
        scores = _many(mapping.get("scores"))
        complete = mapping.get("complete", True) is not False
        max_line = int(getattr(config, "max_line_bytes", 16 << 20))
        seen: dict[str, _Run] = {}
        for item in iter_records(ws, path, max_line):
            if isinstance(item, Problem):
                runs.setdefault(file_run, _Run(file_run)).add_file(rel, item)
                continue
            row, ev = item
            run_id = _render(template, rel, row) if per_row else file_run
            run = seen.get(run_id) or runs.setdefault(run_id, _Run(run_id))
            if run_id not in seen:
                seen[run_id] = run
                part = f"{index}|{run_id}" if per_row else str(index)
                run.rows.append(RowFile(rel, SOURCE_NAME, complete, part))
                run.add_file(rel)
            run.count(row, ev, scores)
        if not seen:
            runs.setdefault(file_run, _Run(file_run)).add_file(rel)
        metrics = mapping.get("metrics")
        if metrics and path.suffix.lower() == ".json":
            target = next(iter(seen.values()), None) or runs[file_run]
            target.metrics(ws, path, metrics)

    def iter_rows(
        self, ws: Workspace, rows: RowFile, config: Config
    ) -> Iterator[EvalRow | Problem]:
        index_text, _, run_id = rows.part.partition("|")
        maps = mappings(config)
        if not index_text.isdigit() or int(index_text) >= len(maps):
            yield Problem(
                "invalid", "no `sources.generic` mapping for this file", Evidence(rows.path)
            )
            return
        mapping = maps[int(index_text)]
        template = mapping.get("run") if isinstance(mapping.get("run"), str) else "{path}"
        path = ws.root / rows.path
        bad = not_regular(ws, path, "an eval-row file")
        if bad is not None:
            yield bad
            return
        max_line = int(getattr(config, "max_line_bytes", 16 << 20))
        for item in iter_records(ws, path, max_line):
            if isinstance(item, Problem):
                yield item
                continue
            row, ev = item
            if run_id and _render(template, rows.path, row) != run_id:
                continue
            yield to_row(row, ev, mapping)


def where_id(where: tuple[str | int, ...]) -> str:
    return f"sources.generic[{where[-1]}]"


def to_row(row: Mapping[str, Any], ev: Evidence, mapping: Mapping[str, Any]) -> EvalRow:
    """One mapped row as an `EvalRow`; unmapped fields are None."""

    def text(key: str) -> str | None:
        name = mapping.get(key)
        value = get_field(row, name) if isinstance(name, str) else None
        return None if value is None else value if isinstance(value, str) else _json(value)

    rid = text("id")
    out_name = mapping.get("output")
    output = get_field(row, out_name) if isinstance(out_name, str) else None
    ref_name = mapping.get("reference")
    scores: dict[str, float] = {}
    for name in _many(mapping.get("scores")):
        number = as_score(get_field(row, name))
        if number is not None:
            scores[name] = number
    return EvalRow(
        id=rid,
        input=text("input"),
        output=text("output"),
        reference=get_field(row, ref_name) if isinstance(ref_name, str) else None,
        evidence=Evidence(ev.path, ev.line, ev.pointer, sample_id=rid),
        parsed=output if isinstance(output, (dict, list)) else None,
        scores=scores,
        group=text("group"),
        error=text("error"),
    )


def _json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def _render(template: str, rel: str, row: Mapping[str, Any] | None) -> str:
    pure = PurePosixPath(rel)
    fixed = {
        "path": str(pure.with_suffix("")),
        "stem": pure.stem,
        "parent": pure.parent.as_posix(),
        "name": pure.name,
    }

    def sub(m: re.Match[str]) -> str:
        key = m.group(1).strip()
        if key in fixed:
            return fixed[key]
        value = get_field(row, key) if row is not None else None
        return "?" if value is None or isinstance(value, (dict, list)) else str(value)[:200]

    return _TEMPLATE.sub(sub, template) or fixed["path"]


class _Run:
    """Aggregates for one run id across its files: recounted, never trusted."""

    def __init__(self, run_id: str) -> None:
        self.id = run_id
        self.files: list[str] = []
        self.rows: list[RowFile] = []
        self.problems: list[Problem] = []
        self.values: list[Value] = []
        self.n = 0
        self.sums: dict[str, tuple[float, int]] = {}
        self.missing: dict[str, tuple[int, Evidence]] = {}
        self.bad = 0

    def add_file(self, rel: str, problem: Problem | None = None) -> None:
        if rel not in self.files:
            self.files.append(rel)
        if problem is not None:
            self.problems.append(Problem(problem.kind, problem.message, problem.evidence, self.id))

    def count(self, row: Mapping[str, Any], ev: Evidence, scores: tuple[str, ...]) -> None:
        self.n += 1
        for name in scores:
            raw = get_field(row, name)
            number = as_score(raw)
            if number is None:
                if raw is not None:
                    self.bad += 1
                    if self.bad <= MAX_ROW_PROBLEMS:
                        msg = f"score `{name[:60]}` is {str(raw)[:40]!r}, not a number; not counted"
                        self.problems.append(Problem("invalid", msg, ev, self.id))
                k, first = self.missing.get(name, (0, ev))
                self.missing[name] = (k + 1, first)
                continue
            total, k = self.sums.get(name, (0.0, 0))
            self.sums[name] = (total + number, k + 1)

    def metrics(self, ws: Workspace, path: Path, metrics: Any) -> None:
        data, problems = read_json(ws, path, self.id)
        self.problems.extend(problems)
        if not isinstance(data, Mapping):
            return
        pairs = (
            metrics.items() if isinstance(metrics, Mapping) else ((m, m) for m in _many(metrics))
        )
        for name, field in pairs:
            if isinstance(name, str) and isinstance(field, str):
                value = get_field(data, field)
                ev = Evidence(ws.rel(path), pointer=make_pointer(*field.split(".")))
                if value is None:
                    self.problems.append(
                        Problem("missing", f"no `{field[:60]}` field", ev, self.id)
                    )
                else:
                    self.values.append(Value(name, value, ev))

    def record(self) -> RunRecord:
        ev = Evidence(self.files[0]) if self.files else Evidence("")
        values = list(self.values)
        provenance: list[Value] = []
        problems = list(self.problems)
        if self.rows:
            values.append(Value("eval_size", self.n, ev))
            provenance.append(Value("eval_size", self.n, ev))
        for name, (total, k) in self.sums.items():
            mean = total / k
            values.append(Value(name, mean, ev))
        for name, (k, first) in self.missing.items():
            msg = f"`{name[:60]}` missing or not a number in {k} of {self.n} rows; not in its mean"
            problems.append(Problem("missing", msg, first, self.id))
        if self.bad > MAX_ROW_PROBLEMS:
            problems.append(
                Problem(
                    "invalid", f"{self.bad - MAX_ROW_PROBLEMS} more non-numeric scores", ev, self.id
                )
            )
        return RunRecord(
            SOURCE_NAME,
            self.id,
            name=self.id,
            kind="eval",
            context="eval",
            values=tuple(values),
            provenance=tuple(provenance),
            rows=tuple(self.rows),
            files=tuple(self.files),
            problems=tuple(problems),
            stack="generic",
        )


def unmapped_hint(
    path: Path, ws: Workspace | None = None, max_line_bytes: int = 1 << 20
) -> str | None:
    """The `sources.generic` mapping that would read `path`, when it looks like eval rows
    (an output-like and a reference-like field); None otherwise. Never raises."""
    try:
        fields = peek_fields(path, max_line_bytes)
    except Exception:  # a hint must never break a listing
        return None
    if not fields:
        return None
    low = {f.lower(): f for f in fields}
    output = next((low[k] for k in OUTPUT_LIKE if k in low), None)
    reference = next((low[k] for k in REFERENCE_LIKE if k in low), None)
    if output is None or reference is None:
        return None
    rel = ws.rel(path) if ws is not None else path.as_posix()
    parts = [f"files: {_yaml(rel)}"]
    for key, names in (
        ("id", ("id", "idx", "sample_id")),
        ("input", ("input", "prompt", "question")),
    ):
        found = next((low[k] for k in names if k in low), None)
        if found:
            parts.append(f"{key}: {_yaml(found)}")
    parts += [f"output: {_yaml(output)}", f"reference: {_yaml(reference)}"]
    scores = [low[k] for k in ("correct", "score", "is_correct", "exact_match") if k in low]
    if scores:
        parts.append("scores: [" + ", ".join(_yaml(s) for s in scores) + "]")
    return "sources.generic: [{" + ", ".join(parts) + "}]"


def _yaml(text: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_./-]*", text) and "/" not in text:
        return text
    return _json(text)


__all__ = ["GENERIC_SCHEMA", "SOURCE", "GenericSource", "mappings", "unmapped_hint"]

SOURCE = GenericSource()
