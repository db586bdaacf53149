"""What every test here shares: the interval type, argument checks, the normal tail."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Literal

from ftlint import frozen

Alternative = Literal["two-sided", "less", "greater"]
Side = Literal["lower", "upper"]


@cache
def _inv_cdf() -> Callable[[float, float, float], float]:
    """The normal quantile function `statistics.NormalDist.inv_cdf` calls (Wichura's
    AS241), from CPython's C module when it has one: importing `statistics` (decimal,
    fractions, random) was ~6 ms of a check that computes one interval."""
    try:
        from _statistics import _normal_dist_inv_cdf  # CPython's accelerator

        return _normal_dist_inv_cdf  # type: ignore[no-any-return]
    except ImportError:
        from statistics import _normal_dist_inv_cdf as pure  # type: ignore[attr-defined]

        return pure  # type: ignore[no-any-return]


def normal_quantile(p: float) -> float:
    """The standard normal quantile, exactly `statistics.NormalDist().inv_cdf(p)`."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in the range 0.0 < p < 1.0, got {p!r}")
    return _inv_cdf()(p, 0.0, 1.0)


_ALTERNATIVES = ("two-sided", "less", "greater")


@frozen
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
    return normal_quantile(0.5 + confidence / 2.0)


def _clamp01(x: float) -> float:
    """Clamp ``x`` into ``[0, 1]`` (guards against rounding just outside the range)."""
    return min(1.0, max(0.0, x))


def _normal_sf(z: float) -> float:
    """Upper tail ``P[Z >= z]`` of the standard normal, accurate far into the tail."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))
