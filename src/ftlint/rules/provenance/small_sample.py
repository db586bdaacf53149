"""PRV002 small-sample: An eval set too small for the gate to use."""

from __future__ import annotations

import math
from collections.abc import Iterable

from ftlint.analysis.stats import wilson_interval
from ftlint.model import (
    Action,
    Category,
    Finding,
    Run,
    Severity,
)
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.provenance._common import field_evidence


def wilson_half_width(p: float, n: int, confidence: float) -> float:
    """Half-width of the Wilson interval at an observed proportion `p` with `n` rows."""
    from statistics import NormalDist  # only when an interval is computed

    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    return z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)


def rows_needed(p: float, target: float, confidence: float) -> int:
    """Smallest n whose Wilson half-width at proportion `p` is at most `target`."""
    lo, hi = 1, 2
    while wilson_half_width(p, hi, confidence) > target:
        lo, hi = hi, hi * 2
        if hi > 10**12:
            return hi
    while lo < hi:
        mid = (lo + hi) // 2
        if wilson_half_width(p, mid, confidence) > target:
            lo = mid + 1
        else:
            hi = mid
    return lo


class SmallSample(Rule):
    """What it detects: an eval set too small for the gate to use. The Wilson interval
    (at `confidence`) of `json_valid_rate` given the eval size (`valid_examples` in
    final metrics, `evaluated_count` in an eval result) has a half-width above
    `max_half_width`. The finding reports n, the interval and the rows needed.

    Why it matters: with 80 rows a json_valid_rate of 0.81 is anywhere between 0.71
    and 0.88; a non-inferiority margin of 0.01 cannot be decided on such numbers, so a
    gate either passes noise or blocks on it.

    What the planner does: lists a process action (tier 3): enlarge the eval set to the
    computed number of rows for the target half-width, before trusting any rate gate.
    """

    code = "PRV002"
    name = "small-sample"
    category = Category.PROVENANCE
    default_severity = Severity.WARNING
    params = {
        "max_half_width": Param(
            0.05,
            "largest acceptable Wilson half-width of json_valid_rate",
            exclusive_minimum=0,
            maximum=0.5,
        ),
        "confidence": Param(
            0.95, "two-sided confidence of the interval", exclusive_minimum=0, maximum=0.999
        ),
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        rate = run.metric("json_valid_rate")
        n = run.provenance.eval_size
        if rate is None or n is None or n <= 0:
            return
        confidence, limit = ctx.params["confidence"], ctx.params["max_half_width"]
        k = min(n, max(0, round(rate * n)))
        interval = wilson_interval(k, n, confidence)
        if interval.half_width <= limit:
            return
        needed = rows_needed(rate, limit, confidence)
        evidence = [run.metric_evidence("json_valid_rate")]
        evidence.append(field_evidence(run, "eval_size"))
        yield ctx.finding(
            run,
            f"json_valid_rate {rate:g} ({k}/{n}) has a {confidence:.0%} Wilson interval "
            f"[{interval.low:.3f}, {interval.high:.3f}] (half-width {interval.half_width:.3f}), "
            f"wider than {limit:g}; about {needed} eval rows are needed",
            anchor="json_valid_rate",
            evidence=[e for e in evidence if e is not None],
            measurements={
                "n": n,
                "successes": k,
                "rate": rate,
                "low": interval.low,
                "high": interval.high,
                "half_width": interval.half_width,
                "rows_needed": needed,
            },
            actions=[
                Action(
                    tier=3,
                    kind="process",
                    value=needed,
                    text=f"enlarge the eval set from {n} to at least {needed} rows",
                    why=f"a half-width of {limit:g} on json_valid_rate needs about {needed} rows "
                    f"at a rate of {rate:g}",
                    expected=f"Wilson half-width <= {limit:g}; rate gates become decidable",
                )
            ],
        )
