"""OpenAI fine-tuning result CSVs (ARTIFACTS.md section 5), current and legacy.

Files are recognised by their header, never by their name: the API hands the result
file out under its file id (`file-abc.csv`), teams save it as `step_metrics.csv`,
`results.csv` or anything else. A CSV whose header has `step` and `train_loss` (current)
or `training_loss` (legacy `compiled_results.csv`) is one run. A fine-tuning job object
saved next to it (the JSON the API returns: `ftjob-...`) adds settings, status,
provenance and the `job_id` join.

Empty cells mean "not measured at this step" (validation runs every few steps), so
they are neither points nor problems. A file with no `valid_*` values at all had no
validation file: the columns are reported as they are and a rule decides.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ..model import EvalRow, Evidence, Point, Problem
from ..model import pointer as make_pointer
from ._tabular import MAX_ROW_PROBLEMS, CsvRow, first_line, iter_csv, not_regular, parse_number
from .adapters import default_patterns
from .base import RowFile, RunRecord, Value
from .io import Workspace, read_json

if TYPE_CHECKING:
    from ..config import Config

SOURCE_NAME = "openai_ft"
DEFAULT_PATTERNS: tuple[str, ...] = default_patterns(SOURCE_NAME)
#: names OpenAI result files go by; such a file is ours even when it cannot be read
KNOWN_NAMES = frozenset({"step_metrics.csv", "compiled_results.csv"})
#: a job object is tiny; larger sibling JSON files are not opened to look for one
MAX_JOB_BYTES = 1 << 20
#: API job status -> run status
STATUS = {
    "succeeded": "finished",
    "failed": "crashed",
    "cancelled": "killed",
    "running": "running",
    "queued": "running",
    "validating_files": "running",
}
HYPERPARAMETERS = ("n_epochs", "batch_size", "learning_rate_multiplier", "beta")


def is_result_header(cells: Iterable[str]) -> bool:
    """True for an OpenAI result CSV header: `step` plus `train_loss` or `training_loss`."""
    names = {c.strip().lower() for c in cells}
    return "step" in names and bool(names & {"train_loss", "training_loss"})


class OpenAIFineTuneSource:
    """Reads OpenAI fine-tuning result CSVs, one run per file."""

    name: ClassVar[str] = SOURCE_NAME

    def discover(self, ws: Workspace, config: Config) -> Iterable[RunRecord]:
        inputs = getattr(config, "inputs", {}) or {}
        explicit = SOURCE_NAME in inputs
        patterns = tuple(inputs.get(SOURCE_NAME, DEFAULT_PATTERNS))
        for path in ws.glob(patterns):
            claimed = explicit or path.name.lower() in KNOWN_NAMES
            rel = ws.rel(path)
            bad = not_regular(ws, path, "a CSV file", rel)
            if bad is not None:
                if claimed:
                    yield _unreadable(rel, bad)
                continue
            head = first_line(path)
            if head is None or not is_result_header(head.split(",")):
                if claimed:
                    why = "not UTF-8" if head is None else "header has no `step` and `train_loss`"
                    problem = Problem(
                        "malformed", f"not an OpenAI result CSV: {why}", Evidence(rel, 1), rel
                    )
                    yield _unreadable(rel, problem)
                continue
            yield read_result_csv(ws, path, config)

    def iter_rows(
        self, ws: Workspace, rows: RowFile, config: Config
    ) -> Iterator[EvalRow | Problem]:
        """Result CSVs hold curves, never eval rows."""
        return iter(())


def read_result_csv(ws: Workspace, path: Path, config: Config) -> RunRecord:
    """One run from one result CSV (plus the sibling job object, if any)."""
    rel = ws.rel(path)
    max_line = int(getattr(config, "max_line_bytes", 16 << 20))
    problems: list[Problem] = []
    header: tuple[str, ...] | None = None
    step_col = 0
    points: dict[str, dict[float, Point]] = {}
    seen_step: dict[float, int] = {}
    bad_cells = 0
    for item in iter_csv(ws, path, max_line_bytes=max_line, run=rel):
        if isinstance(item, Problem):
            problems.append(item)
            continue
        if header is None:
            header = item.cells
            step_col = [h.lower() for h in header].index("step")
            continue
        bad_cells += _read_row(item, header, step_col, rel, points, seen_step, problems, bad_cells)
    if bad_cells > MAX_ROW_PROBLEMS:
        more = bad_cells - MAX_ROW_PROBLEMS
        problems.append(Problem("malformed", f"{more} more non-numeric cells", Evidence(rel), rel))
    series = {
        key: tuple(by_step[s] for s in sorted(by_step))
        for key, by_step in points.items()
        if by_step
    }
    values = _final_values(series, seen_step, rel, header or ())
    record = RunRecord(
        adapter=SOURCE_NAME,
        id=rel,
        name=rel,
        kind="train",
        context="train",
        values=values,
        series=series,
        files=(rel,),
        stack="openai",
    )
    return _with_job(ws, path, record, problems)


def _read_row(
    row: CsvRow,
    header: tuple[str, ...],
    step_col: int,
    rel: str,
    points: dict[str, dict[float, Point]],
    seen_step: dict[float, int],
    problems: list[Problem],
    bad_so_far: int,
) -> int:
    """Add one data row's cells as points; returns how many non-numeric cells it had."""
    ev = Evidence(rel, row.line)
    step_text = row.cells[step_col].strip()
    step = parse_number(step_text)
    if step is None or not math.isfinite(step):
        what = "has no step" if not step_text else f"has step {step_text[:40]!r}, not a number"
        problems.append(Problem("malformed", f"row {what}; row skipped", ev, rel))
        return 0
    if step in seen_step:
        msg = (
            f"step {step:g} repeated (first at line {seen_step[step]}); "
            "the last row's values are kept"
        )
        problems.append(Problem("inconsistent", msg, ev, rel))
    seen_step[step] = row.line
    bad = 0
    for col, (name, cell) in enumerate(zip(header, row.cells, strict=True)):
        text = cell.strip()
        if col == step_col or not name or not text:
            continue
        number = parse_number(text)
        if number is None:
            bad += 1
            if bad_so_far + bad <= MAX_ROW_PROBLEMS:
                msg = f"column `{name[:60]}` has {text[:40]!r}, not a number; cell skipped"
                problems.append(Problem("malformed", msg, ev, rel))
            continue
        points.setdefault(name, {})[step] = Point(step, number, ev)
    return bad


def _final_values(
    series: Mapping[str, tuple[Point, ...]],
    seen_step: Mapping[float, int],
    rel: str,
    header: tuple[str, ...],
) -> tuple[Value, ...]:
    """The last measured value of each column. A `valid_*` column whose `full_valid_*`
    twin has a value is left out: the full-validation number is the final eval value,
    the last `valid_*` is a mini-batch estimate of the same metric."""
    out: list[Value] = []
    if seen_step:
        last = max(seen_step)
        out.append(
            Value("step", int(last) if last.is_integer() else last, Evidence(rel, seen_step[last]))
        )
    for name in header:
        pts = series.get(name)
        if not pts:
            continue
        if name.lower().startswith("valid_") and series.get("full_" + name):
            continue
        p = pts[-1]
        out.append(Value(name, p.value, p.evidence))
    return tuple(out)


def _with_job(ws: Workspace, path: Path, record: RunRecord, problems: list[Problem]) -> RunRecord:
    job, job_rel = _find_job(ws, path, record.id, problems)
    if job is None:
        return replace(record, problems=tuple(problems))

    def ev(*tokens: str | int) -> Evidence:
        return Evidence(job_rel, pointer=make_pointer(*tokens))

    job_id = job.get("id") if isinstance(job.get("id"), str) else None
    status, status_ev = "unknown", None
    raw_status = job.get("status")
    if isinstance(raw_status, str):
        status_ev = ev("status")
        status = STATUS.get(raw_status, "unknown")
        if raw_status not in STATUS:
            problems.append(
                Problem("invalid", f"unknown job status {raw_status[:40]!r}", status_ev, record.id)
            )
    settings = _hyperparameters(job, ev)
    if isinstance(job.get("seed"), int):
        settings.append(Value("seed", job["seed"], ev("seed")))
    provenance: list[Value] = []
    for key, field_name in (
        ("base_model", "model"),
        ("adapter", "fine_tuned_model"),
        ("dataset_version", "training_file"),
        ("eval_path", "validation_file"),
    ):
        if isinstance(job.get(field_name), str) and job[field_name]:
            provenance.append(Value(key, job[field_name], ev(field_name)))
    values = list(record.values)
    if isinstance(job.get("trained_tokens"), int):
        values.append(Value("trained_tokens", job["trained_tokens"], ev("trained_tokens")))
    error = job.get("error")
    if isinstance(error, Mapping) and isinstance(error.get("message"), str) and error["message"]:
        values.append(Value("error", error["message"], ev("error", "message")))
    joins: dict[str, str] = {}
    if job_id:
        joins["job_id"] = job_id
    if isinstance(job.get("fine_tuned_model"), str) and job["fine_tuned_model"]:
        joins["adapter_id"] = job["fine_tuned_model"]
    name = job.get("fine_tuned_model") or job_id or record.id
    return replace(
        record,
        name=str(name),
        status=status,
        status_evidence=status_ev,
        joins=joins,
        values=tuple(values),
        settings=tuple(settings),
        provenance=tuple(provenance),
        files=(*record.files, job_rel),
        problems=tuple(problems),
    )


def _hyperparameters(job: Mapping[str, Any], ev: Any) -> list[Value]:
    """`hyperparameters`, or the newer `method.<type>.hyperparameters` when absent."""
    out: list[Value] = []
    hp = job.get("hyperparameters")
    where: tuple[str, ...] = ("hyperparameters",)
    method = job.get("method")
    if not isinstance(hp, Mapping) and isinstance(method, Mapping):
        kind = method.get("type")
        inner = method.get(kind) if isinstance(kind, str) else None
        if isinstance(inner, Mapping) and isinstance(inner.get("hyperparameters"), Mapping):
            hp, where = inner["hyperparameters"], ("method", str(kind), "hyperparameters")
    if isinstance(hp, Mapping):
        for key in HYPERPARAMETERS:
            if key in hp and (isinstance(hp[key], (int, float, str)) or hp[key] is None):
                out.append(Value(key, hp[key], ev(*where, key)))
    return out


def _is_job(data: Any) -> bool:
    return isinstance(data, Mapping) and (
        data.get("object") == "fine_tuning.job"
        or (isinstance(data.get("id"), str) and data["id"].startswith("ftjob-"))
    )


def _find_job(
    ws: Workspace, path: Path, run: str, problems: list[Problem]
) -> tuple[Mapping[str, Any] | None, str]:
    """The job object saved next to the CSV: the one whose `result_files` names the CSV,
    else the only one in the folder. Several and none names it: not joined, said so."""
    jobs: list[tuple[Mapping[str, Any], str]] = []
    try:
        siblings = sorted(path.parent.glob("*.json"))
    except OSError:
        return None, ""
    for sib in siblings:
        if not_regular(ws, sib, "a JSON file") is not None:
            continue
        try:
            if sib.stat().st_size > MAX_JOB_BYTES:
                continue
        except OSError:
            continue
        data, _ = read_json(ws, sib, run)
        if _is_job(data):
            jobs.append((data, ws.rel(sib)))
    if not jobs:
        return None, ""
    stem = path.stem
    named = [j for j in jobs if stem in _result_files(j[0])]
    if len(named) == 1:
        return named[0]
    if len(jobs) == 1:
        return jobs[0]
    names = ", ".join(rel for _, rel in jobs[:5])
    problems.append(
        Problem(
            "inconsistent",
            f"{len(jobs)} fine-tuning job objects next to this file ({names}) and none lists it "
            "in `result_files`; none joined",
            Evidence(ws.rel(path)),
            run,
        )
    )
    return None, ""


def _result_files(job: Mapping[str, Any]) -> set[str]:
    files = job.get("result_files")
    if not isinstance(files, list):
        return set()
    return {f.rsplit(".", 1)[0] if f.endswith(".csv") else f for f in files if isinstance(f, str)}


SOURCE = OpenAIFineTuneSource()


def _unreadable(rel: str, problem: Problem) -> RunRecord:
    """A file named like a result CSV that could not be read: a run with its problem
    (never a silent skip)."""
    return RunRecord(
        SOURCE_NAME,
        rel,
        kind="train",
        context="train",
        files=(rel,),
        problems=(problem,),
        stack="openai",
    )
