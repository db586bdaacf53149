"""TRN002 eval-trend-regression: Iteration metrics that got worse late in training."""

from __future__ import annotations

from collections.abc import Iterable

from ftlint.model import Action, Category, Finding, Run, Severity
from ftlint.report.numbers import g
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.training._common import (
    Pt,
    best_index,
    epochs_action,
    metrics_param,
    scaled_env_action,
    series_values,
    worsening,
)


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
        "metrics": metrics_param(
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
                f"{key} got worse late in training: best {g(best.value)} at step "
                f"{best.step} (line {best.evidence.line}), last {g(last.value)} at step "
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

    def _actions(self, run: Run, ctx: RuleContext, best: Pt, last: Pt) -> list[Action]:
        actions = []
        epochs = epochs_action(run, ctx, best.step, last.step)
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
