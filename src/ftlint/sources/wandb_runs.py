"""W&B local run folders (`wandb/run-*`, `wandb/offline-run-*`): files/ JSON and YAML, tables, log.

An online run folder has `files/wandb-summary.json` (flat `/`-namespaced keys),
`files/config.yaml` (`key: {value: ...}`), `files/wandb-metadata.json` and media
tables; every folder has the binary `run-<id>.wandb`, the only local copy of the step
history and, for offline runs, of everything. The log is read with `wandb_log` only when
the SDK is importable; otherwise the folder is loaded from its JSON files and the caller
says once which history it could not read.

Personal data never leaves this module: from the metadata only the git commit, the
program (repo-relative or its file name) and the start time are kept; home-directory
prefixes in config values are replaced by `~`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from ftlint.config.yamllines import load_yaml_with_lines
from ftlint.errors import FtlintError
from ftlint.model import Evidence, Metric, Problem, SeriesPoint
from ftlint.model import pointer as make_pointer
from ftlint.sources.io import Workspace, read_json
from ftlint.sources.outputs import RATE_KEYS
from ftlint.sources.wandb_log import RunLog, WandbUnavailable, read_run_log
from ftlint.vocabulary import as_number, ignored, resolve

FOLDER_RE = re.compile(r"^(?P<offline>offline-)?run-(?P<stamp>\d{8}_\d{6})-(?P<id>[A-Za-z0-9]+)$")
TABLE_NAME_RE = re.compile(r"^(?P<key>.+?)_(?P<step>\d+)_(?P<hash>[0-9a-f]{8,64})\.table\.json$")
HOME_RE = re.compile(r"(?:/home/|/Users/|[A-Za-z]:\\Users\\)[^/\\]+|^/root(?=/|$)")
#: config keys (besides env-style ones) that may carry the training run's name
NAME_KEYS = ("HF_FT_RUN_NAME", "run_name")
SERIES_PREFIX = "iter_eval/"
#: history keys preferred over W&B's own `_step` as the series step (the trainer's step)
STEP_KEYS = ("iter_eval/step", "train/global_step")
FAILURE_WORDS = ("fail", "hard", "error")


@dataclass(frozen=True, slots=True)
class WandbTable:
    """A media table (`files/media/table/**/*.table.json`): where it is and how big."""

    key: str
    evidence: Evidence
    columns: tuple[str, ...]
    rows: int
    parse_errors: int | None  # rows with a non-empty `parse_error` cell, if that column exists
    failures: bool  # named like a failures / hard-case table


@dataclass
class WandbRun:
    """One W&B run folder, loaded; `campaign` joins it to a run by name, id or group."""

    rel: str
    run_id: str | None = None
    offline: bool = False
    stamp: str = ""
    name: str | None = None
    aliases: list[str] = field(default_factory=list)  # names it may join by, best first
    group: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    config_evidence: dict[str, Evidence] = field(default_factory=dict)
    summary: dict[str, Any] | None = None
    summary_rel: str | None = None
    metrics: dict[str, Metric] = field(default_factory=dict)
    train_metrics: dict[str, Metric] = field(default_factory=dict)
    series: tuple[SeriesPoint, ...] = ()
    history: tuple[SeriesPoint, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)
    tables: list[WandbTable] = field(default_factory=list)
    log_rel: str | None = None
    log_unread: str | None = None  # why the .wandb log could not be read (SDK missing)
    exit_code: int | None = None
    finished: bool | None = None
    finish_note: str = ""
    finish_evidence: Evidence | None = None
    sources: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def load_wandb_run(ws: Workspace, folder: Path) -> WandbRun:
    """Load one run folder. Never raises on bad content: problems are recorded."""
    wr = WandbRun(rel=ws.rel(folder))
    m = FOLDER_RE.match(folder.name)
    if m:
        wr.run_id, wr.offline, wr.stamp = m["id"], bool(m["offline"]), m["stamp"]
    files = folder / "files"
    _load_summary(ws, files / "wandb-summary.json", wr)
    _load_config(ws, files / "config.yaml", wr)
    _load_metadata(ws, files / "wandb-metadata.json", wr)
    log = _load_log(ws, folder, wr)
    if log is not None:
        _take_log(ws, log, wr)
    _load_tables(ws, files, wr)
    _finish_state(wr, log)
    group = wr.config.get("WANDB_RUN_GROUP")
    if wr.group is None and isinstance(group, str) and group:
        wr.group = group
    names = [wr.name, _name_value(wr.name)]
    names += [_name_value(wr.config.get(k)) for k in NAME_KEYS]
    wr.aliases = [n for n in dict.fromkeys(names) if n]
    wr.name = wr.aliases[0] if wr.aliases else None
    return wr


def _name_value(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return PurePosixPath(value.strip().rstrip("/")).name or None


# -- files/ -----------------------------------------------------------------------------


def _load_summary(ws: Workspace, path: Path, wr: WandbRun) -> None:
    if not path.exists():
        return
    rel = ws.rel(path)
    data, problems = read_json(ws, path)
    wr.problems += problems
    wr.sources.append(rel)
    if data is None:
        return
    if not isinstance(data, dict):
        wr.problems.append(
            Problem("invalid", f"summary is {_kind(data)}, expected an object", Evidence(rel, 1))
        )
        return
    wr.summary, wr.summary_rel = data, rel
    _summary_metrics(data, rel, (), wr)


def _summary_metrics(
    summary: Mapping[str, Any], rel: str, base: tuple[str, ...], wr: WandbRun
) -> None:
    """Every summary key through the vocabulary, whatever the logging code named it:
    `eval/vector_mae` -> `mae_raw`, `eval/evaluated_count` -> `eval_size`, `valid_loss`
    -> `eval_loss`, `train/loss` -> a trainer metric. Strings, lists, booleans and
    media refs are metadata, never a type error; internal keys (`_step`, `_wandb`) are
    skipped; NaN/Infinity are problems."""
    for key, value in summary.items():
        if not isinstance(key, str) or ignored(key):
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue  # metadata: model ids, media refs, lists
        ev = Evidence(rel, None, make_pointer(*base, key))
        number = as_number(value)
        if number is None:  # NaN, Infinity, or an integer too large for a float
            what = value if isinstance(value, float) else "an integer too large for a float"
            wr.problems.append(Problem("invalid", f"{key} is {what} (not a finite number)", ev))
            continue
        res = resolve(key)
        if res.split == "train":
            wr.train_metrics.setdefault(res.name, Metric(number, ev, key))
            continue
        if not res.known and "/" not in key and not key.startswith(("eval", "val", "test")):
            continue  # an un-namespaced, unknown key is not an eval metric (e.g. `epoch`)
        name = res.canonical
        metric = Metric(number, ev, key)
        if name in RATE_KEYS and not 0.0 <= number <= 1.0:
            wr.problems.append(
                Problem("invalid", f"{key} is {number:g}, outside [0, 1]", metric.evidence)
            )
            continue
        wr.metrics.setdefault(name, metric)


def _load_config(ws: Workspace, path: Path, wr: WandbRun) -> None:
    if not path.exists():
        return
    rel = ws.rel(path)
    wr.sources.append(rel)
    if not ws.inside(path) or path.is_dir():
        wr.problems.append(
            Problem("missing", "not a readable file inside the workspace", Evidence(rel))
        )
        return
    try:
        text = path.read_text("utf-8")
        data, lines = load_yaml_with_lines(path, text)
    except UnicodeDecodeError as exc:
        wr.problems.append(Problem("malformed", f"not UTF-8 (byte {exc.start})", Evidence(rel)))
        return
    except OSError as exc:
        wr.problems.append(Problem("missing", f"cannot read: {exc.strerror}", Evidence(rel)))
        return
    except FtlintError as exc:
        last = max(1, len(text.splitlines()))
        line = min(exc.line or 1, last)  # "end of stream" is past the last line
        wr.problems.append(Problem("malformed", exc.message, Evidence(rel, line)))
        return
    if data is None:
        return
    if not isinstance(data, dict):
        wr.problems.append(
            Problem(
                "invalid",
                f"config is {_kind(data)}, expected a mapping of key: {{value: ...}}",
                Evidence(rel, lines.get("", 1)),
            )
        )
        return
    for key, entry in data.items():
        key = str(key)
        if key in ("_wandb", "wandb_version"):
            continue
        at = make_pointer(key)
        if not isinstance(entry, dict) or "value" not in entry:
            wr.problems.append(
                Problem(
                    "invalid",
                    f"config key {key!r} is {_kind(entry)}, expected {{value: ...}}",
                    Evidence(rel, lines.get(at), at),
                )
            )
            continue
        wr.config[key] = scrub(entry["value"])
        wr.config_evidence[key] = Evidence(rel, lines.get(at), make_pointer(key, "value"))


def _load_metadata(ws: Workspace, path: Path, wr: WandbRun) -> None:
    """Keep only git commit, program and start time: never host, user, email or paths."""
    if not path.exists():
        return
    rel = ws.rel(path)
    wr.sources.append(rel)
    data, problems = read_json(ws, path)
    wr.problems += problems
    if data is None:
        return
    if not isinstance(data, dict):
        wr.problems.append(
            Problem("invalid", f"metadata is {_kind(data)}, expected an object", Evidence(rel, 1))
        )
        return
    git = data.get("git") if isinstance(data.get("git"), dict) else {}
    commit = git.get("commit") or data.get("commit")
    if isinstance(commit, str) and re.fullmatch(r"[0-9a-fA-F]{7,64}", commit):
        wr.metadata["git_commit"] = commit
    program = data.get("codePath") or data.get("code_path") or data.get("program")
    if isinstance(program, str) and program.strip():
        wr.metadata["program"] = _safe_program(program.strip())
    started = data.get("startedAt") or data.get("started_at")
    if isinstance(started, str) and started.strip():
        wr.metadata["started_at"] = started.strip()[:40]


def _safe_program(program: str) -> str:
    """A repo-relative path as is; an absolute one (may name a home dir) by file name."""
    posix = program.replace("\\", "/")
    if posix.startswith(("/", "~")) or re.match(r"^[A-Za-z]:/", posix):
        return PurePosixPath(posix).name
    return posix


def scrub(value: Any) -> Any:
    """Replace home-directory prefixes (`/home/<user>`, `/Users/<user>`) by `~`."""
    if isinstance(value, str):
        return HOME_RE.sub("~", value)
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def _load_tables(ws: Workspace, files: Path, wr: WandbRun) -> None:
    root = files / "media" / "table"
    if not root.is_dir():
        return
    keys = _table_keys(wr.summary or {})
    for path in sorted(root.rglob("*.table.json")):
        if path.is_symlink() or not path.is_file():
            continue
        rel = ws.rel(path)
        media_rel = path.relative_to(files).as_posix()
        m = TABLE_NAME_RE.match(path.name)
        parent = path.parent.relative_to(root).as_posix()
        stem = m["key"] if m else path.name.removesuffix(".table.json")
        key = keys.get(media_rel) or (f"{parent}/{stem}" if parent != "." else stem)
        table = _read_table(ws, path, rel, key, wr)
        if table is not None:
            wr.tables.append(table)
        if table is None or table.failures:  # list failure tables (and broken ones) as sources
            wr.sources.append(rel)


def _table_keys(summary: Mapping[str, Any]) -> dict[str, str]:
    """media path -> summary key, from `{"_type": "table-file", "path": ...}` entries."""
    out: dict[str, str] = {}
    for key, value in summary.items():
        if isinstance(value, dict) and value.get("_type") == "table-file":
            path = value.get("path")
            if isinstance(path, str):
                out[path] = str(key)
    return out


def _read_table(ws: Workspace, path: Path, rel: str, key: str, wr: WandbRun) -> WandbTable | None:
    data, problems = read_json(ws, path)
    wr.problems += problems
    if data is None:
        return None
    columns = data.get("columns") if isinstance(data, dict) else None
    rows = data.get("data") if isinstance(data, dict) else None
    if not isinstance(columns, list) or not isinstance(rows, list):
        wr.problems.append(
            Problem(
                "invalid",
                f"table is {_kind(data)} without a 'columns' list and a 'data' list of rows",
                Evidence(rel, 1),
            )
        )
        return None
    bad = [i for i, row in enumerate(rows) if not isinstance(row, list) or len(row) != len(columns)]
    if bad:
        first = rows[bad[0]]
        got = f"{len(first)} cells" if isinstance(first, list) else _kind(first)
        wr.problems.append(
            Problem(
                "invalid",
                f"{len(bad)} table row(s) do not match the {len(columns)} columns "
                f"(first: row {bad[0]} has {got})",
                Evidence(rel, None, make_pointer("data", bad[0])),
            )
        )
    names = tuple(str(c) for c in columns)
    parse_errors = None
    if "parse_error" in names:
        col = names.index("parse_error")
        parse_errors = sum(
            1
            for row in rows
            if isinstance(row, list) and len(row) == len(names) and row[col] not in (None, "")
        )
    return WandbTable(
        key=key,
        evidence=Evidence(rel, None, "/data"),
        columns=names,
        rows=len(rows),
        parse_errors=parse_errors,
        failures=any(w in key.lower() for w in FAILURE_WORDS),
    )


# -- run-<id>.wandb ---------------------------------------------------------------------


def _load_log(ws: Workspace, folder: Path, wr: WandbRun) -> RunLog | None:
    logs = sorted(p for p in folder.glob("run-*.wandb") if p.is_file() and not p.is_symlink())
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


def _take_log(ws: Workspace, log: RunLog, wr: WandbRun) -> None:
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
            wr.config[key] = scrub(value)
            wr.config_evidence[key] = Evidence(rel, None, make_pointer("config", key))
    if wr.summary is None:
        wr.summary, wr.summary_rel = log.summary, rel
        _summary_metrics(log.summary, rel, ("summary",), wr)
    if log.bad_values:
        wr.problems.append(
            Problem(
                "malformed", f"{log.bad_values} logged value(s) are not valid JSON", Evidence(rel)
            )
        )
    _history(log, rel, wr)


def _history(log: RunLog, rel: str, wr: WandbRun) -> None:
    """Every history row -> `history` (numeric keys); rows with `iter_eval/*` -> `series`."""
    history: list[SeriesPoint] = []
    series: dict[int, SeriesPoint] = {}
    bad: dict[str, list[int]] = {}
    for row in log.history:
        ev = Evidence(rel, None, make_pointer("history", row.index))
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


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _finish_state(wr: WandbRun, log: RunLog | None) -> None:
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


def _kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)
