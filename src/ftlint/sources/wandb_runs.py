"""W&B local run folders (`wandb/run-*`, `wandb/offline-run-*`): files/ JSON and YAML, tables, log.

An online run folder has `files/wandb-summary.json` (flat `/`-namespaced keys),
`files/config.yaml` (`key: {value: ...}`), `files/wandb-metadata.json` and media
tables; every folder has the binary `run-<id>.wandb`, the only local copy of the step
history and, for offline runs, of everything. The log is read with `wandb_log` only when
the SDK is importable; otherwise the folder is loaded from its JSON files and the caller
says once which history it could not read.

This module drives the readers: `wandb_files` (the files/ folder; personal data never
leaves it: from the metadata only the git commit, the program and the start time are
kept, home-directory prefixes in config values become `~`) and `wandb_history` (the log).
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Any

from ftlint.config.settings import DEFAULT_MAX_LINE_BYTES
from ftlint.sources.io import Workspace
from ftlint.sources.wandb_files import load_config, load_metadata, load_summary, load_tables
from ftlint.sources.wandb_folder import WandbRun, WandbTable
from ftlint.sources.wandb_history import finish_state, load_history_jsonl, load_log, take_log

__all__ = ["WandbRun", "WandbTable", "load_wandb_run"]

FOLDER_RE = re.compile(r"^(?P<offline>offline-)?run-(?P<stamp>\d{8}_\d{6})-(?P<id>[A-Za-z0-9]+)$")
#: config keys (besides env-style ones) that may carry the training run's name
NAME_KEYS = ("HF_FT_RUN_NAME", "run_name")


def load_wandb_run(ws: Workspace, folder: Path) -> WandbRun:
    """Load one run folder. Never raises on bad content: problems are recorded."""
    wr = WandbRun(rel=ws.rel(folder))
    m = FOLDER_RE.match(folder.name)
    if m:
        wr.run_id, wr.offline, wr.stamp = m["id"], bool(m["offline"]), m["stamp"]
    files = folder / "files"
    load_summary(ws, files / "wandb-summary.json", wr)
    load_config(ws, files / "config.yaml", wr)
    load_metadata(ws, files / "wandb-metadata.json", wr)
    log = load_log(ws, folder, wr)
    if log is not None:
        take_log(ws, log, wr)
    load_history_jsonl(ws, folder, wr, DEFAULT_MAX_LINE_BYTES)  # pulled runs (ftlint pull)
    load_tables(ws, files, wr)
    finish_state(wr, log)
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
