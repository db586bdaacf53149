"""Promotion gates: the overall verdict of PASS, FAIL or INCONCLUSIVE (pure, no I/O).

`ftlint.gates.policy` reads the `gates:` section of rules.yaml (its schema is registered
here through the `ftlint_config_schema` hook) or the defaults, `ftlint.gates.intervals`
decides each gate, and `evaluate` here combines them. Each configured check yields one
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
overall verdict can never be PASS. A gate whose metric is contested in a run (sources
disagree, a duplicated key, an impossible value, an overall mean outside its parts'
range: `ftlint.gates.contested`) is INCONCLUSIVE or FAIL, and a candidate whose
artifacts are byte-identical to the baseline's (PRV011) adds an INCONCLUSIVE
precondition; `gates.inconclusive: pass` accepts neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ftlint.gates.contested import decide_checked
from ftlint.gates.defaults import derive
from ftlint.gates.evalsize import sized
from ftlint.gates.intervals import decide
from ftlint.gates.outcome import decision, recounted, rollbacks
from ftlint.gates.policy import (
    BLOCKING_RULES,
    DEFAULT_ALPHA,
    DEFAULT_CHECKS,
    GATES_SCHEMA,
    SECTION,
    GateConfigError,
    GatePolicy,
    GateSpec,
    gate_policy,
)
from ftlint.gates.results import GateReport, GateResult, RowResults, Verdict, num, signed
from ftlint.hookspecs import hookimpl
from ftlint.model import Finding, Run, Severity

#: names the CLI, the planner and the report formats import from here
__all__ = [
    "DEFAULT_ALPHA",
    "DEFAULT_CHECKS",
    "SECTION",
    "GateConfigError",
    "GatePolicy",
    "GateReport",
    "GateResult",
    "GateSpec",
    "RowResults",
    "Verdict",
    "evaluate",
    "ftlint_config_schema",
    "gate_policy",
    "num",
    "signed",
]


@hookimpl
def ftlint_config_schema() -> dict[str, Any]:
    return {SECTION: GATES_SCHEMA}


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
    results += _copies(baseline, candidate, findings)
    void = any(r.gate_id == "comparable-pair" for r in results)
    checked = set(checked_rules)
    for code, (gate, _) in sorted(BLOCKING_RULES.items()):
        if checked and code not in checked:
            notes.append(f"{code} did not run, so {gate} is unchecked")
    if baseline is not None and checked and COPY_RULE not in checked:
        notes.append(
            f"{COPY_RULE} did not run, so a candidate copied from the baseline is unchecked"
        )
    baseline = recounted(baseline, rows) if baseline is not None else None
    candidate = recounted(candidate, rows)
    pair = _pairing(baseline, candidate, rows)
    if baseline is not None and pair is None:
        notes.append(_pairing_note(baseline, candidate, rows))
    specs, skipped = policy.specs, ()
    if policy.derived:
        specs, skipped = derive(policy, baseline, candidate)
    for spec in specs:
        results.append(decide_checked(sized(decide), spec, baseline, candidate, pair, void))
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
    contested = _contested(results)
    passed = overall is Verdict.PASS or (
        overall is Verdict.INCONCLUSIVE and policy.inconclusive == "pass" and not contested
    )
    if contested and overall is Verdict.INCONCLUSIVE and policy.inconclusive == "pass":
        notes.append(
            "gates.inconclusive: pass does not accept contested evidence ("
            + ", ".join(r.label for r in contested)
            + "): resolve the contradiction first"
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
        rollback=tuple(rollbacks(specs, baseline)) if passed else (),
        notes=tuple(notes),
        not_applicable=tuple(skipped),
        absolute_policy=policy.absolute,
        decision=decision(passed, results, baseline, candidate),
    )
    return _with_summary(report, any(s.kind in ("min", "max") and s.is_rate for s in specs))


def _with(result: GateResult, **changes: Any) -> GateResult:
    return replace(result, **changes)


def _with_summary(report: GateReport, absolute: bool = False) -> GateReport:
    c = report.counts()
    tally = f"{c['PASS']} pass, {c['FAIL']} fail, {c['INCONCLUSIVE']} inconclusive"
    if report.format_blocked:
        why = "a format gate failed: promotion is blocked whatever the quality gates say"
    elif any(r.category == "precondition" and r.verdict is Verdict.FAIL for r in report.results):
        why = "a precondition failed: the numbers cannot support a promotion"
    elif report.overall is Verdict.FAIL:
        why = "a quality gate failed"
    elif report.overall is Verdict.INCONCLUSIVE and _contested(report.results):
        why = (
            "contested evidence: a gated metric's sources, parts or range contradict each "
            "other, or the candidate is a copy of the baseline (never accepted by "
            "gates.inconclusive: pass)"
        )
    elif report.overall is Verdict.INCONCLUSIVE:
        why = (
            "the data cannot resolve every gate; accepted by gates.inconclusive: pass"
            if report.passed
            else "the data cannot resolve every gate (INCONCLUSIVE fails unless "
            "gates.inconclusive: pass)"
        )
    else:
        why = "every gate passed"
    if absolute:
        how = (
            "the observed rate"
            if report.absolute_policy == "point_estimate"
            else "the one-sided lower bound"
        )
        why += f"; absolute minimums judged by {how} (gates.absolute: {report.absolute_policy})"
    return replace(report, summary=f"{report.overall.value} ({tally}): {why}")


def _contested(results: Iterable[GateResult]) -> list[GateResult]:
    """The gates decided on contested evidence (`ftlint.gates.contested`) or on a copy."""
    return [r for r in results if "contested" in r.measurements or r.gate_id == COPY_GATE]


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


#: the rule reporting byte-identical artifacts under two run names, and its gate
COPY_RULE = "PRV011"
COPY_GATE = "distinct-runs"


def _copies(baseline: Run | None, candidate: Run, findings: Sequence[Finding]) -> list[GateResult]:
    """An INCONCLUSIVE precondition when the candidate's artifacts are byte-identical to
    the baseline's (a PRV011 finding linking the two): comparing a run with its copy says
    nothing about the candidate."""
    if baseline is None or baseline.name == candidate.name:
        return []
    pair = {baseline.name, candidate.name}
    for f in findings:
        if f.rule != COPY_RULE or f.suppressed:
            continue
        if {f.run, f.measurements.get("copy_of")} != pair:
            continue
        files = f.measurements.get("artifacts") or []
        shown = ", ".join(str(x) for x in files) if isinstance(files, list) else ""
        return [
            GateResult(
                gate_id=COPY_GATE,
                label=f"distinct runs ({COPY_RULE})",
                metric=COPY_RULE,
                category="precondition",
                threshold=f"no {COPY_RULE} finding linking the pair",
                verdict=Verdict.INCONCLUSIVE,
                detail="the candidate's artifacts are a copy of the baseline's"
                + (f" (byte-identical: {shown})" if shown else "")
                + f": {f.message}",
                method="finding",
                measurements={"findings": 1},
            )
        ]
    return []


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
        "unpaired two-proportion test and mean gates their point estimates"
    )
