"""Weave call exports (`weave/*.json`, `*.jsonl`, `*.csv`): evaluations recounted from their rows.

A call has `id`, `op_name` (a ref like `weave:///<entity>/<project>/op/Evaluation.
predict_and_score:<digest>`), `display_name`, `trace_id`, `parent_id`, `inputs`,
`output`, `exception`, `summary` (`weave.status`, `weave.latency_ms`), `attributes`
and `wb_run_id`. A JSON export is a list of calls or `{"calls": [...]}`; JSONL is one
call per line; CSV flattens nested fields into dotted columns (`output.scores.x`,
`summary.weave.latency_ms`) and may hold JSON in a cell.

An evaluation is the parent of `*predict_and_score*` calls. Its rows are recounted here
with failed rows (`output: null`, an exception, `weave.status: error`) kept in the
denominator, because Weave's scorer summaries drop `None` values. ftlint never
imports `weave`; it reads only these files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import Any

from ftlint import frozen, mutable
from ftlint.model import Evidence, Problem
from ftlint.sources.io import Workspace
from ftlint.sources.weave_calls import REF_RE, read_calls

#: attribute keys that may name the training run an evaluation belongs to
RUN_NAME_KEYS = ("run_name", "HF_FT_RUN_NAME", "wandb_run_name", "ftlint_run")
RANK_KEYS = ("rank", "hard_case_rank")
MAX_FAILED_EVIDENCE = 5


@frozen
class WeaveRow:
    """One `predict_and_score` (or loose) call: its join keys and evidence link."""

    call_id: str | None
    trace_id: str | None
    rank: int | None
    failed: bool
    evidence: Evidence  # path + line/pointer in the export, url of the call
    run_names: tuple[str, ...] = ()
    wb_run_id: str | None = None


@frozen
class ScoreStat:
    """One scorer leaf (`scorer` or `scorer.field`): Weave's reported aggregate vs the recount."""

    path: str
    kind: str  # "bool" | "number"
    total: int  # every row of the evaluation, failed ones included
    scored: int  # rows with a value (what Weave's summary divides by)
    true_count: int  # bool leaves
    mean: float | None  # number leaves, over the scored rows
    reported: Mapping[str, Any] | None  # e.g. {"true_count": 70, "true_fraction": 0.97}


@frozen
class WeaveEvaluation:
    """An evaluation root and its recounted rows."""

    name: str
    call_id: str | None
    evidence: Evidence
    rows: tuple[WeaveRow, ...]
    failed: int
    scores: tuple[ScoreStat, ...]
    reported: Mapping[str, Any] | None
    latency_p50_ms: float | None = None
    latency_p95_ms: float | None = None
    run_names: tuple[str, ...] = ()
    wb_run_id: str | None = None
    exceptions: tuple[str, ...] = ()  # distinct exception messages of failed rows (first few)

    @property
    def failed_evidence(self) -> tuple[Evidence, ...]:
        return tuple(r.evidence for r in self.rows if r.failed)[:MAX_FAILED_EVIDENCE]


@mutable
class WeaveExport:
    """What one export file holds: evaluations, loose calls, and its problems."""

    rel: str
    evaluations: list[WeaveEvaluation] = field(default_factory=list)
    loose: list[WeaveRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def load_weave_export(ws: Workspace, path: Path) -> WeaveExport:
    """Read one export file and group its calls into evaluations. Never raises."""
    export = WeaveExport(ws.rel(path))
    _group(read_calls(ws, path, export.rel, export.problems), export)
    return export


# -- grouping and recounting ------------------------------------------------------------


def _op(call: Mapping[str, Any]) -> str:
    name = str(call.get("op_name") or "")
    m = REF_RE.match(name)
    return m["op"] if m else name.split(":", 1)[0]


def _is_row(call: Mapping[str, Any]) -> bool:
    return "predict_and_score" in _op(call)


def _is_root(call: Mapping[str, Any]) -> bool:
    return _op(call).endswith("Evaluation.evaluate")


def _group(calls: list[tuple[dict[str, Any], Evidence]], export: WeaveExport) -> None:
    by_id = {c["id"]: (c, ev) for c, ev in calls if isinstance(c.get("id"), str)}
    children: dict[str | None, list[tuple[dict[str, Any], Evidence]]] = {}
    roots: dict[str | None, None] = {}
    summaries: dict[str, dict[str, Any]] = {}
    for call, ev in calls:
        parent = call.get("parent_id")
        is_summary = _op(call).endswith("Evaluation.summarize")
        if is_summary and isinstance(call.get("output"), dict) and isinstance(parent, str):
            summaries.setdefault(parent, call["output"])
        if _is_row(call):
            parent = call.get("parent_id") if isinstance(call.get("parent_id"), str) else None
            children.setdefault(parent, []).append((call, ev))
            roots.setdefault(parent)
        elif _is_root(call) and isinstance(call.get("id"), str):
            roots.setdefault(call["id"])
    for root_id in roots:
        root = by_id.get(root_id) if root_id is not None else None
        reported = summaries.get(root_id) if root_id is not None else None
        export.evaluations.append(_evaluation(root_id, root, children.get(root_id, []), reported))
    in_eval = {id(c) for rows in children.values() for c, _ in rows}
    for call, ev in calls:
        if id(call) in in_eval or _is_root(call) or "Evaluation." in _op(call):
            continue
        if call.get("trace_id") or _rank(call) is not None:
            export.loose.append(_row(call, ev))


def _rank(call: Mapping[str, Any]) -> int | None:
    inputs = call.get("inputs") if isinstance(call.get("inputs"), dict) else {}
    example = inputs.get("example") if isinstance(inputs.get("example"), dict) else {}
    attrs = call.get("attributes") if isinstance(call.get("attributes"), dict) else {}
    for source in (example, inputs, attrs):
        for key in RANK_KEYS:
            value = source.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
    return None


def _run_names(call: Mapping[str, Any]) -> tuple[str, ...]:
    attrs = call.get("attributes") if isinstance(call.get("attributes"), dict) else {}
    return tuple(str(attrs[k]) for k in RUN_NAME_KEYS if isinstance(attrs.get(k), str) and attrs[k])


def _wb_run_id(call: Mapping[str, Any]) -> str | None:
    value = call.get("wb_run_id")
    if isinstance(value, str) and value.strip():
        return value.strip().rsplit("/", 1)[-1]
    return None


def _failed(call: Mapping[str, Any]) -> bool:
    if call.get("exception"):
        return True
    summary = call.get("summary") if isinstance(call.get("summary"), dict) else {}
    weave = summary.get("weave") if isinstance(summary.get("weave"), dict) else {}
    if weave.get("status") == "error":
        return True
    output = call.get("output")
    if output is None:
        return True
    if isinstance(output, dict):
        present = [output[k] for k in ("output", "model_output") if k in output]
        return bool(present) and all(_empty(v) for v in present)
    return False


def _empty(value: Any) -> bool:
    """None, or an object of only None (a CSV export cannot tell missing from null)."""
    if isinstance(value, dict):
        return all(_empty(v) for v in value.values())
    return value is None


def _row(call: Mapping[str, Any], ev: Evidence) -> WeaveRow:
    trace = call.get("trace_id")
    call_id = call.get("id")
    return WeaveRow(
        call_id=call_id if isinstance(call_id, str) else None,
        trace_id=trace if isinstance(trace, str) else None,
        rank=_rank(call),
        failed=_failed(call),
        evidence=ev,
        run_names=_run_names(call),
        wb_run_id=_wb_run_id(call),
    )


def _latency_ms(call: Mapping[str, Any]) -> float | None:
    summary = call.get("summary") if isinstance(call.get("summary"), dict) else {}
    weave = summary.get("weave") if isinstance(summary.get("weave"), dict) else {}
    value = weave.get("latency_ms")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    output = call.get("output")
    seconds = output.get("model_latency") if isinstance(output, dict) else None
    if isinstance(seconds, (int, float)) and not isinstance(seconds, bool):
        return float(seconds) * 1000.0
    return None


def _leaves(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _leaves(inner, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, bool) or (isinstance(value, (int, float)) and value == value):
        out[prefix] = value


def _reported_at(reported: Any, path: str) -> Mapping[str, Any] | None:
    node = reported
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, dict) else None


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[index]


def _evaluation(
    root_id: str | None,
    root: tuple[dict[str, Any], Evidence] | None,
    rows: list[tuple[dict[str, Any], Evidence]],
    summarized: dict[str, Any] | None,
) -> WeaveEvaluation:
    root_call = root[0] if root else {}
    evidence = root[1] if root else (rows[0][1] if rows else Evidence("."))
    reported = root_call.get("output") if isinstance(root_call.get("output"), dict) else None
    reported = reported or summarized  # the Evaluation.summarize child holds the same
    per_row: list[dict[str, Any]] = []
    out_rows: list[WeaveRow] = []
    latencies: list[float] = []
    exceptions: dict[str, None] = {}
    for call, ev in rows:
        row = _row(call, ev)
        if isinstance(call.get("exception"), str) and len(exceptions) < MAX_FAILED_EVIDENCE:
            exceptions.setdefault(call["exception"].strip()[:160])
        out_rows.append(row)
        leaves: dict[str, Any] = {}
        output = call.get("output")
        if not row.failed and isinstance(output, dict) and isinstance(output.get("scores"), dict):
            _leaves(output["scores"], "", leaves)
        per_row.append(leaves)
        latency = _latency_ms(call)
        if latency is not None:
            latencies.append(latency)
    paths = sorted({p for leaves in per_row for p in leaves})
    scores = []
    for path in paths:
        values = [leaves.get(path) for leaves in per_row]
        present = [v for v in values if v is not None]
        is_bool = all(isinstance(v, bool) for v in present)
        numbers = [float(v) for v in present if not isinstance(v, bool)]
        scores.append(
            ScoreStat(
                path=path,
                kind="bool" if is_bool else "number",
                total=len(values),
                scored=len(present),
                true_count=sum(1 for v in present if v is True),
                mean=sum(numbers) / len(numbers) if numbers and not is_bool else None,
                reported=_reported_at(reported, path),
            )
        )
    first = rows[0][0] if rows else {}
    name = root_call.get("display_name") or (_op(root_call) if root_call else None)
    return WeaveEvaluation(
        name=str(name or root_id or "evaluation"),
        call_id=root_id,
        evidence=evidence,
        rows=tuple(out_rows),
        failed=sum(1 for r in out_rows if r.failed),
        scores=tuple(scores),
        reported=reported,
        latency_p50_ms=_quantile(latencies, 0.5),
        latency_p95_ms=_quantile(latencies, 0.95),
        run_names=_run_names(root_call) or _run_names(first),
        wb_run_id=_wb_run_id(root_call) or _wb_run_id(first),
        exceptions=tuple(exceptions),
    )
