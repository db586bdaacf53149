"""Per-run output files: final metrics, the iteration series, Weave trace links, eval results."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import Any

from ftlint import mutable
from ftlint.model import Evidence, Metric, Problem, SeriesPoint, TraceRow
from ftlint.model import pointer as make_pointer
from ftlint.redact import redact
from ftlint.sources.io import Workspace, iter_jsonl, read_json
from ftlint.sources.validate import schema_problems

SAFE_URL_SCHEMES = ("https://", "http://")

#: Eval-result metric names that mean the same as the training pipeline's names.
METRIC_ALIASES = {"vector_mae": "mae_raw"}


@mutable
class Loaded:
    """What one loader found: values for the run plus the problems it met."""

    data: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _number_name(value: float) -> str:
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def _fits_float(value: int) -> bool:
    try:
        float(value)
    except OverflowError:
        return False
    return True


def numeric_metrics(
    values: Any, rel: str, base: tuple[str, ...], run: str | None
) -> tuple[dict[str, Metric], list[Problem]]:
    """Keep the finite numbers of a metrics object, each with its JSON pointer.

    NaN/Infinity and non-numbers (a string where a number belongs) are reported, not
    used: a rule comparing NaN against a threshold would silently pass.
    """
    numbers, problems = numeric_values(values, rel, base, run)
    metrics = {
        key: Metric(number, Evidence(rel, None, make_pointer(*base, key)))
        for key, number in numbers.items()
    }
    return metrics, problems


def numeric_values(
    values: Any, rel: str, base: tuple[str, ...], run: str | None
) -> tuple[dict[str, float], list[Problem]]:
    """`numeric_metrics` without the evidence of each kept value (a series point keeps
    only the numbers): a pointer is built only for a value that is reported."""
    numbers: dict[str, float] = {}
    problems: list[Problem] = []
    if not isinstance(values, Mapping):
        return numbers, problems
    for key, value in values.items():
        kind = type(value)
        if kind is float and value - value == 0.0:  # finite: the common case, first
            numbers[str(key)] = value
            continue
        if kind is bool or value is None:
            continue
        if isinstance(value, int) and not isinstance(value, bool) and not _fits_float(value):
            ev = Evidence(rel, None, make_pointer(*base, str(key)))
            problems.append(
                Problem("invalid", f"{key} is an integer too large for a float", ev, run)
            )
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not math.isfinite(value):
                ev = Evidence(rel, None, make_pointer(*base, str(key)))
                problems.append(
                    Problem(
                        "invalid", f"{key} is {_number_name(value)} (not a finite number)", ev, run
                    )
                )
                continue
            numbers[str(key)] = float(value)
        elif isinstance(value, str):
            ev = Evidence(rel, None, make_pointer(*base, str(key)))
            problems.append(
                Problem(
                    "invalid",
                    f"{key} is the string {redact(value)[:40]!r}, expected a number",
                    ev,
                    run,
                )
            )
    return numbers, problems


def _read_checked(ws: Workspace, path: Path, run: str, schema_name: str) -> tuple[Any, Loaded]:
    """Read a whole JSON document and check it against its schema; problems go in Loaded."""
    out = Loaded()
    data, problems = read_json(ws, path, run)
    out.problems += problems
    if data is not None:
        out.problems += schema_problems(schema_name, data, Evidence(ws.rel(path)), run)
    return data, out


def load_final_metrics(ws: Workspace, path: Path, run: str) -> Loaded:
    data, out = _read_checked(ws, path, run, "final_metrics")
    if not isinstance(data, dict):
        return out
    rel = ws.rel(path)
    out.data["final_metrics"] = data
    metrics, problems = numeric_metrics(data.get("eval"), rel, ("eval",), run)
    out.problems += [p for p in problems if not _rate_already_reported(p, out.problems)]
    out.data["metrics"] = {k: m for k, m in metrics.items() if _in_unit_range(k, m)}
    train, problems = numeric_metrics(data.get("train"), rel, ("train",), run)
    out.problems += problems
    out.data["train_metrics"] = train
    return out


def _rate_already_reported(problem: Problem, existing: list[Problem]) -> bool:
    return any(p.evidence.pointer == problem.evidence.pointer for p in existing)


RATE_KEYS = ("json_valid_rate", "parse_error_rate", "hf_direct_rate", "mistral_fallback_rate")


def _in_unit_range(key: str, metric: Metric | float) -> bool:
    """Rates outside [0, 1] were reported by the schema check; don't feed them to rules."""
    value = metric if type(metric) is float else metric.value
    return key not in RATE_KEYS or 0.0 <= value <= 1.0


def load_series(ws: Workspace, path: Path, run: str, *, max_line_bytes: int) -> Loaded:
    out = Loaded()
    rel = ws.rel(path)
    points: list[SeriesPoint] = []
    last_step: int | None = None
    for item in iter_jsonl(ws, path, max_line_bytes=max_line_bytes, run=run):
        if item.problem is not None:
            out.problems.append(item.problem)
            continue
        ev = Evidence(rel, item.line)
        problems = schema_problems("iter_eval_record", item.value, ev, run)
        out.problems += problems
        record = item.value
        if not isinstance(record, dict) or not isinstance(record.get("step"), int):
            continue
        step = record["step"]
        if last_step is not None and step <= last_step:
            out.problems.append(
                Problem(
                    "inconsistent", f"step {step} does not increase (previous {last_step})", ev, run
                )
            )
            continue
        last_step = step
        numbers, problems = numeric_values(record.get("metrics"), rel, ("metrics",), run)
        out.problems += [
            Problem(p.kind, p.message, Evidence(rel, item.line, p.evidence.pointer), run)
            for p in problems
        ]
        count = record.get("hard_cases_count")
        points.append(
            SeriesPoint(
                step=step,
                metrics={k: v for k, v in numbers.items() if _in_unit_range(k, v)},
                evidence=ev,
                timestamp=redact(str(record["timestamp"]))[:64]
                if record.get("timestamp") is not None
                else None,
                hard_cases_count=count if isinstance(count, int) else None,
            )
        )
    out.data["series"] = tuple(points)
    return out


def load_traces(ws: Workspace, path: Path, run: str) -> Loaded:
    data, out = _read_checked(ws, path, run, "weave_traces")
    if data is None:
        return out
    rel = ws.rel(path)
    rows = data.get("rows") if isinstance(data, dict) else None
    traces: list[TraceRow] = []
    for i, row in enumerate(rows if isinstance(rows, list) else []):
        if not isinstance(row, dict):
            continue
        ev = Evidence(rel, None, make_pointer("rows", i))
        url = row.get("trace_url_hint")
        if isinstance(url, str) and not url.startswith(SAFE_URL_SCHEMES):
            out.problems.append(
                Problem("invalid", "trace_url_hint is not an http(s) URL; ignored", ev, run)
            )
            url = None
        rank = row.get("rank")
        mae = row.get("mae_raw")
        traces.append(
            TraceRow(
                rank=rank if isinstance(rank, int) and not isinstance(rank, bool) else None,
                trace_id=redact(row["trace_id"]) if isinstance(row.get("trace_id"), str) else None,
                url=redact(url) if isinstance(url, str) else None,
                mae_raw=float(mae)
                if isinstance(mae, (int, float)) and not isinstance(mae, bool)
                else None,
                parse_error=redact(row["parse_error"])
                if isinstance(row.get("parse_error"), str)
                else None,
                evidence=ev,
            )
        )
    out.data["traces"] = tuple(traces)
    if isinstance(data, dict) and isinstance(data.get("run_name"), str) and data["run_name"] != run:
        out.problems.append(
            Problem(
                "inconsistent",
                f"run_name says {redact(data['run_name'])[:80]!r} but the file is in the folder "
                f"of run {run!r}",
                Evidence(rel, None, "/run_name"),
                run,
            )
        )
    return out


def load_eval_result(ws: Workspace, path: Path, run: str) -> Loaded:
    data, out = _read_checked(ws, path, run, "eval_result")
    if not isinstance(data, dict):
        return out
    rel = ws.rel(path)
    out.data["eval_result"] = data
    metrics, problems = numeric_metrics(data.get("metrics"), rel, ("metrics",), run)
    out.problems += problems
    metrics = {k: m for k, m in metrics.items() if _in_unit_range(k, m)}
    for alias, canonical in METRIC_ALIASES.items():
        if alias in metrics and canonical not in metrics:
            metrics[canonical] = metrics[alias]
    if "json_valid_rate" in metrics and "parse_error_rate" not in metrics:
        jv = metrics["json_valid_rate"]
        metrics["parse_error_rate"] = Metric(1.0 - jv.value, jv.evidence)
    out.data["metrics"] = metrics
    return out
