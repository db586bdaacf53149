"""Unicode sparklines for the terminal: `eval_loss ▇▆▅▃▂▂▃▅ best@step 40`.

Eight block heights, taller is a higher value whatever the metric's direction (the
caption names the best step, so the reader need not know which way is good). Long
curves are bucketed to `width` cells by averaging, so a spike still shows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ftlint.report.curves import Curve, curves_of, key_curve, marks_of, step_label

BLOCKS = "▁▂▃▄▅▆▇█"
WIDTH = 24


def _buckets(values: Sequence[float], width: int) -> list[float]:
    if len(values) <= width:
        return list(values)
    out = []
    for i in range(width):
        lo = i * len(values) // width
        hi = max(lo + 1, (i + 1) * len(values) // width)
        chunk = values[lo:hi]
        n = len(chunk)
        out.append(sum(v / n for v in chunk))  # divided first: two 9e307 sum to inf
    return out


def sparkline(values: Sequence[float], width: int = WIDTH) -> str:
    """One block per value (bucketed to `width`); non-finite values are dropped."""
    finite = [float(v) for v in values if isinstance(v, (int, float)) and math.isfinite(v)]
    if not finite:
        return ""
    cells = _buckets(finite, max(1, width))
    lo, hi = min(cells), max(cells)
    if hi - lo <= 1e-12 * max(1.0, abs(hi)):
        return BLOCKS[3] * len(cells)
    top = len(BLOCKS) - 1
    # scale each value first: hi - lo overflows to inf for values near the float limit
    span_lo, span_hi = lo / 2, hi / 2
    span = span_hi - span_lo
    return "".join(BLOCKS[min(top, max(0, round((v / 2 - span_lo) / span * top)))] for v in cells)


def curve_sparkline(name: str, curve: Curve, width: int = WIDTH) -> str:
    """`name ▇▆▅▃ best@step 40` (plus `spike@step 100` for the first spike)."""
    if not curve:
        return ""
    marks = marks_of(name, curve)
    text = (
        f"{name} {sparkline([v for _, v in curve], width)} best@step {step_label(marks.best_step)}"
    )
    if marks.spikes:
        text += f" spike@step {step_label(marks.spikes[0])}"
    return text


def run_sparkline(run: Any, width: int = WIDTH) -> str:
    """The sparkline of a run's key curve, or "" when the run logged no curve."""
    curves: Mapping[str, Curve] = curves_of(run)
    name = key_curve(curves)
    return curve_sparkline(name, curves[name], width) if name else ""
