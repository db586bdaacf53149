"""The JSON and YAML files of a W&B run folder (`files/`): summary, config, metadata, tables.

Personal data never leaves this module: from the metadata only the git commit, the
program (repo-relative or its file name) and the start time are kept; home-directory
prefixes in config values are replaced by `~` (`scrub`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from ftlint.config.yamllines import load_yaml_with_lines
from ftlint.errors import FtlintError
from ftlint.model import Evidence, Metric, Problem
from ftlint.model import pointer as make_pointer
from ftlint.redact import redact
from ftlint.sources.io import Workspace, open_regular, read_capped, read_json
from ftlint.sources.outputs import RATE_KEYS
from ftlint.sources.wandb_folder import WandbRun, WandbTable
from ftlint.untrusted import redact_value
from ftlint.vocabulary import as_number, ignored, resolve

TABLE_NAME_RE = re.compile(r"^(?P<key>.+?)_(?P<step>\d+)_(?P<hash>[0-9a-f]{8,64})\.table\.json$")
HOME_RE = re.compile(r"(?:/home/|/Users/|[A-Za-z]:\\Users\\)[^/\\]+|^/root(?=/|$)")
FAILURE_WORDS = ("fail", "hard", "error")
#: a W&B config.yaml is kB; a larger one is not read into memory
MAX_CONFIG_BYTES = 32 * 1024 * 1024


def load_summary(ws: Workspace, path: Path, wr: WandbRun) -> None:
    if not _present(path):
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
    summary_metrics(data, rel, (), wr)


def summary_metrics(
    summary: Mapping[str, Any], rel: str, base: tuple[str, ...], wr: WandbRun
) -> None:
    """Every summary key through the vocabulary, whatever the logging code named it:
    `eval/vector_mae` -> `mae_raw`, `eval/evaluated_count` -> `eval_size`, `valid_loss`
    -> `eval_loss`, `train/loss` -> a trainer metric. Strings, lists, booleans and
    media refs are metadata, never a type error; internal keys (`_step`, `_wandb`) are
    skipped; NaN/Infinity are problems."""
    # final eval values (`eval/...`) before values logged during training (`iter_eval/`)
    ordered = sorted(summary.items(), key=lambda kv: str(kv[0]).startswith("iter_eval/"))
    for key, value in ordered:
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


def _present(path: Path) -> bool:
    """False only when `path` does not exist: a folder that cannot be searched
    (PermissionError) counts as present, so the read reports it instead of skipping."""
    try:
        return path.exists() or path.is_symlink()
    except OSError:
        return True


def load_config(ws: Workspace, path: Path, wr: WandbRun) -> None:
    if not _present(path):
        return
    rel = ws.rel(path)
    wr.sources.append(rel)
    handle, problem = open_regular(ws, path, None, "YAML")  # a FIFO is reported, not read
    if handle is None:
        wr.problems += [problem] if problem else []
        return
    text = ""
    try:
        with handle:
            raw = read_capped(handle, MAX_CONFIG_BYTES)
        if len(raw) > MAX_CONFIG_BYTES:
            msg = f"over {MAX_CONFIG_BYTES:,} bytes, too large for a run config; not read"
            wr.problems.append(Problem("invalid", msg, Evidence(rel)))
            return
        text = raw.decode("utf-8")
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
        wr.config[key] = scrub(entry["value"], key)
        wr.config_evidence[key] = Evidence(rel, lines.get(at), make_pointer(key, "value"))


def load_metadata(ws: Workspace, path: Path, wr: WandbRun) -> None:
    """Keep only git commit, program and start time: never host, user, email or paths."""
    if not _present(path):
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
        wr.metadata["program"] = redact(_safe_program(program.strip()))
    started = data.get("startedAt") or data.get("started_at")
    if isinstance(started, str) and started.strip():
        wr.metadata["started_at"] = redact(started.strip())[:40]


def _safe_program(program: str) -> str:
    """A repo-relative path as is; an absolute one (may name a home dir) by file name."""
    posix = program.replace("\\", "/")
    if posix.startswith(("/", "~")) or re.match(r"^[A-Za-z]:/", posix):
        return PurePosixPath(posix).name
    return posix


def scrub(value: Any, name: str | None = None) -> Any:
    """Replace home-directory prefixes (`/home/<user>`, `/Users/<user>`) by `~` and
    redact secrets (`redact_value`: a key-named field's whole value too), where the
    config enters the model. `name` is the config key the value is stored under."""
    if isinstance(value, str):
        return redact_value(HOME_RE.sub("~", value), name)
    if isinstance(value, dict):
        return {
            (redact(k) if isinstance(k, str) else k): scrub(v, k if isinstance(k, str) else None)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def load_tables(ws: Workspace, files: Path, wr: WandbRun) -> None:
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
