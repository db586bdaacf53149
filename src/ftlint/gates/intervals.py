"""The decision of one gate: rates with Newcombe/Wilson/two-proportion/McNemar, means with
a bootstrap or the point estimate. Pure; `ftlint.gates.decide.evaluate` calls `decide` per gate.

Conventions: differences are candidate - baseline; every bound is one-sided at the
gate's `alpha` (a two-sided 1 - 2*alpha interval); `allowance` is how much worse than
the baseline the candidate may be (the margin, or tolerance x |baseline|, the stricter
when both are set).
"""

from __future__ import annotations

import math
from typing import Any

from ftlint.gates.policy import FORMAT_METRICS, GateSpec, allowance
from ftlint.gates.results import GateResult, RowResults, Verdict, num, signed
from ftlint.gates.rows import correct_pair, discordant
from ftlint.gates.sizing import bound_sentence, difference_sentence, mean_sentence
from ftlint.model import Run


def _counts(rate: float, n: int) -> float:
    x = rate * n
    return float(round(x)) if abs(x - round(x)) < 1e-6 else x


def _frac(x: float, n: int) -> str:
    return f"{num(x, 6)}/{n}"


def undecided(
    spec: GateSpec, why: str, baseline: float | None, candidate: float | None
) -> GateResult:
    """The gate as INCONCLUSIVE, with `why` as its detail (no method was applied)."""
    return GateResult(
        gate_id=spec.gate_id,
        label=spec.label(),
        metric=spec.metric,
        category=spec.category,
        threshold=spec.threshold(),
        verdict=Verdict.INCONCLUSIVE,
        detail=why,
        method="none",
        baseline=baseline,
        candidate=candidate,
    )


def decide(
    spec: GateSpec,
    baseline: Run | None,
    candidate: Run,
    pair: tuple[RowResults, RowResults] | None,
    void: bool,
) -> GateResult:
    cv = candidate.metric(spec.metric)
    bv = baseline.metric(spec.metric) if baseline is not None else None
    if cv is None:
        return undecided(spec, f"{spec.metric} is missing from candidate {candidate.name}", bv, cv)
    if spec.kind in ("min", "max"):
        if spec.is_rate:
            return _rate_absolute(spec, cv, candidate.provenance.eval_size, bv)
        return _mean_absolute(spec, cv, bv)
    if baseline is None:
        return undecided(spec, "no baseline selected: the comparison cannot be made", bv, cv)
    if bv is None:
        return undecided(spec, f"{spec.metric} is missing from baseline {baseline.name}", bv, cv)
    if void:
        return undecided(
            spec, "the pair is incomparable (PRV001): a comparison of it is void", bv, cv
        )
    if spec.is_rate:
        return _rate_relative(spec, baseline, candidate, bv, cv, pair)
    return _mean_relative(spec, bv, cv, pair)


def _result(spec: GateSpec, verdict: Verdict, detail: str, method: str, **kw: Any) -> GateResult:
    return GateResult(
        gate_id=spec.gate_id,
        label=spec.label(),
        metric=spec.metric,
        category=spec.category,
        threshold=spec.threshold(),
        verdict=verdict,
        detail=detail,
        method=method,
        **kw,
    )


def _rate_relative(
    spec: GateSpec,
    baseline: Run,
    candidate: Run,
    bv: float,
    cv: float,
    pair: tuple[RowResults, RowResults] | None,
) -> GateResult:
    from ftlint.analysis.stats import mcnemar_exact, newcombe_diff_interval, two_proportion_ztest

    n1, n2 = baseline.provenance.eval_size, candidate.provenance.eval_size
    if not n1 or not n2:
        which = baseline.name if not n1 else candidate.name
        return undecided(
            spec, f"eval size of {which} unknown: a rate needs its sample size", bv, cv
        )
    x1, x2 = _counts(bv, n1), _counts(cv, n2)
    allowed = allowance(spec, bv)
    higher = spec.direction == "higher"
    interval = newcombe_diff_interval(x1, n1, x2, n2, 1 - 2 * spec.alpha)
    diff = cv - bv
    worst = interval.low if higher else interval.high
    within = worst >= -allowed if higher else worst <= allowed
    conf = f"{1 - spec.alpha:.0%}"
    text = (
        f"candidate {num(cv)} ({_frac(x2, n2)}) vs baseline {num(bv)} ({_frac(x1, n1)}): "
        f"difference {signed(diff)}, one-sided {conf} {'lower' if higher else 'upper'} "
        f"bound {signed(worst)} (Newcombe) vs allowed {'-' if higher else '+'}{num(allowed)}"
    )
    m: dict[str, Any] = {
        "n_baseline": n1,
        "n_candidate": n2,
        "difference": diff,
        "bound": worst,
        "allowed": allowed,
        "interval_low": interval.low,
        "interval_high": interval.high,
    }
    paired = pair is not None and spec.metric in FORMAT_METRICS
    closed = spec.metric.startswith(("accuracy", "exact_match")) and higher
    answers = correct_pair(*pair, bv, cv) if pair is not None and closed else None
    if answers is not None:
        worse, better = discordant(answers)
        p_value = mcnemar_exact(worse, better, "greater")
        method = "newcombe+mcnemar"
        test = f"exact McNemar on {len(answers[0])} paired answers ({worse} rows worse, "
        test += f"{better} better) p={p_value:.2g}"
        m.update({"discordant_worse": worse, "discordant_better": better})
    elif paired and pair is not None:
        b_rows, c_rows = pair
        # worse = the baseline parsed the row and the candidate did not
        worse = sum(1 for k, (ok, _) in b_rows.outcomes.items() if ok and not c_rows.outcomes[k][0])
        better = sum(
            1 for k, (ok, _) in b_rows.outcomes.items() if not ok and c_rows.outcomes[k][0]
        )
        p_value = mcnemar_exact(worse, better, "greater")
        method = "newcombe+mcnemar"
        test = f"exact McNemar ({worse} rows worse, {better} better) p={p_value:.2g}"
        m.update({"discordant_worse": worse, "discordant_better": better})
    else:
        z, p_value = two_proportion_ztest(x1, n1, x2, n2, "less" if higher else "greater")
        method = "newcombe+two-proportion"
        test = f"two-proportion z={z:.2f}, p={p_value:.2g}"
        m["z"] = z
    m["p_value"] = p_value
    significant = p_value < spec.alpha and (diff < 0 if higher else diff > 0)
    if not math.isclose(x1, round(x1)) or not math.isclose(x2, round(x2)):
        text += " (rate x eval size is not a whole count; the rates are used as reported)"
    if within:
        verdict = Verdict.PASS
        tail = "within the margin" + (
            f" (significantly worse, {test}, but by less than the margin)" if significant else ""
        )
    elif significant:
        verdict = Verdict.FAIL
        tail = f"significantly worse ({test} < {num(spec.alpha)})"
    else:
        verdict = Verdict.INCONCLUSIVE
        tail = f"not significantly worse ({test}) but not shown within the margin either"
        sentence, rows = difference_sentence(spec, bv, cv, max(n1, n2))
        tail += f"; {sentence}"
        m["rows_needed"] = rows
    return _result(
        spec, verdict, f"{text}; {tail}", method, baseline=bv, candidate=cv, measurements=m
    )


def _rate_absolute(spec: GateSpec, cv: float, n: int | None, bv: float | None) -> GateResult:
    from ftlint.analysis.stats import wilson_bound

    if not n:
        return undecided(spec, "candidate eval size unknown: a rate needs its sample size", bv, cv)
    x = _counts(cv, n)
    bound = spec.bound if spec.bound is not None else 0.0
    conf = 1 - spec.alpha
    lower = wilson_bound(x, n, conf, "lower")  # type: ignore[arg-type]
    upper = wilson_bound(x, n, conf, "upper")  # type: ignore[arg-type]
    m: dict[str, Any] = {
        "n_candidate": n,
        "wilson_lower": lower,
        "wilson_upper": upper,
        "bound": bound,
    }
    head = f"candidate {num(cv)} ({_frac(x, n)}), one-sided {conf:.0%} Wilson "
    if spec.absolute == "point_estimate":
        ok = cv >= bound if spec.kind == "min" else cv <= bound
        word = "minimum" if spec.kind == "min" else "maximum"
        head += f"[{num(lower)}, {num(upper)}] vs {word} {num(bound)}"
        tail = (
            f"the observed rate {'meets' if ok else 'misses'} it (policy point_estimate: "
            "the interval is shown, not required to clear it)"
        )
        verdict = Verdict.PASS if ok else Verdict.FAIL
        return _result(
            spec,
            verdict,
            f"{head}: {tail}",
            "point-estimate",
            baseline=bv,
            candidate=cv,
            measurements=m,
        )
    if spec.kind == "min":
        head += f"[{num(lower)}, {num(upper)}] vs minimum {num(bound)}"
        if lower >= bound:
            verdict, tail = Verdict.PASS, "its lower bound clears the minimum"
        elif cv < bound and upper < bound:
            verdict, tail = Verdict.FAIL, "the point estimate and the upper bound both miss it"
        else:
            verdict, tail = Verdict.INCONCLUSIVE, "the interval straddles the minimum"
    else:
        head += f"[{num(lower)}, {num(upper)}] vs maximum {num(bound)}"
        if upper <= bound:
            verdict, tail = Verdict.PASS, "its upper bound stays under the maximum"
        elif cv > bound and lower > bound:
            verdict, tail = Verdict.FAIL, "the point estimate and the lower bound both exceed it"
        else:
            verdict, tail = Verdict.INCONCLUSIVE, "the interval straddles the maximum"
    tail += " (policy lower_bound)"
    if verdict is Verdict.INCONCLUSIVE:
        sentence, rows = bound_sentence(spec, x, n, cv)
        tail += f"; {sentence}"
        m["rows_needed"] = rows
    return _result(
        spec, verdict, f"{head}: {tail}", "wilson", baseline=bv, candidate=cv, measurements=m
    )


def _mean_absolute(spec: GateSpec, cv: float, bv: float | None) -> GateResult:
    bound = spec.bound if spec.bound is not None else 0.0
    ok = cv >= bound if spec.kind == "min" else cv <= bound
    word = "minimum" if spec.kind == "min" else "maximum"
    return _result(
        spec,
        Verdict.PASS if ok else Verdict.FAIL,
        f"candidate {num(cv)} vs {word} {num(bound)} (point estimate: no interval "
        "without per-row values)",
        "point-estimate",
        baseline=bv,
        candidate=cv,
        measurements={"bound": bound},
    )


def _mean_relative(
    spec: GateSpec, bv: float, cv: float, pair: tuple[RowResults, RowResults] | None
) -> GateResult:
    from ftlint.analysis.stats import bootstrap_mean_diff

    allowed = allowance(spec, bv)
    higher = spec.direction == "higher"
    limit = bv - allowed if higher else bv + allowed
    diff = cv - bv
    rel = diff / bv if bv else math.inf
    m: dict[str, Any] = {"difference": diff, "relative": rel, "allowed": allowed, "limit": limit}
    head = (
        f"candidate {num(cv)} vs baseline {num(bv)} ({signed(rel * 100, 3)}%), limit {num(limit)}"
    )
    errors = _paired_errors(pair) if spec.metric == "mae_raw" else None
    if errors is not None:
        a, b = errors
        iv = bootstrap_mean_diff(a, b, paired=True, confidence=1 - 2 * spec.alpha, seed=0)
        worst = iv.low if higher else iv.high
        m.update({"interval_low": iv.low, "interval_high": iv.high, "rows": len(a)})
        within = worst >= -allowed if higher else worst <= allowed
        significant = iv.high < 0 if higher else iv.low > 0
        text = (
            f"{head}; paired bootstrap over {len(a)} rows: one-sided {1 - spec.alpha:.0%} "
            f"bound of the difference {signed(worst)} vs allowed {num(allowed)}"
        )
        if within:
            verdict, tail = Verdict.PASS, "within the tolerance"
        elif significant:
            verdict, tail = Verdict.FAIL, "significantly worse"
        else:
            verdict, tail = Verdict.INCONCLUSIVE, "not resolved by the data"
            sentence, rows = mean_sentence(diff, iv.low, iv.high, allowed, higher, len(a))
            tail += f"; {sentence}"
            m["rows_needed"] = rows
        return _result(
            spec, verdict, f"{text}: {tail}", "bootstrap", baseline=bv, candidate=cv, measurements=m
        )
    ok = cv >= limit if higher else cv <= limit
    note = "point estimate only (no per-row errors for both runs, so no interval)"
    return _result(
        spec,
        Verdict.PASS if ok else Verdict.FAIL,
        f"{head}: {'within' if ok else 'beyond'} the tolerance; {note}",
        "point-estimate",
        baseline=bv,
        candidate=cv,
        measurements=m,
    )


def _paired_errors(
    pair: tuple[RowResults, RowResults] | None,
) -> tuple[list[float], list[float]] | None:
    if pair is None:
        return None
    b, c = pair
    keys = sorted(b.outcomes)
    a_err = [b.outcomes[k][1] for k in keys]
    c_err = [c.outcomes[k][1] for k in keys]
    if not keys or any(v is None for v in (*a_err, *c_err)):
        return None
    return [float(v) for v in a_err if v is not None], [float(v) for v in c_err if v is not None]
