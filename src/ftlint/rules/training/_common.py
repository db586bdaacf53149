"""Training rules: did the optimisation itself behave? (TRN001-TRN003)

These rules read the trainer's final metrics (`run.train_metrics`) and the iteration
series (`run.series`); their actions are tier-4 hyperparameter changes, computed from
the run's current `--env` values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ftlint import frozen
from ftlint.model import Action, Evidence, Run, SeriesPoint
from ftlint.rule import Param, RuleContext
from ftlint.vocabulary import as_number, lower_is_better

# -- helpers shared by the training rules (and imported by the provenance rules) -------


def round_sig(value: float, digits: int = 3) -> float:
    """`value` rounded to a few significant digits (2.5e-05, not 2.5000000000000002e-05)."""
    return float(f"{value:.{digits}g}")


def scaled_env_action(
    run: Run,
    ctx: RuleContext,
    knob: str,
    factor: float,
    *,
    why: str,
    expected: str,
    rollback_trigger: str = "",
    integer: bool = False,
) -> Action:
    """A tier-4 env action setting `knob` to `factor` x its current value."""
    name, current = ctx.env_value(run, knob)
    label = name or knob
    number = as_number(current, text=True)
    new: float | int | None = None
    text = f"{label}: set to {factor:g}x the current value (current value unknown)"
    if number is not None:
        new = max(1, math.ceil(number * factor)) if integer else round_sig(number * factor)
        text = f"{label}: {current} -> {new:g}"
    return Action(
        tier=4,
        kind="env",
        knob=knob,
        value=new,
        text=text,
        why=why,
        expected=expected,
        rollback_trigger=rollback_trigger,
    )


def relative_change(old: float, new: float) -> float:
    """(new - old) / |old|, with an absolute difference when `old` is 0."""
    return (new - old) / abs(old) if old else new - old


@frozen
class Pt:
    step: int
    value: float
    evidence: Evidence


def series_values(series: Sequence[SeriesPoint], key: str) -> list[Pt]:
    """The (step, value, evidence) of every series point that has a finite `key`."""
    return [
        Pt(p.step, float(p.metrics[key]), p.evidence)
        for p in series
        if key in p.metrics and math.isfinite(p.metrics[key])
    ]


def best_index(points: Sequence[Pt], key: str) -> int:
    """Index of the best point (the first one when several tie)."""
    sign = 1.0 if lower_is_better(key) else -1.0
    best = 0
    for i, p in enumerate(points):
        if sign * p.value < sign * points[best].value:
            best = i
    return best


def worsening(key: str, best: float, value: float) -> float:
    """How much worse `value` is than `best`, relative to |best| (> 0 means worse)."""
    change = relative_change(best, value)
    return change if lower_is_better(key) else -change


def epochs_action(run: Run, ctx: RuleContext, stop_step: int, last_step: int) -> Action | None:
    """HF_FT_EPOCHS cut to end near `stop_step`: ceil(epochs * stop_step / last_step)."""
    name, current = ctx.env_value(run, "epochs")
    epochs = as_number(current, text=True)
    if epochs is None or last_step <= 0:
        return None
    new = max(1, math.ceil(epochs * stop_step / last_step))
    if new >= epochs:
        return None
    return Action(
        tier=4,
        kind="env",
        knob="epochs",
        value=new,
        text=f"{name or 'epochs'}: {current} -> {new}",
        why=f"the eval metrics stopped improving at step {stop_step} of {last_step}",
        expected="same or better eval metrics for less compute",
        rollback_trigger="the final eval metric is worse than this run's best step",
    )


def metrics_param(default: list[str], what: str) -> Param:
    return Param(default, what, items={"type": "string"})
