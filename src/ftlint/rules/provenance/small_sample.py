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
    from ftlint.analysis.stats._common import normal_quantile

    z = normal_quantile(0.5 + confidence / 2)
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


def first_rate(run: Run, names: list[str]) -> str | None:
    """The run's first rate among `names`: the name itself, else a filtered variant
    (`exact_match_strict_match`); values outside [0, 1] are not rates."""
    for wanted in names:
        found = [
            key
            for key in sorted(run.metrics)
            if (key == wanted or key.startswith(wanted + "_")) and "stderr" not in key
        ]
        found.sort(key=lambda key: key != wanted)
        for key in found:
            if 0.0 <= run.metrics[key].value <= 1.0:
                return key
    return None


class SmallSample(Rule):
    """What it detects: an eval set too small for the gate to use. The Wilson interval
    (at `confidence`) of the run's first rate among `metrics` (`json_valid_rate`, else
    accuracy or exact match, lm-eval's filtered variants included) given the eval size
    from any source (`valid_examples` in final metrics, `evaluated_count` in an eval
    result or a W&B summary, the HF Trainer's `eval_samples`, lm-eval's effective
    n-samples) has a half-width above `max_half_width`. The finding reports n, the
    interval and the rows needed.

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
            "largest acceptable Wilson half-width of the judged rate",
            exclusive_minimum=0,
            maximum=0.5,
        ),
        "confidence": Param(
            0.95, "two-sided confidence of the interval", exclusive_minimum=0, maximum=0.999
        ),
        "metrics": Param(
            ["json_valid_rate", "accuracy", "exact_match", "sequence_accuracy"],
            "rates judged, the first one the run has (a name also matches its filtered "
            "variants, e.g. exact_match_strict_match)",
            items={"type": "string"},
        ),
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        name = first_rate(run, ctx.params["metrics"])
        n = run.provenance.eval_size
        if name is None or n is None or n <= 0:
            return
        rate = run.metrics[name].value
        confidence, limit = ctx.params["confidence"], ctx.params["max_half_width"]
        k = min(n, max(0, round(rate * n)))
        interval = wilson_interval(k, n, confidence)
        if interval.half_width <= limit:
            return
        needed = rows_needed(rate, limit, confidence)
        evidence = [run.metric_evidence(name)]
        evidence.append(field_evidence(run, "eval_size") or run.metric_evidence("eval_size"))
        yield ctx.finding(
            run,
            f"{name} {rate:g} ({k}/{n}) has a {confidence:.0%} Wilson interval "
            f"[{interval.low:.3f}, {interval.high:.3f}] (half-width {interval.half_width:.3f}), "
            f"wider than {limit:g}; about {needed} eval rows are needed",
            anchor=name,
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
                    why=f"a half-width of {limit:g} on {name} needs about {needed} rows "
                    f"at a rate of {rate:g}",
                    expected=f"Wilson half-width <= {limit:g}; rate gates become decidable",
                )
            ],
        )
