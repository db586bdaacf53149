"""TRN003 eval-plateau: An iteration series that does not improve."""

from __future__ import annotations

from collections.abc import Iterable

from ftlint.model import Action, Category, Finding, Run, Severity
from ftlint.report.numbers import g
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.training._common import (
    best_index,
    epochs_action,
    metrics_param,
    scaled_env_action,
    series_values,
    worsening,
)
from ftlint.vocabulary import lower_is_better


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
    needs = ("curves",)
    params = {
        "metrics": metrics_param(["mae_raw"], "series metrics to watch"),
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
                f"{g(b2.value)} (step {b2.step}) vs best of the first {len(first)} "
                f"{g(b1.value)} (step {b1.step}): {gain:+.1%}, below the "
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
        epochs = epochs_action(run, ctx, stop, last)
        if epochs is not None:
            actions.append(epochs)
        return actions
