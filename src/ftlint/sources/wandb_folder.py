"""One W&B run folder as loaded: the record the folder readers fill in.

`ftlint.sources.wandb_runs.load_wandb_run` builds a `WandbRun` from the folder's JSON
and YAML files (`wandb_files`) and its binary log (`wandb_history`);
`ftlint.sources.hfjobs.wandb_join` joins it to a run.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from ftlint import frozen, mutable
from ftlint.model import Evidence, Metric, Problem, SeriesPoint


@frozen
class WandbTable:
    """A media table (`files/media/table/**/*.table.json`): where it is and how big."""

    key: str
    evidence: Evidence
    columns: tuple[str, ...]
    rows: int
    parse_errors: int | None  # rows with a non-empty `parse_error` cell, if that column exists
    failures: bool  # named like a failures / hard-case table


@mutable
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
