"""A run's curves as plain (step, value) lists, plus what a reader looks for in them.

Every chart format (HTML, Mermaid, terminal sparklines) reads curves through
`curves_of`, so they agree on names and points. It reads the canonical `Run.curves`
(canonical name -> Points) when the run has them, and otherwise falls back to the v1
fields: `Run.series` (iter-eval points, already canonical names) and
`Run.wandb_history` (raw W&B keys, resolved through the vocabulary). The markers
(best step, spikes, worsening after the best step) are computed here once, so the
HTML chart and the sparkline caption never disagree.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Iterable, Mapping
from typing import Any

from ftlint import frozen
from ftlint.vocabulary import ignored, lower_is_better, resolve

Curve = list[tuple[float, float]]

#: which curve stands for a run when only one is shown (sparklines, Mermaid)
KEY_CURVES = ("eval_loss", "json_valid_rate", "parse_error_rate", "mae_raw", "train_loss")
#: the chart groups of the HTML report: title and curves, in order
CURVE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Loss", ("train_loss", "eval_loss")),
    ("Output format", ("json_valid_rate", "parse_error_rate")),
    ("Quality", ("mae_raw", "accuracy", "exact_match", "f1")),
)
#: relative worsening of the last point vs the best one that counts as a regression
WORSENING = 0.02


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _add(out: dict[str, dict[float, float]], name: str, step: Any, value: Any) -> None:
    s, v = _finite(step), _finite(value)
    if s is not None and v is not None:
        out.setdefault(name, {})[s] = v  # the last value logged at a step wins


def curves_of(run: Any) -> dict[str, Curve]:
    """Canonical metric name -> [(step, value)] sorted by step, finite numbers only.

    Works on the v2 `Run.curves` and on the v1 `series` / `wandb_history` fields, and
    never raises on odd input (non-numeric steps or values are skipped).
    """
    out: dict[str, dict[float, float]] = {}
    canonical = getattr(run, "curves", None)
    if isinstance(canonical, Mapping) and canonical:
        for name, points in canonical.items():
            for p in points or ():
                _add(out, str(name), getattr(p, "step", None), getattr(p, "value", None))
    else:
        for point in getattr(run, "series", ()) or ():
            for key, value in (getattr(point, "metrics", None) or {}).items():
                _add(out, str(key), getattr(point, "step", None), value)
        for point in getattr(run, "wandb_history", ()) or ():
            for key, value in (getattr(point, "metrics", None) or {}).items():
                key = str(key)
                if ignored(key):
                    continue
                name = resolve(key, "train").canonical
                if name not in out or key.startswith(("eval", "train")):
                    _add(out, name, getattr(point, "step", None), value)
    out.pop("target_scale", None)  # a constant setting, not a curve
    return {name: sorted(points.items()) for name, points in sorted(out.items()) if points}


def key_curve(curves: Mapping[str, Curve]) -> str | None:
    """The curve that stands for the run: eval loss first, then the format rate."""
    for name in KEY_CURVES:
        if curves.get(name):
            return name
    return next((n for n in sorted(curves) if curves[n]), None)


@frozen
class Marks:
    """What to point at on one curve."""

    best_step: float | None
    best_value: float | None
    spikes: tuple[float, ...]  # steps where the curve jumps the wrong way
    worse_after: float | None  # the best step, when the curve ends clearly worse
    lower_better: bool


def marks_of(name: str, curve: Curve) -> Marks:
    """Best step, spikes and late worsening of a curve (direction from the vocabulary).

    A spike is a step-to-step move the wrong way of more than four times the median
    move and a quarter of the curve's range: robust to noisy losses, and a flat curve
    that jumps once is caught.
    """
    lower = lower_is_better(name)
    if not curve:
        return Marks(None, None, (), None, lower)
    values = [v for _, v in curve]
    best_value = min(values) if lower else max(values)
    best_step = next(s for s, v in curve if v == best_value)  # the first best step
    moves = [b - a for a, b in itertools.pairwise(values)]
    spikes: list[float] = []
    if len(moves) >= 2:
        typical = statistics.median(abs(m) for m in moves)
        span = max(values) - min(values)
        for (step, _), move in zip(curve[1:], moves, strict=True):
            wrong_way = move if lower else -move
            if wrong_way > max(4 * typical, 0.25 * span) and wrong_way > 0:
                spikes.append(step)
    last = values[-1]
    gap = (last - best_value) if lower else (best_value - last)
    scale = max(abs(best_value), 1e-12)
    worse = best_step != curve[-1][0] and gap > WORSENING * scale
    return Marks(best_step, best_value, tuple(spikes), best_step if worse else None, lower)


def overfitting(curves: Mapping[str, Curve], eval_name: str, marks: Marks) -> bool:
    """True when the eval curve worsens after its best step while train loss still falls."""
    train = curves.get("train_loss")
    if marks.worse_after is None or not train:
        return False
    after = [v for s, v in train if s >= marks.worse_after]
    return eval_name != "train_loss" and len(after) >= 2 and after[-1] < after[0]


def step_label(step: float | None) -> str:
    """A step as people write it: 40, not 40.0."""
    if step is None:
        return "-"
    return str(int(step)) if float(step).is_integer() else f"{step:g}"


def series_names(curves: Mapping[str, Curve], group: Iterable[str]) -> list[str]:
    """The curves of a chart group that the run has, in the group's order."""
    return [n for n in group if curves.get(n)]
