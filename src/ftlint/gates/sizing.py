"""What would decide an INCONCLUSIVE rate gate: the eval size at the observed rates.

An INCONCLUSIVE verdict is only useful with its way out: "70/70 valid: at least 133
rows are needed to show >= 0.98 with 95% confidence". The search keeps the observed
rate(s) fixed and grows the eval size until the gate's own test (one-sided Wilson for
an absolute bound, Newcombe or the two-proportion test against the baseline) decides;
so the number is exactly what the gate would need, assuming the rate holds. Bounded
(10 million rows): beyond that, or when the rate sits on the threshold, no size decides.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ftlint.analysis.stats import newcombe_diff_interval, two_proportion_ztest, wilson_bound
from ftlint.gates.policy import GateSpec, allowance
from ftlint.gates.results import num

LIMIT = 10_000_000


def _smallest(ok: Callable[[int], bool], start: int) -> int | None:
    """The smallest n >= start with ok(n), assuming ok is monotone in n."""
    n = max(1, start)
    if ok(n):
        return n
    hi = n
    while not ok(hi):
        if hi >= LIMIT:
            return None
        hi = min(LIMIT, hi * 2)
    lo = hi // 2
    while lo + 1 < hi:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def rows_for_bound(spec: GateSpec, rate: float, n: int) -> tuple[int, str] | None:
    """(rows, verdict) at which an absolute min/max gate would decide at `rate`."""
    bound = spec.bound if spec.bound is not None else 0.0
    conf = 1 - spec.alpha
    good = rate >= bound if spec.kind == "min" else rate <= bound
    if rate == bound:
        return None
    if spec.kind == "min":
        side, passes = ("lower", True) if good else ("upper", False)
    else:
        side, passes = ("upper", True) if good else ("lower", False)

    def ok(m: int) -> bool:
        b = wilson_bound(rate * m, m, conf, side)  # type: ignore[arg-type]
        return b >= bound if (spec.kind == "min") == passes else b <= bound

    found = _smallest(ok, n)
    return (found, "PASS" if passes else "FAIL") if found else None


def rows_for_difference(spec: GateSpec, base: float, cand: float, n: int) -> tuple[int, str] | None:
    """(rows per run, verdict) at which a non-inferiority rate gate would decide."""
    allowed = allowance(spec, base)
    higher = spec.direction == "higher"
    diff = cand - base
    inside = diff > -allowed if higher else diff < allowed

    def passes(m: int) -> bool:
        iv = newcombe_diff_interval(base * m, m, cand * m, m, 1 - 2 * spec.alpha)  # type: ignore[arg-type]
        return iv.low >= -allowed if higher else iv.high <= allowed

    def fails(m: int) -> bool:
        alt = "less" if higher else "greater"
        _, p = two_proportion_ztest(base * m, m, cand * m, m, alt)  # type: ignore[arg-type]
        return p < spec.alpha

    if inside:
        found = _smallest(passes, n)
        return (found, "PASS") if found else None
    if diff == 0:
        return None
    found = _smallest(fails, n)
    return (found, "FAIL") if found else None


def bound_sentence(spec: GateSpec, x: float, n: int, rate: float) -> tuple[str, int | None]:
    """The sentence for an absolute gate, e.g. '70/70 valid: at least 133 rows are needed
    to show >= 0.98 with 95% confidence (one-sided Wilson, if the rate holds)'."""
    found = rows_for_bound(spec, rate, n)
    conf = f"{1 - spec.alpha:.0%}"
    head = f"{num(x, 6)}/{n} {'valid' if spec.metric == 'json_valid_rate' else spec.metric}"
    if found is None:
        return f"{head}: no eval size decides it at the observed rate {num(rate)}", None
    rows, verdict = found
    op = ">=" if spec.kind == "min" else "<="
    goal = f"{op} {num(spec.bound)}" if verdict == "PASS" else f"it misses {num(spec.bound)}"
    return (
        f"{head}: at least {rows} rows are needed to show {goal} with {conf} confidence "
        f"(one-sided Wilson, if the rate {num(rate)} holds)",
        rows,
    )


def difference_sentence(spec: GateSpec, base: float, cand: float, n: int) -> tuple[str, int | None]:
    found = rows_for_difference(spec, base, cand, n)
    if found is None:
        return "no eval size decides it at the observed rates", None
    rows, verdict = found
    goal = "non-inferiority" if verdict == "PASS" else "that the candidate is worse"
    return (
        f"at least {rows} rows per run are needed to show {goal} at the observed rates "
        f"({num(cand)} vs {num(base)})",
        rows,
    )


def mean_sentence(
    diff: float, low: float, high: float, allowed: float, higher: bool, n: int
) -> tuple[str, int | None]:
    """About how many paired rows a mean gate (a bootstrap interval) needs to decide.

    The interval narrows as 1/sqrt(rows): to PASS its worst end must come within the
    allowance, to FAIL its best end must cross zero; the observed difference is assumed
    to hold. An estimate, so the sentence says "about".
    """
    half = (high - low) / 2
    worse = -diff if higher else diff  # > 0: the candidate is worse
    room = allowed - worse  # how far the worst end may reach beyond the difference
    if half <= 0 or n <= 0:
        return "no eval size estimate (the interval has no width)", None
    if room > 0:
        rows, goal = math.ceil(n * (half / room) ** 2), "that it is within the tolerance"
    elif worse > 0:
        rows, goal = math.ceil(n * (half / worse) ** 2), "that the candidate is worse"
    else:
        return "no eval size decides it at the observed difference", None
    return f"about {rows} paired rows are needed to show {goal} (if the difference holds)", rows
