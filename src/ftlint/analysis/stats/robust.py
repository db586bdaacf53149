"""Robust scale: median, MAD and the robust z-score used for spike detection."""

from __future__ import annotations

import math
from collections.abc import Sequence

#: Scale factor making the MAD a consistent estimator of a normal standard deviation.
MAD_TO_SIGMA = 1.4826

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
