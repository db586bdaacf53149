"""Proportions: the Wilson interval of one rate, the Newcombe interval and the pooled
two-proportion z-test of a difference of two."""

from __future__ import annotations

import math

from ftlint.analysis.stats._common import (
    Alternative,
    Interval,
    Side,
    _check_alternative,
    _check_confidence,
    _check_count,
    _clamp01,
    _normal_sf,
    _two_sided_z,
    normal_quantile,
)

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
    low, high = _wilson_bounds(successes, n, normal_quantile(confidence))
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
