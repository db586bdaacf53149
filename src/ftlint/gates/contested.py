"""Contested evidence: a gate never passes on a number its own run contradicts.

Before a gate on metric M is decided for a run, the evidence of M in that run is
checked (pure: only the loaded `Run` is read):

* a `Conflict` on M (two sources disagree: final_metrics.json says 0.995, the W&B
  summary 0.5);
* a duplicated key naming M in the file M was read from (the loader keeps the first
  value and records an "inconsistent" problem; the other value is not known here);
* a value outside M's range (a negative MAE, a rate above 1);
* an internal contradiction: an overall mean (mae_raw, mse_raw, ...) outside the range
  of its per-dimension values (`mae_raw_<dim>`), which a mean of them cannot be.

A contested gate is INCONCLUSIVE, or FAIL when every value the evidence allows fails it
(the contradiction itself is then a regression); it is never PASS, and
`gates.inconclusive: pass` does not accept it (`ftlint.gates.decide`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from ftlint import frozen
from ftlint.gates.intervals import undecided
from ftlint.gates.policy import GateSpec
from ftlint.gates.results import GateResult, RowResults, Verdict, num
from ftlint.model import Conflict, Metric, Problem, Run
from ftlint.vocabulary import resolve, spec_for

#: the loader's duplicate-key message (`ftlint.sources.io._dup_message`)
_DUPLICATE = re.compile(r"^key (['\"])(?P<key>.*)\1 appears more than once")
#: suffixes of `mae_raw_*` keys that are statistics, not dimensions
_STATS = frozenset(
    {"min", "max", "mean", "median", "std", "stdev", "var", "count", "sum", "total", "norm"}
)
#: rates that are each other's complement, and how far their sum may be from 1 (PRV005's)
_COMPLEMENT = {"json_valid_rate": "parse_error_rate", "parse_error_rate": "json_valid_rate"}
RATE_SUM_SLACK = 0.001 + 1e-9
_STAT_SHAPE = re.compile(r"^(p\d+|q\d+|top\d*|pct\d+|\d+)$")


@frozen
class Contest:
    """Why a run's value of a metric cannot be trusted, and the values its evidence allows.

    `values` are the in-range values some source or part supports (the reported one
    included when in range); empty when none is possible. `unknown` is set when a value
    exists that could not be read (the discarded one of a duplicated key).
    """

    run: str
    metric: str
    reasons: tuple[str, ...]
    values: tuple[float, ...]
    unknown: bool = False


def contest(run: Run, metric: str) -> Contest | None:
    """The contest of `metric` in `run`, or None when its evidence is consistent."""
    reported = run.metrics.get(metric)
    if reported is None:
        return None
    spec = spec_for(metric)
    possible: Callable[[float], bool] = (
        spec.in_range if spec is not None else (lambda v: math.isfinite(v))
    )
    reasons: list[str] = []
    values: list[float] = [reported.value] if possible(reported.value) else []
    unknown = False
    for conflict in run.conflicts:
        if _names(conflict.field, metric) and not _rounded_alike(conflict):
            reasons.append(_conflict_text(metric, conflict))
            values += [v for v, _ in _numbers(conflict) if possible(v)]
    for problem in run.problems:
        key = _duplicate_key(problem, run, reported)
        if key is not None and (key == reported.source_key or _names(key, metric)):
            reasons.append(
                f"key {key!r} appears more than once in {problem.evidence.location()}; the "
                f"first value ({num(reported.value)}) was kept and the other one is unknown"
            )
            unknown = True
    if not possible(reported.value) and spec is not None:
        reasons.append(
            f"{metric} {num(reported.value)} at {reported.evidence.location()} is impossible "
            f"({_range_text(metric, spec.low, spec.high)})"
        )
    other = _COMPLEMENT.get(metric)
    known = run.metrics.get(other) if other is not None else None
    if known is not None and possible(known.value) and possible(reported.value):
        total = reported.value + known.value
        if abs(total - 1) > RATE_SUM_SLACK:
            reasons.append(
                f"{metric} {num(reported.value)} at {reported.evidence.location()} + {other} "
                f"{num(known.value)} at {known.evidence.location()} = {num(total)}, not 1"
            )
            values.append(1 - known.value)
    parts = _parts(run, metric)
    if len(parts) >= 2:
        low_name, low = min(parts, key=lambda p: p[1].value)
        high_name, high = max(parts, key=lambda p: p[1].value)
        slack = 1e-3 * max(abs(low.value), abs(high.value), abs(reported.value)) + 1e-9
        side = (
            ("below the smallest", low_name, low)
            if reported.value < low.value - slack
            else ("above the largest", high_name, high)
            if reported.value > high.value + slack
            else None
        )
        if side is not None:
            word, name, part = side
            reasons.append(
                f"{metric} {num(reported.value)} at {reported.evidence.location()} is {word} "
                f"of its {len(parts)} per-dimension values ({name} {num(part.value)} at "
                f"{part.evidence.location()}): an overall mean cannot be outside its parts' "
                f"range [{num(low.value)}, {num(high.value)}]"
            )
            values += [v for v in (low.value, high.value) if possible(v)]
    if not reasons:
        return None
    return Contest(run.name, metric, tuple(reasons), tuple(sorted(set(values))), unknown)


def _names(field: str, metric: str) -> bool:
    """True when a conflict field (`metrics.json_valid_rate`, `eval.eval/json_valid_rate`)
    or a source key names `metric`."""
    tails = {field, field.split(".", 1)[-1], field.rsplit(".", 1)[-1]}
    return metric in tails or any(resolve(t).name == metric for t in tails if t)


def _decimals(value: float) -> int | None:
    """Digits after the point in the shortest repr (None in exponent form)."""
    text = repr(float(value))
    if "e" in text or "n" in text:
        return None
    return len(text.partition(".")[2].rstrip("0"))


def rounded_alike(a: float, b: float) -> bool:
    """True when one value is the other rounded (0.99375 and 0.9938: a summary that
    logs 4 digits), so the two sources do not disagree."""
    da, db = _decimals(a), _decimals(b)
    if da is None or db is None:
        return math.isclose(a, b, rel_tol=1e-9)
    return abs(a - b) <= 0.5 * 10.0 ** -min(da, db) * (1 + 1e-9)


def _rounded_alike(conflict: Conflict) -> bool:
    numbers = [v for v, _ in _numbers(conflict)]
    if len(numbers) != len(conflict.values) or len(numbers) < 2:
        return False
    return all(rounded_alike(numbers[0], v) for v in numbers[1:])


def _numbers(conflict: Conflict) -> Iterable[tuple[float, object]]:
    for value, ev in conflict.values:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            yield float(value), ev


def _conflict_text(metric: str, conflict: Conflict) -> str:
    shown = ", ".join(
        f"{num(v) if isinstance(v, (int, float)) else repr(v)[:40]} in {ev.location()}"
        for v, ev in conflict.values
    )
    return f"sources disagree on {metric} ({conflict.field}): {shown}"


def _duplicate_key(problem: Problem, run: Run, reported: Metric) -> str | None:
    """The key of a duplicate-key problem in a file the metric was read from."""
    if problem.kind != "inconsistent":
        return None
    match = _DUPLICATE.match(problem.message)
    if match is None:
        return None
    files = {reported.evidence.path, run.final_metrics_path, run.wandb_summary_path}
    files.add(run.eval_result_path)
    return match.group("key") if problem.evidence.path in files else None


def _range_text(metric: str, low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{metric} lies in [{num(low)}, {num(high)}]"
    if low is not None:
        return f"{metric} is >= {num(low)}"
    return f"{metric} is <= {num(high)}"


def _parts(run: Run, metric: str) -> list[tuple[str, Metric]]:
    """The per-dimension values of an overall mean error (`mae_raw_<dim>`), by name."""
    if not metric.startswith(("mae_", "mse_")) or metric.count("_") != 1:
        return []
    keys = run.provenance.target_keys
    if keys:
        names = [f"{metric}_{k}" for k in keys]
    else:
        names = [
            k
            for k in run.metrics
            if k.startswith(metric + "_")
            and (suffix := k[len(metric) + 1 :])
            and suffix.lower() not in _STATS
            and not _STAT_SHAPE.match(suffix.lower())
        ]
    return [(n, run.metrics[n]) for n in sorted(set(names)) if n in run.metrics]


def contested_result(
    plain: GateResult,
    contests: Iterable[Contest],
    verdicts: Iterable[Verdict],
    unknown: bool,
) -> GateResult:
    """The gate's result on contested evidence: FAIL when every value the evidence allows
    fails it (a duplicated key's unread value cannot rescue it), else INCONCLUSIVE; never
    PASS."""
    found = list(contests)
    seen = list(verdicts)
    fail = bool(seen) and all(v is Verdict.FAIL for v in seen)
    verdict = Verdict.FAIL if fail else Verdict.INCONCLUSIVE
    why = "; ".join(f"{c.run}: {r}" for c in found for r in c.reasons)
    if fail:
        tail = (
            "every value the evidence allows fails the gate, so the contradiction is itself "
            "a regression" + (" (the unread value of the duplicated key aside)" if unknown else "")
        )
    elif not seen:
        tail = "no value the evidence allows can be checked, so the gate cannot be decided"
    else:
        tail = "the gate cannot pass on contested evidence"
    measurements = dict(plain.measurements)
    measurements["contested"] = [f"{c.run}: {r}" for c in found for r in c.reasons]
    return replace(
        plain,
        verdict=verdict,
        detail=f"contested evidence: {why}; {tail} (as reported: {plain.detail})",
        measurements=measurements,
    )


#: `ftlint.gates.intervals.decide`: spec, baseline, candidate, pair, void -> result
Decide = Callable[
    [GateSpec, Run | None, Run, tuple[RowResults, RowResults] | None, bool], GateResult
]


def decide_checked(
    decide: Decide,
    spec: GateSpec,
    baseline: Run | None,
    candidate: Run,
    pair: tuple[RowResults, RowResults] | None,
    void: bool,
) -> GateResult:
    """`decide` (`ftlint.gates.intervals.decide`), after checking the evidence of the
    gate's metric.

    On contested evidence the gate is decided again with each extreme of the values
    the evidence allows (gates are monotone in the value, so the extremes decide); an
    impossible value (a rate of 1.5) is never handed to the statistics."""
    absolute = spec.kind in ("min", "max")
    runs = [candidate] + ([baseline] if baseline is not None and not absolute else [])
    if any(r.metric(spec.metric) is None for r in runs):
        return _dropped(decide(spec, baseline, candidate, pair, void), runs)
    found = [contest(candidate, spec.metric)]
    if baseline is not None and not absolute:
        found.append(contest(baseline, spec.metric))
    contests = [c for c in found if c is not None]
    if not contests:
        return decide(spec, baseline, candidate, pair, void)
    if all(_possible(r, spec.metric) for r in runs):
        plain = decide(spec, baseline, candidate, pair, void)
        if plain.method == "none":  # missing, no baseline, void: INCONCLUSIVE already
            return plain
    else:
        plain = _impossible(spec, baseline, candidate)
    cand_values = _extremes(found[0], candidate, spec.metric)
    base_values: tuple[float | None, ...] = (None,)
    if baseline is not None and not absolute:
        base_values = _extremes(found[1], baseline, spec.metric)
    verdicts = [
        decide(
            spec,
            _with_value(baseline, spec.metric, b) if baseline is not None else None,
            _with_value(candidate, spec.metric, c),
            pair,
            void,
        ).verdict
        for c in cand_values
        for b in base_values
        if c is not None
    ]
    unknown = any(c.unknown for c in contests)
    return contested_result(plain, contests, verdicts, unknown)


#: the loader's message for a value it dropped (`eval.json_valid_rate: 1.2 is out of range`)
_DROPPED = re.compile(r"^(?P<field>[^\s:]+): ")


def _dropped(plain: GateResult, runs: Iterable[Run]) -> GateResult:
    """A gate whose metric is missing because the loader rejected its value (out of range,
    not finite) says so, and counts as contested: the value was there, and impossible."""
    reasons = []
    for run in runs:
        if run.metric(plain.metric) is not None:
            continue
        files = {run.final_metrics_path, run.wandb_summary_path, run.eval_result_path}
        for problem in run.problems:
            match = _DROPPED.match(problem.message)
            if (
                problem.kind == "invalid"
                and match is not None
                and problem.evidence.path in files
                and _names(match.group("field"), plain.metric)
            ):
                reasons.append(f"{run.name}: {problem.message} at {problem.evidence.location()}")
    if not reasons:
        return plain
    measurements = {**plain.measurements, "contested": reasons}
    detail = f"{plain.detail}: its value was rejected as impossible ({'; '.join(reasons)})"
    return replace(plain, detail=detail, measurements=measurements)


def _possible(run: Run, metric: str) -> bool:
    value = run.metric(metric)
    spec = spec_for(metric)
    return value is None or spec is None or spec.in_range(value)


def _impossible(spec: GateSpec, baseline: Run | None, candidate: Run) -> GateResult:
    """The gate as reported when a reported value is out of its metric's range."""
    cv = candidate.metric(spec.metric)
    bv = baseline.metric(spec.metric) if baseline is not None else None
    why = f"candidate {num(cv)} vs baseline {num(bv)}: not decided on an impossible value"
    return undecided(spec, why, bv, cv)


def _extremes(found: Contest | None, run: Run, metric: str) -> tuple[float | None, ...]:
    if found is None:
        return (run.metric(metric),)
    if not found.values:
        return ()
    return tuple(sorted({min(found.values), max(found.values)}))


def _with_value(run: Run, metric: str, value: float | None) -> Run:
    if value is None:
        return run
    known = run.metrics[metric]
    metrics = dict(run.metrics)
    metrics[metric] = replace(known, value=value)
    return replace(run, metrics=metrics)
