"""The seeded percentile bootstrap of a difference of means (paired or not)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ftlint.analysis.stats._common import Interval, _check_confidence

if TYPE_CHECKING:
    import random

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
