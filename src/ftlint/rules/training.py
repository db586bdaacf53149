"""Training rules: did the optimisation itself behave? (TRN001-TRN003)

These rules read the trainer's final metrics (`run.train_metrics`) and the iteration
series (`run.series`); their actions are tier-4 hyperparameter changes, computed from
the run's current `--env` values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from ftlint.hookspecs import hookimpl
from ftlint.model import Action, Category, Evidence, Finding, Problem, Run, SeriesPoint, Severity
from ftlint.rule import Param, Rule, RuleContext

#: Keys a train loss may have in the final `train` block or in a series point's metrics.
LOSS_KEYS = ("train_loss", "loss")
LOSS_POINTERS = frozenset(f"/{block}/{key}" for block in ("train", "metrics") for key in LOSS_KEYS)
MAX_EVIDENCE = 5


# -- helpers shared by the training rules (and imported by comparison.py) ---------------


def env_value(run: Run, ctx: RuleContext, knob: str) -> tuple[str | None, str | None]:
    """The env var name of a planner knob and the run's current value (None if unset)."""
    names = ctx.env_names(knob)
    for name in names:
        value = run.env.get(name)
        if value is not None and value != "":
            return name, value
    return (names[0] if names else None), None


def env_evidence(run: Run, ctx: RuleContext, knob: str) -> Evidence | None:
    """Where the current value of a knob was read (the job command), if known."""
    name, value = env_value(run, ctx, knob)
    return run.env_sources.get(name) if name is not None and value is not None else None


def as_float(value: object) -> float | None:
    """A finite float from a number or numeric string, else None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


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
    name, current = env_value(run, ctx, knob)
    label = name or knob
    number = as_float(current)
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


def lower_is_better(key: str) -> bool:
    """Errors and losses go down when the model improves; rates and scores go up."""
    return key.startswith(("mae", "mse", "rmse", "loss", "train_loss")) or "error" in key


def relative_change(old: float, new: float) -> float:
    """(new - old) / |old|, with an absolute difference when `old` is 0."""
    return (new - old) / abs(old) if old else new - old


@dataclass(frozen=True)
class _Pt:
    step: int
    value: float
    evidence: Evidence


def series_values(series: Sequence[SeriesPoint], key: str) -> list[_Pt]:
    """The (step, value, evidence) of every series point that has a finite `key`."""
    return [
        _Pt(p.step, float(p.metrics[key]), p.evidence)
        for p in series
        if key in p.metrics and math.isfinite(p.metrics[key])
    ]


def best_index(points: Sequence[_Pt], key: str) -> int:
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


def _fmt(value: float) -> str:
    return f"{value:.4g}"


class LossAnomaly(Rule):
    """What it detects: a train loss that is missing, not a finite number, or rising.
    The loss is read from the trainer's final metrics (`final_metrics.train.train_loss`)
    and from a `train_loss`/`loss` key in the iteration series' metrics. NaN or
    Infinity (recorded as a PRV005 problem) is an error; a series whose last loss is
    above its minimum by more than `rise_margin` (relative) is a warning; final metrics
    without any train loss are an info.

    Why it matters: a diverging or rising loss means the optimiser is unstable (a
    learning rate too high, too little warmup), and every eval metric of that adapter
    describes a model that was still being damaged; a missing loss hides exactly that.

    What the planner does: proposes tier-4 changes: a learning rate `lr_factor` x the
    current `HF_FT_LR`, and a warmup ratio of `warmup_ratio` when the current one is
    lower. Deferred while a format gate fails.
    """

    code = "TRN001"
    name = "loss-anomaly"
    category = Category.TRAINING
    default_severity = Severity.WARNING
    params = {
        "rise_margin": Param(
            0.10,
            "flag when the last series loss exceeds the series minimum by more than this "
            "(relative)",
            minimum=0,
        ),
        "min_points": Param(3, "fewest series points with a loss to judge a trend", minimum=2),
        "lr_factor": Param(
            0.5, "proposed learning rate as a multiple of the current one", minimum=0.01, maximum=1
        ),
        "warmup_ratio": Param(
            0.1, "warmup ratio proposed when the current one is lower", minimum=0, maximum=0.5
        ),
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        bad = [p for p in run.problems if p.evidence.pointer in LOSS_POINTERS]
        if bad:
            yield self._non_finite(run, ctx, bad)
        elif isinstance(run.final_metrics, dict) and not any(
            k in run.train_metrics for k in LOSS_KEYS
        ):
            yield ctx.finding(
                run,
                "final metrics have no train loss (train.train_loss); a diverging run cannot "
                "be told from a healthy one",
                anchor="missing",
                evidence=[Evidence(run.final_metrics_path or "", None, "/train")],
                severity=Severity.INFO,
            )
        yield from self._rising(run, ctx)

    def _actions(self, run: Run, ctx: RuleContext) -> list[Action]:
        why = "an unstable or rising loss is the signature of a step size that is too large"
        actions = [
            scaled_env_action(
                run,
                ctx,
                "learning_rate",
                ctx.params["lr_factor"],
                why=why,
                expected="train loss decreases monotonically (after warmup)",
                rollback_trigger="train loss plateaus above the previous run's final loss",
            )
        ]
        target = ctx.params["warmup_ratio"]
        name, current = env_value(run, ctx, "warmup_ratio")
        now = as_float(current)
        if now is None or now < target:
            shown = f"{current} -> {target:g}" if current is not None else f"set to {target:g}"
            actions.append(
                Action(
                    tier=4,
                    kind="env",
                    knob="warmup_ratio",
                    value=target,
                    text=f"{name or 'warmup_ratio'}: {shown}",
                    why="a longer warmup damps the first large updates of a fresh adapter",
                    expected="no loss spike in the first evaluations",
                )
            )
        return actions

    def _non_finite(self, run: Run, ctx: RuleContext, problems: list[Problem]) -> Finding:
        first = problems[0]
        return ctx.finding(
            run,
            f"train loss is not a finite number: {first.message} "
            f"({len(problems)} value(s)); the optimisation diverged",
            anchor="non-finite",
            evidence=[p.evidence for p in problems[:MAX_EVIDENCE]],
            measurements={"count": len(problems)},
            actions=self._actions(run, ctx),
            severity=Severity.ERROR,
        )

    def _rising(self, run: Run, ctx: RuleContext) -> Iterator[Finding]:
        for key in LOSS_KEYS:
            points = series_values(run.series, key)
            if points:
                break
        else:
            return
        if len(points) < ctx.params["min_points"]:
            return
        low = min(range(len(points)), key=lambda i: (points[i].value, i))
        last = points[-1]
        rise = relative_change(points[low].value, last.value)
        margin = ctx.params["rise_margin"]
        if low == len(points) - 1 or rise <= margin:
            return
        yield ctx.finding(
            run,
            f"{key} is rising: {_fmt(last.value)} at step {last.step} is {rise:.1%} above "
            f"the minimum {_fmt(points[low].value)} at step {points[low].step} "
            f"(margin {margin:.0%})",
            anchor=f"rising:{key}",
            evidence=[points[low].evidence, last.evidence],
            measurements={
                "key": key,
                "min_step": points[low].step,
                "min_value": points[low].value,
                "last_step": last.step,
                "last_value": last.value,
                "relative_rise": rise,
            },
            actions=self._actions(run, ctx),
        )


def _epochs_action(run: Run, ctx: RuleContext, stop_step: int, last_step: int) -> Action | None:
    """HF_FT_EPOCHS cut to end near `stop_step`: ceil(epochs * stop_step / last_step)."""
    name, current = env_value(run, ctx, "epochs")
    epochs = as_float(current)
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


def _metrics_param(default: list[str], what: str) -> Param:
    return Param(default, what, items={"type": "string"})


class EvalTrendRegression(Rule):
    """What it detects: iteration metrics that got worse late in training. For each
    watched metric (`mae_raw`, lower is better; `json_valid_rate`, higher is better)
    the best evaluation is earlier than the last one, and the last is worse than the
    best by more than `margin` (relative). The finding names the best step and its line
    in `iter_eval_metrics.jsonl`.

    Why it matters: the final adapter is the last checkpoint, not the best one; a run
    that peaked early and then degraded (overfitting, a learning rate too high for the
    schedule's tail) ships a worse model than it trained, and the comparison with the
    baseline understates what the recipe can do.

    What the planner does: proposes tier-4 changes: fewer epochs
    (ceil(epochs x best_step / last_step)), taking the checkpoint at the best step, or a
    learning rate `lr_factor` x the current one. Deferred while a format gate fails.
    """

    code = "TRN002"
    name = "eval-trend-regression"
    category = Category.TRAINING
    default_severity = Severity.WARNING
    params = {
        "metrics": _metrics_param(
            ["mae_raw", "json_valid_rate"],
            "series metrics to watch (mae*/mse*/*error* lower is better)",
        ),
        "margin": Param(
            0.05,
            "flag when the last value is worse than the best by more than this (relative)",
            minimum=0,
        ),
        "min_points": Param(3, "fewest series points to judge a trend", minimum=2),
        "lr_factor": Param(
            0.6, "proposed learning rate as a multiple of the current one", minimum=0.01, maximum=1
        ),
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        for key in ctx.params["metrics"]:
            points = series_values(run.series, key)
            if len(points) < ctx.params["min_points"]:
                continue
            i = best_index(points, key)
            best, last = points[i], points[-1]
            worse = worsening(key, best.value, last.value)
            if i == len(points) - 1 or worse <= ctx.params["margin"]:
                continue
            yield ctx.finding(
                run,
                f"{key} got worse late in training: best {_fmt(best.value)} at step "
                f"{best.step} (line {best.evidence.line}), last {_fmt(last.value)} at step "
                f"{last.step} is {worse:.1%} worse (margin {ctx.params['margin']:.0%})",
                anchor=key,
                evidence=[best.evidence, last.evidence],
                measurements={
                    "metric": key,
                    "best_step": best.step,
                    "best_value": best.value,
                    "last_step": last.step,
                    "last_value": last.value,
                    "relative_worsening": worse,
                },
                actions=self._actions(run, ctx, best, last),
            )

    def _actions(self, run: Run, ctx: RuleContext, best: _Pt, last: _Pt) -> list[Action]:
        actions = []
        epochs = _epochs_action(run, ctx, best.step, last.step)
        if epochs is not None:
            actions.append(epochs)
        actions.append(
            Action(
                tier=4,
                kind="process",
                value=best.step,
                text=f"evaluate and promote the checkpoint saved at step {best.step} instead "
                f"of the final adapter (save_steps must include step {best.step})",
                why=f"step {best.step} ({best.evidence.location()}) is the best evaluation",
                expected="the best step's metrics instead of the last step's",
            )
        )
        actions.append(
            scaled_env_action(
                run,
                ctx,
                "learning_rate",
                ctx.params["lr_factor"],
                why="a smaller step size degrades less after the optimum",
                expected="the late-training regression shrinks or disappears",
                rollback_trigger="the best eval metric is worse than this run's best",
            )
        )
        return actions


class EvalPlateau(Rule):
    """What it detects: an iteration series that does not improve. With at least
    `min_points` evaluations, the best value of the second half of the series is not
    better than the best of the first half by `min_improvement` (relative). A second
    half that is clearly worse (beyond `regression_margin`) is left to TRN002.

    Why it matters: the second half of the training budget bought nothing: either the
    step size or the adapter capacity is too small to keep learning, or the run could
    have stopped at half the cost.

    What the planner does: proposes tier-4 changes: a learning rate `lr_factor` x the
    current one, a LoRA rank `lora_r_factor` x the current one, or fewer epochs ending
    at the plateau's start to save compute. Deferred while a format gate fails.
    """

    code = "TRN003"
    name = "eval-plateau"
    category = Category.TRAINING
    default_severity = Severity.WARNING
    params = {
        "metrics": _metrics_param(["mae_raw"], "series metrics to watch"),
        "min_improvement": Param(
            0.01,
            "smallest relative improvement of the second half's best over the first half's",
            minimum=0,
        ),
        "regression_margin": Param(
            0.05, "a second half worse than this (relative) is a regression (TRN002)", minimum=0
        ),
        "min_points": Param(4, "fewest series points to judge a plateau", minimum=2),
        "lr_factor": Param(
            2.0, "proposed learning rate as a multiple of the current one", minimum=1
        ),
        "lora_r_factor": Param(
            2.0, "proposed LoRA rank as a multiple of the current one", minimum=1
        ),
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        for key in ctx.params["metrics"]:
            points = series_values(run.series, key)
            if len(points) < ctx.params["min_points"]:
                continue
            half = len(points) // 2
            first, second = points[:half], points[half:]
            b1, b2 = first[best_index(first, key)], second[best_index(second, key)]
            gain = -worsening(key, b1.value, b2.value)
            if gain >= ctx.params["min_improvement"] or -gain > ctx.params["regression_margin"]:
                continue
            if b1.value == 0 and lower_is_better(key):
                continue  # already perfect
            yield ctx.finding(
                run,
                f"{key} plateaued: best of the last {len(second)} evaluations "
                f"{_fmt(b2.value)} (step {b2.step}) vs best of the first {len(first)} "
                f"{_fmt(b1.value)} (step {b1.step}): {gain:+.1%}, below the "
                f"{ctx.params['min_improvement']:.0%} minimum improvement",
                anchor=key,
                evidence=[b1.evidence, b2.evidence],
                measurements={
                    "metric": key,
                    "points": len(points),
                    "first_half_best": b1.value,
                    "first_half_best_step": b1.step,
                    "second_half_best": b2.value,
                    "second_half_best_step": b2.step,
                    "relative_improvement": gain,
                },
                actions=self._actions(run, ctx, b1.step, points[-1].step),
            )

    def _actions(self, run: Run, ctx: RuleContext, stop: int, last: int) -> list[Action]:
        actions = [
            scaled_env_action(
                run,
                ctx,
                "learning_rate",
                ctx.params["lr_factor"],
                why="the loss landscape is flat at this step size",
                expected="the eval metric keeps improving in the second half",
                rollback_trigger="TRN001 (rising or non-finite loss) or TRN002 on the next run",
            ),
            scaled_env_action(
                run,
                ctx,
                "lora_r",
                ctx.params["lora_r_factor"],
                why="more adapter capacity when the step size is not the limit",
                expected="a lower plateau",
                rollback_trigger="eval metric no better than this run",
                integer=True,
            ),
        ]
        epochs = _epochs_action(run, ctx, stop, last)
        if epochs is not None:
            actions.append(epochs)
        return actions


@hookimpl
def ftlint_rules() -> list[type[Rule]]:
    return [LossAnomaly, EvalTrendRegression, EvalPlateau]
