"""The `llamafactory` source: LLaMA-Factory run folders (ARTIFACTS.md section 4).

This source owns every folder holding `trainer_log.jsonl` or
`generated_predictions.jsonl`. LLaMA-Factory runs on the HF Trainer, so such a folder
usually holds `trainer_state.json` and `*_results.json` too: they are read here through
the helpers `hf_trainer` uses, and `hf_trainer` skips the folder, so one folder is one
run. Series come from `trainer_log.jsonl` (by `current_steps`, with line numbers); the
trainer_state history adds only keys the log lacks (its `learning_rate` is dropped
when the log has the older `lr`: one curve, not two).

`generated_predictions.jsonl` is the complete eval set (`RowFile(complete=True)`),
streamed by `iter_rows`: one `EvalRow` per line, `id` = the line number, `input` =
`prompt`, `output` = `predict`, `reference` = `label` (any JSON). Variant choice: when
`predict` is missing, `response` is read instead; when either is a list (several
samples per prompt), the first element is the output and the list's length is the
row's `num_responses` score. A prompt or output that is not a string (chat messages,
a parsed object) is kept as its JSON text. A line with neither field is a Problem.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ftlint import frozen
from ftlint.model import EvalRow, Evidence, Problem
from ftlint.sources._trainer_files import Parts, check_file, lexists, number, step_of, stream_jsonl
from ftlint.sources._trainer_log import read_args, read_results, read_state
from ftlint.sources.adapters import default_patterns
from ftlint.sources.base import RowFile, RunRecord
from ftlint.sources.hf_trainer import build_record, decide_status, kind_of, run_dirs

if TYPE_CHECKING:
    from ftlint.config.settings import Config
    from ftlint.sources.io import Workspace

NAME = "llamafactory"
DEFAULT_PATTERNS: tuple[str, ...] = default_patterns(NAME)
LOG = "trainer_log.jsonl"
PREDICTIONS = "generated_predictions.jsonl"
#: trainer_log keys that are progress bookkeeping, not curves
BOOKKEEPING = frozenset(
    {"current_steps", "total_steps", "percentage", "elapsed_time", "remaining_time"}
)


@frozen
class LogInfo:
    """Where `trainer_log.jsonl` stops, for the status."""

    last_step: float | None
    total_steps: int | None
    last: Evidence | None
    train: bool
    evals: bool


class LlamaFactorySource:
    """Reads LLaMA-Factory run folders into `RunRecord`s and streams their predictions."""

    name: ClassVar[str] = NAME

    def discover(self, ws: Workspace, config: Config) -> Iterable[RunRecord]:
        patterns = tuple(config.inputs.get(NAME, DEFAULT_PATTERNS))
        for folder in run_dirs(ws, patterns):
            yield read_run(ws, folder, config.max_line_bytes)

    def iter_rows(
        self, ws: Workspace, rows: RowFile, config: Config
    ) -> Iterator[EvalRow | Problem]:
        run = posixpath.dirname(rows.path) or "."
        path = ws.root / rows.path
        bad = check_file(ws, path, run)
        if bad is not None:
            yield bad
            return
        for item in stream_jsonl(ws, path, max_line_bytes=config.max_line_bytes, run=run):
            if item.problem is not None:
                yield item.problem
            else:
                yield to_row(item.value, rows.path, item.line, run)


def to_row(value: Any, rel: str, line: int, run: str | None = None) -> EvalRow | Problem:
    """One predictions line as an EvalRow (see the module docstring for the variants)."""
    ev = Evidence(rel, line)
    if not isinstance(value, dict):
        return Problem("invalid", f"expected a JSON object, got {type(value).__name__}", ev, run)
    field = "predict" if "predict" in value else "response" if "response" in value else None
    if field is None:
        return Problem("invalid", "row has no 'predict' or 'response' field", ev, run)
    raw = value[field]
    scores: dict[str, float] = {}
    if isinstance(raw, list):
        scores["num_responses"] = float(len(raw))
        raw = raw[0] if raw else None
    return EvalRow(
        id=str(line),
        input=_text(value.get("prompt")),
        output=_text(raw),
        reference=value.get("label"),
        evidence=ev,
        scores=scores,
    )


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def read_run(ws: Workspace, folder: Path, max_line_bytes: int) -> RunRecord:
    """One LLaMA-Factory folder as a RunRecord (never raises)."""
    run = ws.rel(folder)
    parts = Parts(run)
    parts.joins["output_dir"] = run
    log = read_log(ws, folder / LOG, parts, max_line_bytes)
    logged = parts.series.keys()
    state = read_state(
        ws, folder, parts, skip=lambda k: k in logged or (k == "learning_rate" and "lr" in logged)
    )
    results = read_results(ws, folder, parts)
    read_args(ws, folder, parts)
    rows = _predictions(ws, folder / PREDICTIONS, parts)
    trained = bool(
        (state is not None and state.train_logs)
        or (log is not None and log.train)
        or "train_results.json" in results
        or parts.settings.get("do_train") is True
    )
    evals = bool(
        rows
        or (log is not None and log.evals)
        or (state is not None and state.eval_logs)
        or {"eval_results.json", "predict_results.json"} & set(results)
        or parts.settings.get("do_predict") is True
    )
    status, evidence, note = _status(ws, folder, state, log, results, trained, bool(rows))
    if note is not None:
        parts.values.add("finish_note", note, evidence or Evidence(run))
    return build_record(
        parts,
        adapter=NAME,
        name=folder.name or ws.root.name,
        kind=kind_of(trained, evals),
        context="train",
        status=status,
        status_evidence=evidence,
        rows=rows,
        stack="llamafactory",
    )


def read_log(ws: Workspace, path: Path, parts: Parts, max_line_bytes: int) -> LogInfo | None:
    """Stream `trainer_log.jsonl` into the series; None when the folder has none."""
    if not lexists([path]):
        return None
    bad = check_file(ws, path, parts.run)
    if bad is not None:
        parts.problems.append(bad)
        return None
    rel = ws.rel(path)
    parts.read(rel)
    last: float | None = None
    total: int | None = None
    last_ev: Evidence | None = None
    train = evals = False
    skipped: list[int] = []
    for item in stream_jsonl(ws, path, max_line_bytes=max_line_bytes, run=parts.run):
        if item.problem is not None:
            parts.problems.append(item.problem)
            continue
        entry = item.value
        step = step_of(entry.get("current_steps")) if isinstance(entry, dict) else None
        if step is None:
            skipped.append(item.line)
            continue
        ev = Evidence(rel, item.line)
        if last is None or step >= last:
            last, last_ev = step, ev
            total = _int(entry.get("total_steps")) or total
        for key, value in entry.items():
            num = number(value)
            if key in BOOKKEEPING or num is None:
                continue
            parts.series.add(key, step, num, ev)
            train = train or key == "loss"
            evals = evals or key.startswith("eval_")
    if skipped:
        more = f" (and {len(skipped) - 1} more lines)" if len(skipped) > 1 else ""
        msg = f"line is not an object with a numeric current_steps{more}; skipped"
        parts.problems.append(Problem("invalid", msg, Evidence(rel, skipped[0]), parts.run))
    return LogInfo(last, total, last_ev, train, evals)


def _predictions(ws: Workspace, path: Path, parts: Parts) -> tuple[RowFile, ...]:
    if not lexists([path]):
        return ()
    bad = check_file(ws, path, parts.run)
    if bad is not None:
        parts.problems.append(bad)
        return ()
    rel = ws.rel(path)
    parts.read(rel)
    if path.stat().st_size == 0:
        parts.problems.append(
            Problem("empty", "file is empty: no predictions", Evidence(rel), parts.run)
        )
        return ()
    return (RowFile(rel, NAME, complete=True),)


def _status(
    ws: Workspace,
    folder: Path,
    state: Any,
    log: LogInfo | None,
    results: list[str],
    trained: bool,
    rows: bool,
) -> tuple[str, Evidence | None, str | None]:
    if state is not None and state.summary is not None:
        return "finished", state.summary, None
    if "train_results.json" in results:
        return "finished", Evidence(ws.rel(folder / "train_results.json")), None
    if not trained and results:
        return "finished", Evidence(ws.rel(folder / results[0])), None
    if log is not None and log.last_step is not None and log.total_steps:
        if log.last_step >= log.total_steps:
            return "finished", log.last, None
        note = f"trainer_log stops at step {log.last_step:g} of total_steps {log.total_steps}"
        return "unknown", log.last, note
    if state is not None:
        return decide_status(ws, folder, state, [])
    if rows:
        return (
            "unknown",
            None,
            "predictions without predict_results.json: the run may not have ended",
        )
    return "unknown", None, None


def _int(value: Any) -> int | None:
    step = step_of(value)
    return int(step) if step is not None else None


SOURCE = LlamaFactorySource()
