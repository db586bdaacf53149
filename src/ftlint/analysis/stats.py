"""Pure-Python statistics for promotion gates.

Everything here uses the standard library only (``math``, ``statistics.NormalDist`` and
``random``), is deterministic, and is small enough to audit by hand.

Conventions used throughout:

* A *baseline* is indexed 1 and a *candidate* is indexed 2; differences are always
  ``candidate - baseline`` (``p2 - p1``, ``mean(b) - mean(a)``).
* ``confidence`` is the two-sided coverage of an interval unless a function says it is
  one-sided (:func:`wilson_bound`). A one-sided 95% bound is the matching end of a
  two-sided 90% interval.
* Invalid inputs raise :class:`ValueError`; "no data" cases return documented,
  uninformative answers instead of raising.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import random
    from statistics import NormalDist

__all__ = [
    "Interval",
    "binom_cdf",
    "binom_sf",
    "bootstrap_mean_diff",
    "mad",
    "mcnemar_exact",
    "median",
    "newcombe_diff_interval",
    "robust_z",
    "two_proportion_ztest",
    "wilson_bound",
    "wilson_interval",
]

Alternative = Literal["two-sided", "less", "greater"]
Side = Literal["lower", "upper"]


@cache
def _std_normal() -> NormalDist:
    """The standard normal; `statistics` (with decimal and fractions, ~3 ms) is imported
    only when an interval is computed, not on every start-up."""
    from statistics import NormalDist

    return NormalDist()


_ALTERNATIVES = ("two-sided", "less", "greater")
#: Scale factor making the MAD a consistent estimator of a normal standard deviation.
MAD_TO_SIGMA = 1.4826
#: Relative size below which a further binomial tail term cannot change the sum.
_TAIL_EPS = 1e-17


@dataclass(frozen=True)
class Interval:
    """A confidence interval ``[low, high]`` around a point estimate.

    ``point`` may be ``nan`` when there is no data to estimate from (see
    :func:`wilson_interval`); ``low`` and ``high`` are then the widest possible bounds.
    """

    low: float
    high: float
    point: float
    confidence: float

    @property
    def half_width(self) -> float:
        """Half the interval's width, ``(high - low) / 2``."""
        return (self.high - self.low) / 2.0


# --------------------------------------------------------------------------- validation


def _check_confidence(confidence: float) -> None:
    """Raise ``ValueError`` unless ``0 < confidence < 1``."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")


def _check_count(successes: int, n: int, name: str = "successes") -> None:
    """Raise ``ValueError`` unless ``0 <= successes <= n``."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n!r}")
    if successes < 0:
        raise ValueError(f"{name} must be >= 0, got {successes!r}")
    if successes > n:
        raise ValueError(f"{name} ({successes!r}) must not exceed n ({n!r})")


def _check_alternative(alternative: str) -> None:
    """Raise ``ValueError`` unless ``alternative`` is a known test direction."""
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"alternative must be one of {_ALTERNATIVES}, got {alternative!r}")


def _check_probability(p: float) -> None:
    """Raise ``ValueError`` unless ``0 <= p <= 1``."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p!r}")


def _two_sided_z(confidence: float) -> float:
    """Standard normal quantile for a two-sided interval of the given coverage."""
    return _std_normal().inv_cdf(0.5 + confidence / 2.0)


def _clamp01(x: float) -> float:
    """Clamp ``x`` into ``[0, 1]`` (guards against rounding just outside the range)."""
    return min(1.0, max(0.0, x))


def _normal_sf(z: float) -> float:
    """Upper tail ``P[Z >= z]`` of the standard normal, accurate far into the tail."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


# --------------------------------------------------------------------------- Wilson


def _wilson_bounds(successes: int, n: int, z: float) -> tuple[float, float]:
    """Wilson score bounds ``(center - z*spread, center + z*spread)`` for ``n > 0``.

    ``z`` may be negative (one-sided bounds below 50% confidence); the pair is then
    returned in the order the formula produces, not sorted.
    """
    phat = successes / n
    z2 = z * z
    denom = 1.0 + z2 / n
    center = (phat + z2 / (2.0 * n)) / denom
    spread = math.sqrt(phat * (1.0 - phat) / n + z2 / (4.0 * n * n)) / denom
    low = _clamp01(center - z * spread)
    high = _clamp01(center + z * spread)
    # Exact ends: no successes means the lower bound is 0, all successes the upper is 1.
    if successes == 0 and z >= 0:
        low = 0.0
    if successes == n and z >= 0:
        high = 1.0
    return low, high


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> Interval:
    """Two-sided Wilson score interval for a binomial proportion.

    Args:
        successes: Number of successes, ``0 <= successes <= n``.
        n: Number of trials.
        confidence: Two-sided coverage in ``(0, 1)``.

    Returns:
        ``Interval(low, high, successes / n, confidence)``. With ``n == 0`` there is no
        information: the result is ``Interval(0.0, 1.0, nan, confidence)``.

    Raises:
        ValueError: on negative counts, ``successes > n`` or confidence outside (0, 1).
    """
    _check_count(successes, n)
    _check_confidence(confidence)
    if n == 0:
        return Interval(0.0, 1.0, math.nan, confidence)
    low, high = _wilson_bounds(successes, n, _two_sided_z(confidence))
    return Interval(low, high, successes / n, confidence)


def wilson_bound(successes: int, n: int, confidence: float = 0.95, side: Side = "lower") -> float:
    """One-sided Wilson score bound for a binomial proportion.

    ``confidence`` is one-sided: ``wilson_bound(x, n, 0.95, "lower")`` equals
    ``wilson_interval(x, n, 0.90).low``. With ``n == 0`` the bound is the uninformative
    ``0.0`` (lower) or ``1.0`` (upper).

    Raises:
        ValueError: on invalid counts, confidence outside (0, 1) or an unknown side.
    """
    _check_count(successes, n)
    _check_confidence(confidence)
    if side not in ("lower", "upper"):
        raise ValueError(f"side must be 'lower' or 'upper', got {side!r}")
    if n == 0:
        return 0.0 if side == "lower" else 1.0
    low, high = _wilson_bounds(successes, n, _std_normal().inv_cdf(confidence))
    return low if side == "lower" else high


# --------------------------------------------------------------------------- differences


def newcombe_diff_interval(
    x1: int, n1: int, x2: int, n2: int, confidence: float = 0.95
) -> Interval:
    """Newcombe's hybrid score interval (method 10) for ``p2 - p1``.

    Index 1 is the baseline, index 2 the candidate. With Wilson intervals ``(l1, u1)``
    and ``(l2, u2)`` at the same confidence and ``d = p2 - p1``::

        low  = d - sqrt((p2 - l2)**2 + (u1 - p1)**2)
        high = d + sqrt((u2 - p2)**2 + (p1 - l1)**2)

    (Newcombe, Statistics in Medicine 1998, 17:873-890.) For a one-sided bound at level
    ``c`` pass ``confidence = 2*c - 1``. If either sample is empty the difference is
    unknown and the result is ``Interval(-1.0, 1.0, nan, confidence)``.

    Raises:
        ValueError: on invalid counts or confidence outside (0, 1).
    """
    _check_count(x1, n1, "x1")
    _check_count(x2, n2, "x2")
    _check_confidence(confidence)
    if n1 == 0 or n2 == 0:
        return Interval(-1.0, 1.0, math.nan, confidence)
    w1 = wilson_interval(x1, n1, confidence)
    w2 = wilson_interval(x2, n2, confidence)
    p1, p2 = w1.point, w2.point
    diff = p2 - p1
    low = diff - math.hypot(p2 - w2.low, w1.high - p1)
    high = diff + math.hypot(w2.high - p2, p1 - w1.low)
    return Interval(max(-1.0, low), min(1.0, high), diff, confidence)


def two_proportion_ztest(
    x1: int, n1: int, x2: int, n2: int, alternative: Alternative = "two-sided"
) -> tuple[float, float]:
    """Pooled two-proportion z-test of ``p2 - p1`` (candidate minus baseline).

    ``z = (p2 - p1) / sqrt(p (1 - p) (1/n1 + 1/n2))`` with the pooled
    ``p = (x1 + x2) / (n1 + n2)``. ``alternative`` gives the alternative hypothesis:
    ``"less"`` is ``p2 < p1``, ``"greater"`` is ``p2 > p1``.

    Returns:
        ``(z, p_value)``. Degenerate cases carry no evidence and return ``(0.0, 1.0)``:
        a pooled proportion of exactly 0 or 1, or an empty sample.

    Raises:
        ValueError: on invalid counts or an unknown alternative.
    """
    _check_count(x1, n1, "x1")
    _check_count(x2, n2, "x2")
    _check_alternative(alternative)
    if n1 == 0 or n2 == 0:
        return 0.0, 1.0
    pooled = (x1 + x2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return 0.0, 1.0
    se = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    z = (x2 / n2 - x1 / n1) / se
    if alternative == "less":
        p_value = _normal_sf(-z)
    elif alternative == "greater":
        p_value = _normal_sf(z)
    else:
        p_value = min(1.0, 2.0 * _normal_sf(abs(z)))
    return z, p_value


# --------------------------------------------------------------------------- binomial


_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
# Coefficients of the Stirling series for log(n!) - log(sqrt(2 pi n) (n/e)^n).
_STIRLING = (1.0 / 12.0, 1.0 / 360.0, 1.0 / 1260.0, 1.0 / 1680.0, 1.0 / 1188.0)


def _stirlerr(n: int) -> float:
    """Stirling-formula error ``log(n!) - log(sqrt(2 pi n) (n/e)^n)`` for ``n >= 1``.

    For small ``n`` it is computed directly (the terms are small, so little is lost to
    cancellation); for larger ``n`` from the asymptotic series, truncated as in
    Loader (2000), "Fast and accurate computation of binomial probabilities".
    """
    if n <= 15:
        return math.lgamma(n + 1.0) - (n + 0.5) * math.log(n) + n - _HALF_LOG_2PI
    terms = 2 if n > 500 else 3 if n > 80 else 4 if n > 35 else 5
    inv_nn = 1.0 / (n * n)
    acc = 0.0
    for coef in reversed(_STIRLING[:terms]):
        acc = coef - acc * inv_nn
    return acc / n


def _bd0(x: float, mean: float) -> float:
    """Deviance term ``x log(x / mean) + mean - x``, accurate when ``x`` is near ``mean``."""
    if abs(x - mean) >= 0.1 * (x + mean):
        return x * math.log(x / mean) + mean - x
    v = (x - mean) / (x + mean)
    v2 = v * v
    total = (x - mean) * v
    term = 2.0 * x * v
    j = 1
    while True:
        term *= v2
        updated = total + term / (2 * j + 1)
        if updated == total:
            return updated
        total = updated
        j += 1


def _binom_logpmf(k: int, n: int, p: float) -> float:
    """Log of the binomial pmf for ``0 <= k <= n`` and ``0 < p < 1``.

    Uses Loader's saddle-point form (Stirling errors plus deviance terms) rather than a
    difference of ``lgamma`` values, which would lose about ``log10(n)`` digits.
    """
    if k == 0:
        return n * math.log1p(-p)
    if k == n:
        return n * math.log(p)
    q = 1.0 - p
    log_core = _stirlerr(n) - _stirlerr(k) - _stirlerr(n - k) - _bd0(k, n * p) - _bd0(n - k, n * q)
    log_norm = math.log(2.0 * math.pi) + math.log(k) + math.log1p(-k / n)
    return log_core - 0.5 * log_norm


def _lower_tail(k: int, n: int, p: float) -> float:
    """``P[X <= k]`` summed downward from ``k``; use only when ``k`` is at most the mode.

    Terms are summed relative to ``pmf(k)`` (so nothing underflows on the way) and the
    loop stops once a term can no longer change the sum: below the mode terms shrink
    monotonically, so only the needed part of the tail is visited.
    """
    ratio_q_p = (1.0 - p) / p
    term = 1.0
    total = 1.0
    for i in range(k, 0, -1):
        term *= i / (n - i + 1) * ratio_q_p  # pmf(i - 1) / pmf(i), relative to pmf(k)
        total += term
        if term < total * _TAIL_EPS:
            break
    return math.exp(_binom_logpmf(k, n, p) + math.log(total))


def _upper_tail(k: int, n: int, p: float) -> float:
    """``P[X >= k]`` summed upward from ``k``; use only when ``k`` is at least the mode."""
    ratio_p_q = p / (1.0 - p)
    term = 1.0
    total = 1.0
    for i in range(k, n):
        term *= (n - i) / (i + 1) * ratio_p_q  # pmf(i + 1) / pmf(i), relative to pmf(k)
        total += term
        if term < total * _TAIL_EPS:
            break
    return math.exp(_binom_logpmf(k, n, p) + math.log(total))


def _check_binom(n: int, p: float) -> None:
    """Validate binomial parameters."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n!r}")
    _check_probability(p)


def binom_cdf(k: int, n: int, p: float) -> float:
    """Exact binomial lower tail ``P[X <= k]`` for ``X ~ Binomial(n, p)``.

    Sums only the smaller tail starting at the mode side of ``k``, in relative terms
    scaled by ``exp(logpmf)``, so it is stable and fast for ``n`` up to millions.
    ``k < 0`` gives 0 and ``k >= n`` gives 1.

    Raises:
        ValueError: if ``n < 0`` or ``p`` is outside ``[0, 1]``.
    """
    _check_binom(n, p)
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if p == 0.0:
        return 1.0
    if p == 1.0:
        return 0.0
    if k <= n * p:
        return min(1.0, _lower_tail(k, n, p))
    return max(0.0, 1.0 - _upper_tail(k + 1, n, p))


def binom_sf(k: int, n: int, p: float) -> float:
    """Exact binomial upper tail ``P[X >= k]`` for ``X ~ Binomial(n, p)``.

    Note the inclusive ``>=`` (unlike SciPy's ``sf``, which is ``P[X > k]``), so
    ``binom_cdf(k - 1, n, p) + binom_sf(k, n, p) == 1``. ``k <= 0`` gives 1 and
    ``k > n`` gives 0.

    Raises:
        ValueError: if ``n < 0`` or ``p`` is outside ``[0, 1]``.
    """
    _check_binom(n, p)
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p == 0.0:
        return 0.0
    if p == 1.0:
        return 1.0
    if k >= n * p:
        return min(1.0, _upper_tail(k, n, p))
    return max(0.0, 1.0 - _lower_tail(k - 1, n, p))


def mcnemar_exact(b: int, c: int, alternative: Alternative = "two-sided") -> float:
    """Exact McNemar p-value from the discordant pair counts.

    ``b`` counts rows the baseline got right and the candidate got wrong; ``c`` counts
    rows the baseline got wrong and the candidate got right. Under the null each
    discordant row is equally likely to fall either way, so ``b ~ Binomial(b + c, 0.5)``.

    * ``"greater"``: the candidate is worse (``b > c``); p = ``P[X >= b]``.
    * ``"less"``: the candidate is better (``b < c``); p = ``P[X <= b]``.
    * ``"two-sided"``: ``min(1, 2 * P[X <= min(b, c)])``.

    With no discordant rows (``b == c == 0``) the p-value is 1.

    Raises:
        ValueError: on negative counts or an unknown alternative.
    """
    if b < 0 or c < 0:
        raise ValueError(f"discordant counts must be >= 0, got b={b!r}, c={c!r}")
    _check_alternative(alternative)
    n = b + c
    if n == 0:
        return 1.0
    if alternative == "greater":
        return binom_sf(b, n, 0.5)
    if alternative == "less":
        return binom_cdf(b, n, 0.5)
    return min(1.0, 2.0 * binom_cdf(min(b, c), n, 0.5))


# --------------------------------------------------------------------------- bootstrap


def _mean(values: Sequence[float]) -> float:
    """Arithmetic mean of a non-empty sequence."""
    return sum(values) / len(values)


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    """Quantile of sorted data by linear interpolation (NumPy's default, type 7)."""
    pos = q * (len(sorted_values) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    frac = pos - lo
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac


def _resample_mean(rng: random.Random, values: Sequence[float]) -> float:
    """Mean of one bootstrap resample (with replacement, same size) of ``values``."""
    return _mean(rng.choices(values, k=len(values)))


def _bootstrap_diffs(
    a: Sequence[float], b: Sequence[float], paired: bool, n_resamples: int, seed: int
) -> list[float]:
    """Bootstrap replicates of ``mean(b) - mean(a)``, sorted ascending."""
    import random

    rng = random.Random(seed)
    if paired:
        row_diffs = [y - x for x, y in zip(a, b, strict=True)]
        reps = [_resample_mean(rng, row_diffs) for _ in range(n_resamples)]
    else:
        reps = [_resample_mean(rng, b) - _resample_mean(rng, a) for _ in range(n_resamples)]
    reps.sort()
    return reps


def bootstrap_mean_diff(
    a: Sequence[float],
    b: Sequence[float],
    *,
    paired: bool = True,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Interval:
    """Percentile bootstrap interval of ``mean(b) - mean(a)`` (candidate minus baseline).

    With ``paired=True`` row ``i`` of ``a`` and ``b`` belong together (same eval item),
    so indices are resampled jointly (equivalently, the per-row differences are
    resampled). With ``paired=False`` the two samples are resampled independently.
    Resampling uses ``random.Random(seed)``, so equal inputs give equal intervals.

    Returns:
        ``Interval(low, high, mean(b) - mean(a), confidence)``; the bounds are the
        ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` quantiles of the replicates.

    Raises:
        ValueError: on an empty sample, unequal lengths when paired, ``n_resamples < 1``
            or confidence outside (0, 1).
    """
    _check_confidence(confidence)
    if not a or not b:
        raise ValueError("bootstrap_mean_diff needs non-empty samples")
    if paired and len(a) != len(b):
        raise ValueError(f"paired samples must have equal length, got {len(a)} and {len(b)}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples!r}")
    reps = _bootstrap_diffs(a, b, paired, n_resamples, seed)
    alpha = 1.0 - confidence
    low = _quantile(reps, alpha / 2.0)
    high = _quantile(reps, 1.0 - alpha / 2.0)
    return Interval(low, high, _mean(b) - _mean(a), confidence)


# --------------------------------------------------------------------------- robust scale


def median(values: Sequence[float]) -> float:
    """Median of a non-empty sequence (mean of the two middle values for even length).

    Raises:
        ValueError: if ``values`` is empty.
    """
    if not values:
        raise ValueError("median of an empty sequence")
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2.0


def mad(values: Sequence[float]) -> float:
    """Median absolute deviation from the median, unscaled.

    Multiply by :data:`MAD_TO_SIGMA` (1.4826) to estimate a normal standard deviation.

    Raises:
        ValueError: if ``values`` is empty.
    """
    center = median(values)
    return median([abs(v - center) for v in values])


def robust_z(value: float, history: Sequence[float], min_mad: float) -> float:
    """Robust z-score of ``value`` against ``history``.

    ``(value - median(history)) / max(1.4826 * mad(history), min_mad)``. ``min_mad``
    floors the scale so a perfectly flat history does not turn noise into huge scores.
    If the scale is still 0 (flat history and ``min_mad == 0``) the result is 0.0 for a
    value equal to the median and signed infinity otherwise.

    Raises:
        ValueError: if ``history`` is empty or ``min_mad`` is negative.
    """
    if min_mad < 0:
        raise ValueError(f"min_mad must be >= 0, got {min_mad!r}")
    center = median(history)
    scale = max(MAD_TO_SIGMA * mad(history), min_mad)
    delta = value - center
    if scale == 0.0:
        return 0.0 if delta == 0 else math.copysign(math.inf, delta)
    return delta / scale
