"""Promotion gates: PASS, FAIL or INCONCLUSIVE per gate and overall (pure, no I/O).

Gates come from the `gates:` section of rules.yaml (schema below, registered through
the `ftlint_config_schema` hook) or the defaults. Each configured check yields one
gate per threshold it sets (`margin`/`tolerance` against the baseline, `min`/`max`
absolute). The math, all one-sided at `alpha` (default 0.05):

* rate vs baseline (non-inferiority, `margin` absolute): PASS when the worst end of
  the Newcombe interval of candidate - baseline (two-sided 1 - 2*alpha) is within the
  margin; else FAIL when the candidate is significantly worse (pooled two-proportion
  z-test, or the exact McNemar test when complete per-row outcomes of both runs pair
  up by sample id); else INCONCLUSIVE.
* rate vs an absolute `min`/`max`: PASS when the one-sided Wilson bound is on the
  right side; FAIL when the point estimate misses it and so does the Wilson bound on
  the other side; else INCONCLUSIVE.
* mean metrics such as mae_raw (`tolerance` relative, or `margin` absolute): with
  per-row errors for both runs, a bootstrap interval of the mean difference (PASS when
  its worst end is within the allowance, FAIL when significantly worse); otherwise the
  point estimate decides, and the gate says so.

Format gates are decided first: a failed format gate blocks promotion whatever the
quality gates say, and the quality verdicts are then provisional. An incomparable
pair (PRV001) or a contaminated eval (PRV003) adds a failed precondition, so the
overall verdict can never be PASS.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from ftlint.hookspecs import hookimpl
from ftlint.model import Finding, Run, Severity

SECTION = "gates"
DEFAULT_ALPHA = 0.05
FORMAT_METRICS = frozenset({"json_valid_rate", "parse_error_rate"})
#: findings that make a promotion impossible, by rule code
BLOCKING_RULES = {
    "PRV001": ("comparable-pair", "baseline and candidate were measured the same way"),
    "PRV003": ("uncontaminated-eval", "every eval row was answered by the model under test"),
}

_CHECK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["metric"],
    "properties": {
        "metric": {"type": "string", "minLength": 1, "description": "final eval metric key"},
        "name": {"type": "string", "description": "label shown in reports"},
        "direction": {
            "enum": ["higher", "lower"],
            "description": "which way is better (inferred for rates, mae_*, mse_*)",
        },
        "category": {
            "enum": ["format", "quality"],
            "description": "format gates are decided first (inferred from the metric)",
        },
        "min": {"type": "number", "description": "absolute minimum of the candidate"},
        "max": {"type": "number", "description": "absolute maximum of the candidate"},
        "margin": {
            "type": "number",
            "minimum": 0,
            "description": "non-inferiority margin vs the baseline, absolute",
        },
        "tolerance": {
            "type": "number",
            "minimum": 0,
            "description": "allowed worsening vs the baseline, relative (0.02 = 2%)",
        },
        "alpha": {"type": "number", "exclusiveMinimum": 0, "maximum": 0.5},
    },
}

GATES_SCHEMA: dict[str, Any] = {
    "description": "Promotion gates: a list of checks, or a mapping with policy keys.",
    "type": ["object", "array"],
    "items": _CHECK_SCHEMA,
    "minItems": 1,
    "additionalProperties": False,
    "properties": {
        "inconclusive": {
            "enum": ["fail", "pass"],
            "description": "what an INCONCLUSIVE overall verdict exits with (default fail)",
        },
        "alpha": {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 0.5,
            "description": "one-sided significance level of every check (default 0.05)",
        },
        "checks": {"type": "array", "minItems": 1, "items": _CHECK_SCHEMA},
    },
}

DEFAULT_CHECKS: tuple[dict[str, Any], ...] = (
    {"metric": "json_valid_rate", "direction": "higher", "margin": 0.01},
    {"metric": "parse_error_rate", "direction": "lower", "margin": 0.01},
    {"metric": "json_valid_rate", "direction": "higher", "min": 0.98},
    {"metric": "mae_raw", "direction": "lower", "tolerance": 0.02},
)


@hookimpl
def ftlint_config_schema() -> dict[str, Any]:
    return {SECTION: GATES_SCHEMA}


class Verdict(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    INCONCLUSIVE = "INCONCLUSIVE"


# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class GateSpec:
    """One threshold of one configured check."""

    metric: str
    direction: str  # "higher" | "lower"
    category: str  # "format" | "quality"
    kind: str  # "relative" | "min" | "max"
    alpha: float
    bound: float | None = None  # min/max value
    margin: float | None = None
    tolerance: float | None = None
    name: str | None = None

    @property
    def is_rate(self) -> bool:
        return self.metric.endswith("_rate")

    @property
    def gate_id(self) -> str:
        return f"{self.metric}:{'non-inferiority' if self.kind == 'relative' else self.kind}"

    def label(self) -> str:
        if self.name:
            return self.name
        if self.kind == "min":
            return f"{self.metric} >= {num(self.bound)}"
        if self.kind == "max":
            return f"{self.metric} <= {num(self.bound)}"
        return f"{self.metric} {'non-inferior to' if self.is_rate else 'vs'} baseline"

    def threshold(self) -> str:
        conf = f"one-sided {1 - self.alpha:.0%}"
        if self.kind == "min":
            return f">= {num(self.bound)} ({conf})"
        if self.kind == "max":
            return f"<= {num(self.bound)} ({conf})"
        sign = "-" if self.direction == "higher" else "+"
        op = ">=" if self.direction == "higher" else "<="
        parts = []
        if self.margin is not None:
            parts.append(f"candidate - baseline {op} {sign}{num(self.margin)}")
        if self.tolerance is not None:
            parts.append(f"within {num(self.tolerance * 100)}% of baseline")
        return " and ".join(parts) + f" ({conf})"


@dataclass(frozen=True)
class GatePolicy:
    specs: tuple[GateSpec, ...]
    inconclusive: str = "fail"
    alpha: float = DEFAULT_ALPHA
    source: str = "defaults"


class GateConfigError(ValueError):
    """A semantically invalid gates: section; `pointer` locates it in the config."""

    def __init__(self, message: str, pointer: str) -> None:
        super().__init__(message)
        self.pointer = pointer


def _infer_direction(metric: str) -> str | None:
    if metric in ("json_valid_rate",) or metric.endswith(("_match_rate", "_score", "r2_score")):
        return "higher"
    if metric.startswith(("mae", "mse", "parse_error", "vector_mae")) or "latency" in metric:
        return "lower"
    if metric.endswith(("fallback_rate", "error_rate")):
        return "lower"
    if metric.endswith("_rate"):
        return "higher"
    return None


def gate_policy(section: Any) -> GatePolicy:
    """Build the policy from the (schema-validated) `gates:` section, or the defaults.

    Raises `GateConfigError` (with a JSON pointer) for a check without a threshold or
    whose direction cannot be inferred.
    """
    if section is None:
        section = {}
    base = "/gates" if isinstance(section, list) else "/gates/checks"
    if isinstance(section, list):
        section = {"checks": section}
    alpha = float(section.get("alpha", DEFAULT_ALPHA))
    raw_checks = section.get("checks")
    source = "rules.yaml gates:" if raw_checks else "defaults"
    specs: list[GateSpec] = []
    for i, check in enumerate(raw_checks or DEFAULT_CHECKS):
        at = f"{base}/{i}"
        metric = str(check["metric"])
        direction = check.get("direction") or _infer_direction(metric)
        if direction is None:
            raise GateConfigError(
                f"gates: cannot tell whether higher or lower {metric!r} is better; "
                "add direction: higher|lower",
                at,
            )
        keys = [k for k in ("margin", "tolerance", "min", "max") if check.get(k) is not None]
        if not keys:
            raise GateConfigError(
                f"gates: check of {metric!r} sets no threshold (margin, tolerance, min or max)",
                at,
            )
        category = check.get("category") or ("format" if metric in FORMAT_METRICS else "quality")
        common = {
            "metric": metric,
            "direction": direction,
            "category": category,
            "alpha": float(check.get("alpha", alpha)),
            "name": check.get("name"),
        }
        if "margin" in keys or "tolerance" in keys:
            specs.append(
                GateSpec(
                    kind="relative",
                    margin=check.get("margin"),
                    tolerance=check.get("tolerance"),
                    **common,
                )
            )
        for kind in ("min", "max"):
            if kind in keys:
                specs.append(GateSpec(kind=kind, bound=float(check[kind]), **common))
    ordered = sorted(specs, key=lambda s: s.category != "format")  # stable: format first
    return GatePolicy(tuple(ordered), section.get("inconclusive", "fail"), alpha, source)


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class RowResults:
    """Per-row outcomes of one run from its hard cases: sample id -> (parsed, row MAE).

    `complete` only when the file holds every eval row (hard cases are normally the
    top-k worst rows only); `reason` says why not.
    """

    run: str
    rows: int
    complete: bool
    outcomes: Mapping[str, tuple[bool, float | None]] = field(default_factory=dict)
    reason: str = ""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


# --------------------------------------------------------------------------- evaluation


def evaluate(
    baseline: Run | None,
    candidate: Run,
    findings: Sequence[Finding],
    policy: GatePolicy,
    rows: Mapping[str, RowResults] | None = None,
    checked_rules: Iterable[str] = (),
) -> GateReport:
    """Decide every gate of `policy` for the pair and combine them into a verdict.

    `findings` are the lint findings (suppressed ones are ignored); `rows` maps run
    name to per-row results when they could be read; `checked_rules` are the codes
    that ran, so a precondition that was never checked is said to be unchecked.
    """
    rows = rows or {}
    notes: list[str] = []
    results: list[GateResult] = list(_preconditions(baseline, candidate, findings))
    void = any(r.gate_id == "comparable-pair" for r in results)
    checked = set(checked_rules)
    for code, (gate, _) in sorted(BLOCKING_RULES.items()):
        if checked and code not in checked:
            notes.append(f"{code} did not run, so {gate} is unchecked")
    pair = _pairing(baseline, candidate, rows)
    if baseline is not None and pair is None:
        notes.append(_pairing_note(baseline, candidate, rows))
    from ftlint.gates.intervals import decide

    for spec in policy.specs:
        results.append(decide(spec, baseline, candidate, pair, void))
    blocked = any(r.category == "format" and r.verdict is Verdict.FAIL for r in results)
    if blocked:
        results = [_with(r, provisional=True) if r.category == "quality" else r for r in results]
    order = {"precondition": 0, "format": 1, "quality": 2}
    results.sort(key=lambda r: order.get(r.category, 3))  # stable within a category
    verdicts = {r.verdict for r in results}
    overall = (
        Verdict.FAIL
        if Verdict.FAIL in verdicts
        else Verdict.INCONCLUSIVE
        if Verdict.INCONCLUSIVE in verdicts or not results
        else Verdict.PASS
    )
    passed = overall is Verdict.PASS or (
        overall is Verdict.INCONCLUSIVE and policy.inconclusive == "pass"
    )
    report = GateReport(
        baseline=baseline.name if baseline else None,
        candidate=candidate.name,
        results=tuple(results),
        overall=overall,
        passed=passed,
        format_blocked=blocked,
        inconclusive_policy=policy.inconclusive,
        policy_source=policy.source,
        rollback=tuple(_rollbacks(policy, baseline)),
        notes=tuple(notes),
    )
    return _with_summary(report)


def _with(result: GateResult, **changes: Any) -> GateResult:
    return replace(result, **changes)


def _with_summary(report: GateReport) -> GateReport:
    c = report.counts()
    tally = f"{c['PASS']} pass, {c['FAIL']} fail, {c['INCONCLUSIVE']} inconclusive"
    if report.format_blocked:
        why = "a format gate failed: promotion is blocked whatever the quality gates say"
    elif any(r.category == "precondition" for r in report.results):
        why = "a precondition failed: the numbers cannot support a promotion"
    elif report.overall is Verdict.FAIL:
        why = "a quality gate failed"
    elif report.overall is Verdict.INCONCLUSIVE:
        why = (
            "the data cannot resolve every gate; accepted by gates.inconclusive: pass"
            if report.passed
            else "the data cannot resolve every gate (INCONCLUSIVE fails unless "
            "gates.inconclusive: pass)"
        )
    else:
        why = "every gate passed"
    return replace(report, summary=f"{report.overall.value} ({tally}): {why}")


def _preconditions(
    baseline: Run | None, candidate: Run, findings: Sequence[Finding]
) -> Iterable[GateResult]:
    runs = {candidate.name} | ({baseline.name} if baseline else set())
    for code, (gate_id, meaning) in sorted(BLOCKING_RULES.items()):
        hits = [
            f
            for f in findings
            if f.rule == code
            and not f.suppressed
            and f.run in runs
            and f.severity.rank >= Severity.WARNING.rank
        ]
        if not hits:
            continue
        first = hits[0]
        more = f" (+{len(hits) - 1} more)" if len(hits) > 1 else ""
        yield GateResult(
            gate_id=gate_id,
            label=f"{gate_id.replace('-', ' ')} ({code})",
            metric=code,
            category="precondition",
            threshold=f"no {code} {first.name} finding",
            verdict=Verdict.FAIL,
            detail=f"{first.run}: {first.message}{more}; {meaning} is required to promote",
            method="finding",
            measurements={"findings": len(hits)},
        )


def _pairing(
    baseline: Run | None, candidate: Run, rows: Mapping[str, RowResults]
) -> tuple[RowResults, RowResults] | None:
    if baseline is None:
        return None
    b, c = rows.get(baseline.name), rows.get(candidate.name)
    if b is None or c is None or not (b.complete and c.complete):
        return None
    if set(b.outcomes) != set(c.outcomes):
        return None
    if _disagrees(baseline, b) or _disagrees(candidate, c):
        return None
    return b, c


def _disagrees(run: Run, rows: RowResults) -> bool:
    """True when the rows' parsed share is not the run's reported json_valid_rate."""
    rate = run.metric("json_valid_rate")
    if rate is None or not rows.outcomes:
        return False
    parsed = sum(1 for ok, _ in rows.outcomes.values() if ok)
    return abs(parsed - rate * len(rows.outcomes)) > 0.5


def _pairing_note(baseline: Run, candidate: Run, rows: Mapping[str, RowResults]) -> str:
    parts = []
    for run in (candidate, baseline):
        r = rows.get(run.name)
        if r is None:
            parts.append(f"{run.name}: no per-row results")
        elif not r.complete:
            parts.append(f"{run.name}: {r.reason}")
        elif _disagrees(run, r):
            parts.append(f"{run.name}: its per-row outcomes disagree with its json_valid_rate")
    if not parts:
        parts.append("the two runs' hard cases cover different sample ids")
    return (
        "per-row pairing is not possible (" + "; ".join(parts) + "): rate gates use the "
        "unpaired two-proportion test and mean gates (mae_raw) the point estimates"
    )


def allowance(spec: GateSpec, base: float) -> float:
    """How much worse than `base` the candidate may be, absolute."""
    options = []
    if spec.margin is not None:
        options.append(spec.margin)
    if spec.tolerance is not None:
        options.append(spec.tolerance * abs(base))
    return min(options)  # both set: the stricter one


def _rollbacks(policy: GatePolicy, baseline: Run | None) -> Iterable[Rollback]:
    adapter = baseline.provenance.adapter if baseline is not None else None
    if baseline is None:
        target = "the previous production adapter (no baseline selected)"
    else:
        target = adapter or f"the adapter of baseline {baseline.name} (adapter id unknown)"
    seen: set[str] = set()
    for spec in policy.specs:
        base = baseline.metric(spec.metric) if baseline is not None else None
        if spec.kind == "min":
            trigger = f"{spec.metric} below {num(spec.bound)}"
        elif spec.kind == "max":
            trigger = f"{spec.metric} above {num(spec.bound)}"
        elif base is None:
            continue
        else:
            allowed = allowance(spec, base)
            higher = spec.direction == "higher"
            limit = base - allowed if higher else base + allowed
            by_margin = spec.margin is not None and math.isclose(allowed, spec.margin)
            how = (
                f"more than {num(allowed)} {'below' if higher else 'above'}"
                if by_margin
                else f"more than {num((spec.tolerance or 0) * 100)}% {'under' if higher else 'over'}"
            )
            trigger = (
                f"{spec.metric} {'below' if higher else 'above'} {num(limit)} "
                f"({how} the baseline's {num(base)})"
            )
        if trigger in seen:
            continue
        seen.add(trigger)
        yield Rollback(
            metric=spec.metric,
            trigger=trigger,
            adapter=adapter,
            text=f"roll back to {target} if {trigger} on the promoted adapter's next eval",
        )
