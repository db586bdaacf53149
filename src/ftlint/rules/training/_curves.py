"""Helpers of the curve rules (TRN002 on eval loss, TRN004, TRN005, TRN006): canonical
curves of any stack (`run.curves`), the v1 iteration series, and the run's own settings
for the knobs the planner changes.

Rules read canonical names only (`train_loss`, `eval_loss`, `train_token_accuracy`,
`reward_accuracy`...), never a stack's file or key names; the settings lookup is the one
place that knows what each stack calls a knob, so an action can say "num_train_epochs:
3 -> 2" in the run's own vocabulary.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ftlint.model import Action, Evidence, Point, Run
from ftlint.report.numbers import g
from ftlint.vocabulary import as_number

#: curves that describe the optimiser or the clock, not a held-out measurement
NOT_EVAL = frozenset({"learning_rate", "grad_norm", "epoch", "step"})
#: quality kinds of a held-out metric (counts, latency and cost are bookkeeping)
EVAL_KINDS = frozenset({"rate", "mean", "loss", "score"})

#: the stack's own name of a planner knob, per stack (`Run.stack`); env stacks use
#: rules.yaml `knobs:` (ctx.env_names)
STACK_KNOBS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "epochs": {
        "hf_trainer": ("num_train_epochs",),
        "llamafactory": ("num_train_epochs",),
        "openai": ("n_epochs",),
        "wandb": ("num_train_epochs", "epochs", "n_epochs"),
    },
    "learning_rate": {
        "hf_trainer": ("learning_rate",),
        "llamafactory": ("learning_rate",),
        "openai": ("learning_rate_multiplier",),
        "wandb": ("learning_rate", "lr"),
    },
    "lora_dropout": {
        "hf_trainer": ("lora_dropout",),
        "llamafactory": ("lora_dropout",),
        "wandb": ("lora_dropout",),
    },
    "beta": {
        "hf_trainer": ("beta",),
        "llamafactory": ("pref_beta", "dpo_beta"),
        "wandb": ("beta",),
    },
}


def fmt(value: float) -> str:
    """A number as messages print it (4 significant digits)."""
    return f"{g(value)}"


def curve(run: Run, name: str) -> tuple[Point, ...]:
    """A canonical curve by name (empty when the run has none)."""
    return tuple(run.curves.get(name, ()))


def first_curve(run: Run, names: Sequence[str]) -> tuple[str, tuple[Point, ...]]:
    """The first of `names` the run has a non-empty curve for: (name, points)."""
    for name in names:
        points = curve(run, name)
        if points:
            return name, points
    return "", ()


def final_value(run: Run, name: str, *, metric: str | None = None) -> tuple[float, Evidence] | None:
    """The run's final value of an eval metric: the final metric (`run.metrics`) when
    present, else the last point of its curve."""
    m = run.metrics.get(metric or name)
    if m is not None:
        return m.value, m.evidence
    points = curve(run, name)
    if points:
        return points[-1].value, points[-1].evidence
    return None


def tail(points: Sequence[Point], share: float) -> tuple[Point, ...]:
    """The last `share` of the points (at least one)."""
    if not points:
        return ()
    count = max(1, math.ceil(len(points) * share))
    return tuple(points[-count:])


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def has_train_curve(run: Run, min_points: int) -> bool:
    """A training run: its train loss was logged at `min_points` steps or more."""
    return len(curve(run, "train_loss")) >= min_points


def has_eval_measurement(run: Run) -> bool:
    """Anything measured on held-out data: an eval or test curve, a quality metric
    (rate, error, loss, score, or a number no alias knows), the v1 iteration series,
    or eval rows. Conservative: an unknown numeric metric counts as a measurement."""
    from ftlint.vocabulary import spec_for

    if run.series or run.hard_cases_path or run.row_files or run.eval_result:
        return True
    for name, points in run.curves.items():
        if points and name not in NOT_EVAL and not name.startswith("train_"):
            spec = spec_for(name)
            if spec is None or spec.kind in EVAL_KINDS:
                return True
    for name in run.metrics:
        spec = spec_for(name)
        if spec is not None and spec.kind in EVAL_KINDS:
            return True
    return False


def setting(run: Run, knob: str, env_names: Sequence[str] = ()) -> tuple[str | None, Any]:
    """(the setting's own name, its current value) of a planner knob for this run's
    stack: `num_train_epochs` for the HF Trainer, `n_epochs` for OpenAI, the `--env`
    name for job commands. (None, None) when the stack has no name for it."""
    for name in env_names:
        value = run.env.get(name)
        if value not in (None, ""):
            return name, value
    own = STACK_KNOBS.get(knob, {}).get(run.stack, ())
    names = own or tuple(  # unknown stack: any known spelling that the run has
        dict.fromkeys(n for per in STACK_KNOBS.get(knob, {}).values() for n in per)
    )
    for name in names:
        if name in run.settings:
            return name, run.settings[name]
    if own:
        return own[0], None  # the stack's own name, even when the value is unknown
    if env_names:
        return env_names[0], None
    return (names[0] if len(names) == 1 else None), None


def number(value: Any) -> float | None:
    """A finite number from a setting value (numbers and numeric strings)."""
    if isinstance(value, str):
        try:
            return as_number(float(value.strip()))
        except ValueError:
            return None
    return as_number(value)


def setting_evidence(run: Run, name: str | None) -> Evidence | None:
    if name is None:
        return None
    return run.settings_evidence.get(name) or run.env_sources.get(name)


def epochs_cut(
    run: Run, env_names: Sequence[str], stop_step: float, last_step: float, why: str
) -> Action:
    """Tier 4: fewer epochs, so training ends near `stop_step` (ceil(epochs x
    stop/last)); without a known current value, the action names the fraction."""
    name, current = setting(run, "epochs", env_names)
    epochs = number(current)
    label = name or "epochs"
    if epochs is not None and last_step > 0:
        new = max(1, math.ceil(epochs * stop_step / last_step))
        if new < epochs:
            return Action(
                tier=4,
                kind="env",
                knob="epochs",
                value=new,
                text=f"{label}: {current} -> {new}",
                why=why,
                expected="training stops near the best held-out step",
                rollback_trigger="the best eval loss is worse than this run's best",
            )
    share = stop_step / last_step if last_step > 0 else 1.0
    return Action(
        tier=4,
        kind="env",
        knob="epochs",
        value=None,
        text=f"{label}: train for about {share:.0%} of this run's steps (current value unknown)",
        why=why,
        expected="training stops near the best held-out step",
    )


def scaled(
    run: Run,
    env_names: Sequence[str],
    knob: str,
    factor: float,
    *,
    why: str,
    expected: str,
) -> Action:
    """Tier 4: a knob at `factor` x its current value, in the run's own setting name."""
    name, current = setting(run, knob, env_names)
    value = number(current)
    label = name or knob
    if value is None:
        return Action(
            tier=4,
            kind="env",
            knob=knob,
            value=None,
            text=f"{label}: set to {factor:g}x the current value (current value unknown)",
            why=why,
            expected=expected,
        )
    new = float(f"{value * factor:.3g}")
    return Action(
        tier=4,
        kind="env",
        knob=knob,
        value=new,
        text=f"{label}: {current} -> {new:g}",
        why=why,
        expected=expected,
    )
