"""The Plan data model: what `ftlint.plan.builder.build_plan` returns and every format renders.

Frozen dataclasses with `to_dict` for the JSON output (schemas/plan.schema.json), plus
`format_value`, the one place a knob value becomes an env string.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import field
from typing import Any

from ftlint import frozen
from ftlint.gates.decide import GateReport
from ftlint.model import Category

TIER_NAMES = {
    1: "output-format reliability",
    2: "prompt and decode controls",
    3: "data",
    4: "hyperparameters",
}
#: which findings explain a run first: the model's own failures, then the process
CATEGORY_ORDER = {
    Category.FORMAT: 0,
    Category.QUALITY: 1,
    Category.TRAINING: 2,
    Category.PROVENANCE: 3,
    Category.OPS: 4,
    Category.SECURITY: 5,
}
PLAN_SCHEMA_ID = "https://ftlint.dev/schemas/plan.schema.json"


@frozen
class ScoreRow:
    metric: str
    baseline: float | None
    candidate: float | None
    delta: float | None
    change: str  # "better" | "worse" | "same" | ""
    provisional: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "baseline": self.baseline,
            "candidate": self.candidate,
            "delta": self.delta,
            "change": self.change,
            "provisional": self.provisional,
        }


@frozen
class Cluster:
    title: str
    rule: str
    severity: str
    category: str
    count: int
    sample_ids: tuple[str, ...]
    root_cause: str
    fix: str
    fix_tier: int | None
    evidence: tuple[str, ...]
    traces: tuple[str, ...]
    more_evidence: int
    message: str
    provisional: bool = False
    related: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "rule": self.rule,
            "severity": self.severity,
            "category": self.category,
            "count": self.count,
            "sample_ids": list(self.sample_ids),
            "root_cause": self.root_cause,
            "fix": self.fix,
            "fix_tier": self.fix_tier,
            "evidence": list(self.evidence),
            "traces": list(self.traces),
            "more_evidence": self.more_evidence,
            "message": self.message,
            "provisional": self.provisional,
            "related": list(self.related),
        }


@frozen
class PlannedAction:
    tier: int
    kind: str
    knob: str | None
    value: Any
    text: str
    why: str
    expected: str
    rollback_trigger: str
    rules: tuple[str, ...]
    severity: str
    category: str
    status: str = "planned"  # "planned" | "deferred" | "superseded"
    provisional: bool = False
    note: str = ""
    #: fingerprints of the findings this action addresses (every rule that proposed it)
    addresses: tuple[str, ...] = ()
    #: failed rows it is expected to fix, from the clusters it covers (None: unknown)
    expected_rows_fixed: int | None = None
    #: the setting change it reverts or corrects (knob, names, baseline, candidate)
    caused_by: Mapping[str, Any] | None = None
    #: the failure clusters (classes) it covers, the dominant one first
    covers: tuple[str, ...] = ()
    #: False for a generic remedy (proposed without knowing why rows failed)
    specific: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "tier": self.tier,
            "tier_name": TIER_NAMES[self.tier],
            "kind": self.kind,
            "knob": self.knob,
            "value": _json_value(self.value),
            "text": self.text,
            "why": self.why,
            "expected": self.expected,
            "rollback_trigger": self.rollback_trigger,
            "rules": list(self.rules),
            "severity": self.severity,
            "category": self.category,
            "status": self.status,
            "provisional": self.provisional,
            "note": self.note,
            "addresses": list(self.addresses),
            "expected_rows_fixed": self.expected_rows_fixed,
            "caused_by": _json_value(self.caused_by) if self.caused_by is not None else None,
            "covers": list(self.covers),
            "specific": self.specific,
        }


@frozen
class Proposal:
    knob: str
    value: str
    rule: str
    tier: int
    severity: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "knob": self.knob,
            "value": self.value,
            "rule": self.rule,
            "tier": self.tier,
            "severity": self.severity,
            "text": self.text,
        }


@frozen
class KnobConflict:
    knob: str
    winner: Proposal
    losers: tuple[Proposal, ...]
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "knob": self.knob,
            "winner": self.winner.to_dict(),
            "losers": [p.to_dict() for p in self.losers],
            "reasons": list(self.reasons),
        }


@frozen
class Override:
    name: str | None  # env variable; None when the knob maps to none
    knob: str
    current: str | None
    value: str
    rule: str
    tier: int
    status: str  # "apply" | "deferred" | "unchanged" | "unmapped"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "knob": self.knob,
            "current": self.current,
            "value": self.value,
            "rule": self.rule,
            "tier": self.tier,
            "status": self.status,
        }


@frozen
class Plan:
    tool_version: str
    workspace: str
    baseline: str | None
    candidate: str
    selection_note: str
    eval_sizes: Mapping[str, int | None]
    blocked: bool
    block_reasons: tuple[str, ...]
    diagnosis: tuple[str, ...]
    scoreboard: tuple[ScoreRow, ...]
    clusters: tuple[Cluster, ...]
    actions: tuple[PlannedAction, ...]
    overrides: tuple[Override, ...]
    conflicts: tuple[KnobConflict, ...]
    gates: GateReport | None
    counts: Mapping[str, int] = field(default_factory=dict)
    other_findings: int = 0
    #: every knob the candidate set differently from the baseline (`SettingChange.to_dict`)
    setting_changes: tuple[Mapping[str, Any], ...] = ()

    def applied_overrides(self) -> list[Override]:
        return [o for o in self.overrides if o.status == "apply"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "$schema": PLAN_SCHEMA_ID,
            "tool": {"name": "ftlint", "version": self.tool_version},
            "workspace": self.workspace,
            "baseline": self.baseline,
            "candidate": self.candidate,
            "selection_note": self.selection_note,
            "eval_sizes": dict(self.eval_sizes),
            "format_blocked": self.blocked,
            "block_reasons": list(self.block_reasons),
            "diagnosis": list(self.diagnosis),
            "scoreboard": [r.to_dict() for r in self.scoreboard],
            "clusters": [c.to_dict() for c in self.clusters],
            "actions": [a.to_dict() for a in self.actions],
            "overrides": [o.to_dict() for o in self.overrides],
            "conflicts": [c.to_dict() for c in self.conflicts],
            "gates": self.gates.to_dict() if self.gates is not None else None,
            "findings": {**dict(self.counts), "other_runs": self.other_findings},
            "setting_changes": [_json_value(c) for c in self.setting_changes],
        }


def format_value(value: Any) -> str:
    """A knob value as an env string: 160, 1.2e-05, true, a,b (lists), k:v,k:v (maps)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".10g")
    if isinstance(value, Mapping):
        return ",".join(f"{k}:{format_value(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ",".join(format_value(v) for v in value)
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def overrides_title(overrides: Any) -> str:
    """`env overrides` when every change is a job's `--env` variable (UPPER_SNAKE), else
    `setting changes` (TrainingArguments, LLaMA-Factory YAML keys, OpenAI hyperparameters)."""
    names = [o.name for o in overrides if o.name]
    env = not names or all(n == n.upper() for n in names)
    return "env overrides" if env else "setting changes"
