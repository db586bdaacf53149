"""Stream `hard_cases.valid.jsonl` rows: one pass, constant memory, every bad line reported."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from ftlint.model import Evidence, HardCase, Problem, Run, TraceRow
from ftlint.sources.io import Span, Workspace, jsonl_items
from ftlint.sources.validate import hard_case_ok, schema_problems

_STR = (str, type(None))
_OBJ = (dict, type(None))
_ID = (int, str, type(None))
_WEATHER = (str, dict, type(None))
_NUMBER = (int, float, type(None))


def stream_hard_cases(
    ws: Workspace,
    path: Path,
    run: str,
    *,
    max_line_bytes: int,
    traces: Mapping[int, TraceRow] | None = None,
    span: Span | None = None,
) -> Iterator[HardCase | Problem]:
    """Yield a `HardCase` per valid row and a `Problem` per bad line, in file order
    (with a `span`, of those lines only: see `ftlint.sources.io.Span`).

    Rows are checked with the fast schema check; only a row that fails it is handed
    to jsonschema for an explanation. Trace URLs are joined by rank.

    This is the per-row hot path of a large file (one call per row, every rule
    waits on it): plain tuples from the reader, each field read once, positional
    constructors. A row of plain types (an int rank from 1, an int or str sample
    index, strings, objects, a number for `mae_raw`) passes `hard_case_ok` by
    construction, so only other rows (a rank of 5.0) are asked there.
    """
    rel = ws.rel(path)
    traces = traces or {}
    trace_at = traces.get
    ok = hard_case_ok
    for line, row, problem in jsonl_items(
        ws, path, max_line_bytes=max_line_bytes, run=run, span=span
    ):
        if problem is not None:
            yield problem
            continue
        if type(row) is not dict:
            yield from schema_problems("hard_case", row, Evidence(rel, line), run)
            continue
        get = row.get
        rank, sample = get("rank"), get("sample_index")
        request, source = get("request_text"), get("source_type")
        target, predicted, errors = (
            get("target_vector"),
            get("predicted_vector"),
            get("abs_error_raw"),
        )
        mae, error, text = get("mae_raw"), get("parse_error"), get("generated_text")
        if not (
            type(rank) is int
            and rank >= 1
            and type(sample) in _ID
            and type(request) in _STR
            and type(source) in _STR
            and type(target) in _OBJ
            and type(predicted) in _OBJ
            and type(errors) in _OBJ
            and type(mae) in _NUMBER
            and type(error) in _STR
            and type(text) in _STR
            and type(get("weather")) in _WEATHER
        ):
            if not ok(row):
                yield from schema_problems("hard_case", row, Evidence(rel, line), run)
                continue
            rank = int(rank)
        if sample is None:
            sample_id = None
        elif type(sample) is str:
            sample_id = sample
        else:
            sample_id = str(int(sample) if isinstance(sample, float) else sample)
        trace = trace_at(rank) if traces else None
        yield HardCase(
            rank,
            sample_id,
            request,
            source,
            target if type(target) is dict else None,
            predicted if type(predicted) is dict else None,
            errors if type(errors) is dict else None,
            float(mae) if mae is not None else None,
            error,
            text,
            Evidence(rel, line, None, sample_id, trace.url if trace else None),
            row,
        )


def read_row_outcomes(
    ws: Workspace, run: Run, *, max_line_bytes: int
) -> tuple[int, dict[str, tuple[bool, float | None]], str]:
    """Per-row outcomes of a run for paired gates: (rows read, sample id -> (parsed,
    row MAE), why they cannot be paired, or "" when they cover the whole eval set).

    Reads at most eval_size + 1 rows: hard cases are normally the top-k worst rows,
    and then per-row pairing is impossible; the reason says so.
    """
    n = run.provenance.eval_size
    if not run.hard_cases_path:
        return 0, {}, "no hard cases file"
    if not n:
        return 0, {}, "eval size unknown"
    outcomes: dict[str, tuple[bool, float | None]] = {}
    count = bad = 0
    for item in stream_hard_cases(
        ws, ws.root / run.hard_cases_path, run.name, max_line_bytes=max_line_bytes
    ):
        if isinstance(item, Problem):
            bad += 1
            continue
        count += 1
        if count > n:
            break
        if item.sample_id is not None:
            outcomes[item.sample_id] = (item.parse_error is None, item.mae_raw)
    if bad:
        reason = f"{bad} unreadable hard-case line(s)"
    elif count < n:
        reason = f"hard cases are top-k only ({count} of {n} rows)"
    elif count > n:
        reason = f"more hard-case rows than the {n} eval rows"
    elif len(outcomes) < count:
        reason = "hard-case rows without a unique sample id"
    else:
        reason = ""
    return count, outcomes, reason
