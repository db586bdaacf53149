"""The binary run log of a W&B run folder (`run-<id>.wandb`): history, summary, exit.

The log is the only local copy of the step history and, for offline runs, of
everything; it is read with `wandb_log` only when the SDK is importable (otherwise the
caller says once which history it could not read).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

from ftlint.model import Evidence, Problem, SeriesPoint
from ftlint.model import pointer as make_pointer
from ftlint.sources.io import Workspace, iter_jsonl
from ftlint.sources.wandb_files import scrub, summary_metrics
from ftlint.sources.wandb_folder import WandbRun
from ftlint.sources.wandb_log import HistoryRow, RunLog, WandbUnavailable, read_run_log

SERIES_PREFIX = "iter_eval/"
#: history keys preferred over W&B's own `_step` as the series step (the trainer's step)
STEP_KEYS = ("iter_eval/step", "train/global_step")


def load_log(ws: Workspace, folder: Path, wr: WandbRun) -> RunLog | None:
    # anything named like a log but a folder (a FIFO, a device) is read and refused with a
    # problem by read_run_log, never dropped in silence
    logs = sorted(p for p in folder.glob("run-*.wandb") if not p.is_dir() and not p.is_symlink())
    if not logs:
        if wr.offline:
            wr.problems.append(
                Problem(
                    "missing", "offline run folder without its run-<id>.wandb log", Evidence(wr.rel)
                )
            )
        return None
    path = next((p for p in logs if p.stem == f"run-{wr.run_id}"), logs[0])
    wr.log_rel = ws.rel(path)
    wr.sources.append(wr.log_rel)
    if wr.run_id is None:
        wr.run_id = path.stem.removeprefix("run-") or None
    try:
        return read_run_log(path)
    except WandbUnavailable as exc:
        wr.log_unread = str(exc)
    except OSError as exc:
        wr.problems.append(Problem("missing", f"cannot read: {exc.strerror}", Evidence(wr.log_rel)))
    return None


def take_log(ws: Workspace, log: RunLog, wr: WandbRun) -> None:
    rel = wr.log_rel or wr.rel
    wr.run_id = log.run_id or wr.run_id
    wr.name = log.name or wr.name
    wr.group = log.group or wr.group
    if log.git_commit and "git_commit" not in wr.metadata:
        wr.metadata["git_commit"] = log.git_commit
    if log.start_time and "started_at" not in wr.metadata:
        wr.metadata["started_at"] = log.start_time
    for key, value in log.config.items():
        if key not in wr.config:
            wr.config[key] = scrub(value, key)
            wr.config_evidence[key] = Evidence(rel, None, make_pointer("config", key))
    if wr.summary is None:
        wr.summary, wr.summary_rel = log.summary, rel
        summary_metrics(log.summary, rel, ("summary",), wr)
    if log.bad_values:
        wr.problems.append(
            Problem(
                "malformed", f"{log.bad_values} logged value(s) are not valid JSON", Evidence(rel)
            )
        )
    _history(log, rel, wr)


def _history(log: RunLog, rel: str, wr: WandbRun, *, line_evidence: bool = False) -> None:
    """Every history row -> `history` (numeric keys); rows with `iter_eval/*` -> `series`."""
    history: list[SeriesPoint] = []
    series: dict[int, SeriesPoint] = {}
    bad: dict[str, list[int]] = {}
    for row in log.history:
        ev = (
            Evidence(rel, row.index)
            if line_evidence
            else Evidence(rel, None, make_pointer("history", row.index))
        )
        numbers: dict[str, float] = {}
        for key, value in row.values.items():
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or key.startswith("_")
            ):
                continue
            if not math.isfinite(value):
                bad.setdefault(key, []).append(row.step if row.step is not None else row.index)
                continue
            numbers[key] = float(value)
        stamp = row.values.get("_timestamp")
        when = _iso(stamp) if isinstance(stamp, (int, float)) and math.isfinite(stamp) else None
        if row.step is not None:
            history.append(SeriesPoint(row.step, numbers, ev, when))
        evals = {
            k[len(SERIES_PREFIX) :]: v for k, v in numbers.items() if k.startswith(SERIES_PREFIX)
        }
        step = next((int(numbers[k]) for k in STEP_KEYS if k in numbers), row.step)
        if not evals or step is None:
            continue
        evals.pop("step", None)
        count = evals.pop("hard_cases_count", None)
        previous = series.get(step)
        if previous is not None:  # several log calls at one trainer step: one point
            evals = {**previous.metrics, **evals}
            ev, when = previous.evidence, previous.timestamp
        series[step] = SeriesPoint(step, evals, ev, when, int(count) if count is not None else None)
    for key, steps in sorted(bad.items()):
        wr.problems.append(
            Problem(
                "invalid",
                f"history key {key} is not a finite number at {len(steps)} step(s) "
                f"(first at step {steps[0]})",
                Evidence(rel, None, make_pointer("history", key)),
            )
        )
    wr.history = tuple(history)
    wr.series = tuple(series[s] for s in sorted(series))


def load_history_jsonl(ws: Workspace, folder: Path, wr: WandbRun, max_line_bytes: int) -> None:
    """`files/wandb-history.jsonl` (one row per step, as `ftlint pull` writes what the W&B
    API's scan_history returns): the history when the run folder has no binary log."""
    path = folder / "files" / "wandb-history.jsonl"
    if wr.history or not path.is_file():
        return
    rel = ws.rel(path)
    wr.sources.append(rel)
    log = RunLog()
    for item in iter_jsonl(ws, path, max_line_bytes=max_line_bytes):
        if item.problem is not None:
            wr.problems.append(item.problem)
            continue
        if not isinstance(item.value, dict):
            wr.problems.append(
                Problem("invalid", "history row is not an object", Evidence(rel, item.line))
            )
            continue
        step = item.value.get("_step")
        step = int(step) if isinstance(step, (int, float)) and math.isfinite(step) else None
        log.history.append(HistoryRow(item.line, step, item.value))
    _history(log, rel, wr, line_evidence=True)


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def finish_state(wr: WandbRun, log: RunLog | None) -> None:
    """finished True (exit 0), False (crashed, cut off, no exit, empty summary) or None."""
    if log is not None:
        rel = wr.log_rel or wr.rel
        wr.exit_code = log.exit_code if log.has_exit else None
        if log.damage is not None:
            d = log.damage
            last = log.last_step
            lost = (
                f"history after step {last} lost" if last is not None else "no history row was read"
            )
            what = "cut off" if d.cut_off else f"corrupt ({d.reason})"
            if log.has_exit:
                lost = "damage after the exit record"
            message = f"run log {what} at byte {d.offset} of {d.size}: {lost}"
            if d.cut_off and not log.has_exit:
                # a killed writer leaves a cut-off (often zero-filled) tail and no exit
                # record: one event, reported once by PRV006, not also as bad input
                message = f"killed: no exit record, the log is {message[8:]}"
            else:
                wr.problems.append(Problem("malformed", message, Evidence(rel)))
            wr.finished = log.has_exit and log.exit_code == 0
            wr.finish_note, wr.finish_evidence = message, Evidence(rel)
        elif not log.has_exit:
            wr.finished = False
            wr.finish_note = "no exit record in the run log (crashed, killed or still running)"
            wr.finish_evidence = Evidence(rel)
        else:
            wr.finished = log.exit_code == 0
            wr.finish_note = f"exit code {log.exit_code}"
            wr.finish_evidence = Evidence(rel)
    empty = wr.summary is not None and not any(not str(k).startswith("_") for k in wr.summary)
    if empty and wr.finished is not False:
        wr.finished = False
        wr.finish_note = "empty W&B summary (the run logged nothing)"
        wr.finish_evidence = Evidence(wr.summary_rel or wr.rel)
