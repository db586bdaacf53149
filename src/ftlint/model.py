"""The data model: severities, evidence, findings, actions, runs and campaigns.

Everything here is a frozen dataclass (`frozen`) or an enum. Loaders build `Run`s, rules
read them and emit `Finding`s, the planner and reporters only read findings. Nothing
here reads files.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import field
from enum import StrEnum
from typing import Any

from ftlint import frozen, sha256
from ftlint.pointers import escape_pointer_token as escape_pointer_token  # re-exported
from ftlint.pointers import pointer as pointer
from ftlint.pointers import pointer_label as pointer_label


class Severity(StrEnum):
    """How bad a finding is: `error` > `warning` > `info`."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Numeric order, higher is worse (info=1, warning=2, error=3)."""
        return {"info": 1, "warning": 2, "error": 3}[self.value]


class Category(StrEnum):
    """The family a rule belongs to; the planner orders work by it."""

    FORMAT = "format"
    QUALITY = "quality"
    TRAINING = "training"
    PROVENANCE = "provenance"
    OPS = "ops"
    SECURITY = "security"


@frozen
class Evidence:
    """Where a finding can be checked: a workspace-relative POSIX path plus anchors."""

    path: str
    line: int | None = None
    pointer: str | None = None
    sample_id: str | None = None
    url: str | None = None

    def location(self) -> str:
        """`path:line` for JSONL, `path#/pointer` for JSON, or just the path."""
        if self.line is not None:
            return f"{self.path}:{self.line}"
        if self.pointer:
            return f"{self.path}#{self.pointer}"
        return self.path

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path}
        for key in ("line", "pointer", "sample_id", "url"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


@frozen
class Action:
    """One concrete change for the next run, attached to a finding for the planner."""

    tier: int
    kind: str
    text: str
    why: str = ""
    knob: str | None = None
    value: Any = None
    expected: str = ""
    rollback_trigger: str = ""

    def __post_init__(self) -> None:
        if self.tier not in (1, 2, 3, 4):
            raise ValueError(f"action tier must be 1-4, got {self.tier}")
        if self.kind not in ACTION_KINDS:
            raise ValueError(f"action kind must be one of {sorted(ACTION_KINDS)}, got {self.kind}")

    def to_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in ACTION_FIELDS}


#: the JSON field order of an action (findings and plan outputs)
ACTION_FIELDS = ("tier", "kind", "knob", "value", "text", "why", "expected", "rollback_trigger")
ACTION_KINDS = frozenset({"env", "dataset", "prompt", "decode", "process"})


def fingerprint(rule: str, run: str | None, path: str, anchor: str) -> str:
    """A stable id for a finding: rule, run, relative path and a stable anchor.

    Line numbers are deliberately not part of it, so a finding keeps its identity when
    lines move (suppressions and SARIF `partialFingerprints` rely on this).
    """
    raw = "\x1f".join((rule, run or "", path, anchor))
    # `surrogatepass`: a folder name that is no UTF-8 decodes to lone surrogates (as
    # Python decodes file names), and so may a JSON string; valid text hashes as before
    return sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@frozen
class Finding:
    """One diagnosis with its evidence, numbers and proposed actions."""

    rule: str
    name: str
    severity: Severity
    category: Category
    run: str | None
    message: str
    evidence: tuple[Evidence, ...] = ()
    measurements: Mapping[str, Any] = field(default_factory=dict)
    actions: tuple[Action, ...] = ()
    fingerprint: str = ""
    suppressed: bool = False

    def sort_key(self) -> tuple[Any, ...]:
        first = self.evidence[0] if self.evidence else None
        return (
            self.run or "",
            -self.severity.rank,
            self.rule,
            first.path if first else "",
            first.line or 0 if first else 0,
            self.message,
            self.fingerprint,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity.value,
            "category": self.category.value,
            "run": self.run,
            "message": self.message,
            "evidence": [e.to_dict() for e in self.evidence],
            "measurements": {k: _json_safe(v) for k, v in sorted(self.measurements.items())},
            "actions": [a.to_dict() for a in self.actions],
            "fingerprint": self.fingerprint,
            "suppressed": self.suppressed,
        }


def _json_safe(value: Any) -> Any:
    """Make a measurement JSON-safe: non-finite floats become strings."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:  # most, first
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


@frozen
class Problem:
    """Something wrong with an input file, found while loading it.

    Loaders never raise on bad artifacts and never emit findings: they record a
    `Problem`, and the provenance rules (PRV004 missing-artifact, PRV005
    inconsistent-metrics) turn problems into findings.
    """

    kind: str  # "missing" | "malformed" | "invalid" | "inconsistent" | "unsafe-path" | "empty"
    message: str
    evidence: Evidence
    run: str | None = None


@frozen
class Metric:
    """A numeric value with the evidence of where it was read, and the source's own key
    that fed it (`eval/vector_mae` for `mae_raw`), shown by `ftlint runs -v`."""

    value: float
    evidence: Evidence
    source_key: str | None = None


@frozen
class Conflict:
    """Two sources disagree about one provenance field; both are kept."""

    field: str
    values: tuple[tuple[Any, Evidence], ...]


@frozen
class Submission:
    """One job submission record (training or eval) from `artifacts/hf_jobs/*.jsonl`."""

    evidence: Evidence
    kind: str  # "train" | "eval"
    run_name: str | None
    exit_code: int | None
    job_id: str | None
    command: str
    env: Mapping[str, str]
    submitted_at: str | None = None
    mode: str | None = None
    output_model_id: str | None = None
    adapter_model_id: str | None = None
    base_model_id: str | None = None
    dataset_repo_id: str | None = None
    dataset_path: str | None = None
    stdout_tail: str = ""
    stderr_tail: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict)


@frozen
class SeriesPoint:
    """One evaluation during training (a line of `iter_eval_metrics.jsonl`)."""

    step: int
    metrics: Mapping[str, float]
    evidence: Evidence
    timestamp: str | None = None
    hard_cases_count: int | None = None


@frozen
class TraceRow:
    """A Weave trace link for a hard case, joined by rank."""

    rank: int | None
    trace_id: str | None
    url: str | None
    mae_raw: float | None
    parse_error: str | None
    evidence: Evidence


@frozen
class HardCase:
    """One row of `hard_cases.valid.jsonl`, streamed to the rules that asked for rows."""

    rank: int | None
    sample_id: str | None
    request_text: str | None
    source_type: str | None
    target_vector: Mapping[str, Any] | None
    predicted_vector: Mapping[str, Any] | None
    abs_error_raw: Mapping[str, Any] | None
    mae_raw: float | None
    parse_error: str | None
    generated_text: str | None
    evidence: Evidence
    raw: Mapping[str, Any]


@frozen
class Provenance:
    """What a run measured and on what: the fields a valid comparison needs equal."""

    base_model: str | None = None
    adapter: str | None = None
    dataset_version: str | None = None
    eval_path: str | None = None
    eval_size: int | None = None
    target_scale: float | None = None
    target_keys: tuple[str, ...] | None = None
    objective: str | None = None
    mode: str | None = None


@frozen
class Run:
    """Everything known about one run, joined by run name from every source.

    `metrics` are the final eval metrics (finite numbers only; anything else was
    recorded as a `Problem`), each with its evidence. `hard_cases_path` is a
    workspace-relative path the engine streams; rules never open it (nor stat it: its
    size as discovery found it is `hard_cases_bytes`, None when unknown, the same in
    every process of a `--jobs` split).
    """

    name: str
    kind: str = "train"  # "train" | "eval"
    wandb_id: str | None = None
    group: str | None = None
    cycle: str | None = None
    provenance: Provenance = Provenance()
    metrics: Mapping[str, Metric] = field(default_factory=dict)
    train_metrics: Mapping[str, Metric] = field(default_factory=dict)
    final_metrics_path: str | None = None
    final_metrics: Mapping[str, Any] | None = None
    series: tuple[SeriesPoint, ...] = ()
    series_path: str | None = None
    hard_cases_path: str | None = None
    hard_cases_bytes: int | None = None
    traces: tuple[TraceRow, ...] = ()
    traces_path: str | None = None
    submissions: tuple[Submission, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    env_sources: Mapping[str, Evidence] = field(default_factory=dict)
    eval_result: Mapping[str, Any] | None = None
    eval_result_path: str | None = None
    timestamp: str | None = None
    sources: tuple[str, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    problems: tuple[Problem, ...] = ()
    #: the joined W&B run folder (`wandb/run-...` or `wandb/offline-run-...`), if any
    wandb_dir: str | None = None
    #: W&B config values (`config.yaml` or the run log; `_wandb` dropped, home dirs as `~`)
    wandb_config: Mapping[str, Any] = field(default_factory=dict)
    #: W&B summary (last logged value per key); None when no summary was found, {} when empty
    wandb_summary: Mapping[str, Any] | None = None
    wandb_summary_path: str | None = None
    #: every W&B history row with a step: numeric keys as logged (`train/loss`, ...)
    wandb_history: tuple[SeriesPoint, ...] = ()
    #: media tables (`ftlint.sources.wandb_runs.WandbTable`): key, path, columns, rows
    wandb_tables: tuple[Any, ...] = ()
    #: git_commit, program and started_at only (never host, user, email or home paths)
    wandb_metadata: Mapping[str, str] = field(default_factory=dict)
    #: W&B exit code from the run log's exit record; None when there is none (or no log)
    exit_code: int | None = None
    #: True: exit 0 with a non-empty summary; False: crashed, cut off, no exit record or
    #: empty summary; None: unknown (no W&B run, or its log could not be read)
    finished: bool | None = None
    finish_note: str = ""
    finish_evidence: Evidence | None = None
    #: Weave evaluations (`ftlint.sources.weave_export.WeaveEvaluation`) joined to this run
    weave_evals: tuple[Any, ...] = ()
    # -- v2 input layer (source adapters, `ftlint.assemble.records`) -------------------
    #: display label (the identity is `name`: a source id, never a display name alone)
    label: str | None = None
    #: the adapters that fed this run (`hfjobs`, `wandb`, `hf_trainer`, ...)
    adapters: tuple[str, ...] = ()
    #: finished | crashed | killed | running | unknown
    status: str = "unknown"
    status_evidence: Evidence | None = None
    #: settings as the stack names them, each with its evidence
    settings: Mapping[str, Any] = field(default_factory=dict)
    settings_evidence: Mapping[str, Evidence] = field(default_factory=dict)
    #: the settings' vocabulary for the planner: env, hf_trainer, llamafactory, openai, lm_eval
    stack: str = ""
    #: canonical curves: `train_loss`, `eval_loss`, `learning_rate`, `eval_accuracy`... by step
    curves: Mapping[str, tuple[Point, ...]] = field(default_factory=dict)
    #: eval-row files (`ftlint.sources.base.RowFile`) the engine streams for this run
    row_files: tuple[Any, ...] = ()
    #: non-numeric values (strings, lists, media refs): metadata, never a metric error
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def metric(self, key: str) -> float | None:
        """The value of a final eval metric, or None when absent or unusable."""
        m = self.metrics.get(key)
        return m.value if m is not None else None

    def metric_evidence(self, key: str) -> Evidence | None:
        m = self.metrics.get(key)
        return m.evidence if m is not None else None

    def trace_for_rank(self, rank: int | None) -> TraceRow | None:
        if rank is None:
            return None
        for row in self.traces:
            if row.rank == rank:
                return row
        return None


@frozen
class Campaign:
    """All runs of a workspace, plus the chosen baseline and candidate (by name)."""

    root: str
    runs: tuple[Run, ...]
    baseline: str | None = None
    candidate: str | None = None
    selection_note: str = ""
    problems: tuple[Problem, ...] = ()
    #: submissions that name no run and match no run's adapter id
    unjoined: tuple[Submission, ...] = ()
    #: files that look like eval artifacts but that no adapter read, with the reason
    #: (`ftlint.sources.base.Unread`): `ftlint runs` lists them, PRV004 names them
    unread: tuple[Any, ...] = ()
    #: byte-identical key artifacts of different runs (`ftlint.assemble.digests`)
    copies: tuple[Any, ...] = ()

    def __iter__(self) -> Iterator[Run]:
        return iter(self.runs)

    def get(self, name: str | None) -> Run | None:
        if name is None:
            return None
        for run in self.runs:
            if run.name == name:
                return run
        return None


@frozen
class Point:
    """One value of a training or eval curve at a step (any stack's logs)."""

    step: float
    value: float
    evidence: Evidence


@frozen
class EvalRow:
    """One eval example as any stack wrote it: hard cases, W&B prediction tables,
    LLaMA-Factory predictions, lm-eval samples, generic rows.

    Strings are untrusted (model outputs, prompts): rules quote them only through the
    reporters, which escape and redact them. `parsed` is the output parsed by the
    source when it did so (None: not parsed or not parseable); `scores` holds per-row
    metrics as the source named them (`exact_match`, `acc`, `mae_raw`, `correct`...);
    `error` is the source's own parse-error label when it wrote one.
    """

    id: str | None
    input: str | None
    output: str | None
    reference: Any
    evidence: Evidence
    parsed: Any = None
    scores: Mapping[str, float] = field(default_factory=dict)
    rank: int | None = None
    group: str | None = None
    error: str | None = None
