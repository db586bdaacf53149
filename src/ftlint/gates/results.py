"""What a gate decision produces: verdicts, per-gate results, rollbacks, the report.

The lowest module of `ftlint.gates`: the policy, the per-gate decision
(`ftlint.gates.intervals`) and the overall verdict (`ftlint.gates.decide`) all build
these, and the report formats read them. `num` and `signed` are the one rendering of
numbers every gate text uses.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import field
from enum import StrEnum
from typing import Any

from ftlint import frozen


class Verdict(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    INCONCLUSIVE = "INCONCLUSIVE"


# --------------------------------------------------------------------------- inputs


@frozen
class RowResults:
    """Per-row outcomes of one run: sample id -> (parsed, row MAE), and for closed answers
    sample id -> correct (`ftlint.gates.rows.row_results` builds it from any source's rows).

    `complete` only when the file holds every eval row (hard cases are normally the
    top-k worst rows only); `reason` says why not.
    """

    run: str
    rows: int
    complete: bool
    outcomes: Mapping[str, tuple[bool, float | None]] = field(default_factory=dict)
    reason: str = ""
    #: sample id -> whether a closed answer was right (accuracy, exact match)
    correct: Mapping[str, bool] = field(default_factory=dict)
    #: the rows are outputs of a JSON contract (hard cases are), so `parsed` is output
    #: validity and json_valid_rate can be recounted from them
    json_contract: bool = True


# --------------------------------------------------------------------------- results


@frozen
class GateResult:
    gate_id: str
    label: str
    metric: str
    category: str  # "format" | "quality" | "precondition"
    threshold: str
    verdict: Verdict
    detail: str
    method: str = ""
    baseline: float | None = None
    candidate: float | None = None
    measurements: Mapping[str, Any] = field(default_factory=dict)
    provisional: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.gate_id,
            "label": self.label,
            "metric": self.metric,
            "category": self.category,
            "threshold": self.threshold,
            "verdict": self.verdict.value,
            "detail": self.detail,
            "method": self.method,
            "baseline": _safe(self.baseline),
            "candidate": _safe(self.candidate),
            "measurements": {k: _safe(v) for k, v in sorted(self.measurements.items())},
            "provisional": self.provisional,
        }


@frozen
class Rollback:
    metric: str
    trigger: str
    adapter: str | None
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "trigger": self.trigger,
            "adapter": self.adapter,
            "text": self.text,
        }


@frozen
class Decision:
    """After PASS: promote `target` (rollback criteria apply); otherwise keep `keep`
    (the baseline, named as what is served: adapter id, model id or prompt-only) and
    fix the gates in `fix`."""

    promote: bool
    target: str
    keep: str
    fix: tuple[str, ...]
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "promote": self.promote,
            "target": self.target,
            "keep": self.keep,
            "fix": list(self.fix),
            "text": self.text,
        }


@frozen
class GateReport:
    baseline: str | None
    candidate: str | None
    results: tuple[GateResult, ...]
    overall: Verdict
    passed: bool
    format_blocked: bool
    inconclusive_policy: str
    policy_source: str
    rollback: tuple[Rollback, ...] = ()
    notes: tuple[str, ...] = ()
    summary: str = ""
    #: default gates that do not apply to the pair (`ftlint.gates.defaults.NotApplicable`)
    not_applicable: tuple[Any, ...] = ()
    #: how rates meet absolute minimums: "lower_bound" (conservative) | "point_estimate"
    absolute_policy: str = "lower_bound"
    #: what to do: promote the candidate, or keep the baseline and fix the named gates
    decision: Decision | None = None

    def counts(self) -> dict[str, int]:
        return {v.value: sum(1 for r in self.results if r.verdict is v) for v in Verdict}

    def to_dict(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline,
            "candidate": self.candidate,
            "overall": self.overall.value,
            "passed": self.passed,
            "summary": self.summary,
            "format_blocked": self.format_blocked,
            "inconclusive": self.inconclusive_policy,
            "policy": self.policy_source,
            "gates": [r.to_dict() for r in self.results],
            "rollback": [r.to_dict() for r in self.rollback],
            "notes": list(self.notes),
            "absolute": self.absolute_policy,
            "not_applicable": [n.to_dict() for n in self.not_applicable],
            "decision": self.decision.to_dict() if self.decision is not None else None,
        }


def _safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_safe(v) for v in value]
    return value


def num(value: float | None, digits: int = 4) -> str:
    """A short, stable rendering of a number (`0.8125`, `11.38`, `1.2e-05`)."""
    if value is None:
        return "-"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return str(int(value))
    return format(value, f".{digits}g")


def signed(value: float, digits: int = 4) -> str:
    return ("+" if value >= 0 else "") + num(value, digits)
