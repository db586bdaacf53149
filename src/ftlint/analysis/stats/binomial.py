"""Exact binomial tails (Loader's saddle-point terms) and the exact McNemar test."""

from __future__ import annotations

import math

from ftlint.analysis.stats._common import Alternative, _check_alternative, _check_probability

#: Relative size below which a further binomial tail term cannot change the sum.
_TAIL_EPS = 1e-17

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
