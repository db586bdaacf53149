"""TRN002 eval-trend-regression: Iteration metrics that got worse late in training."""

from __future__ import annotations

from collections.abc import Iterable

from ftlint.model import Action, Category, Finding, Point, Run, Severity
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
from ftlint.rules.training._curves import curve, epochs_cut, median, scaled
from ftlint.vocabulary import lower_is_better


class EvalTrendRegression(Rule):
    """What it detects: iteration metrics that got worse late in training. For each
    watched metric (`mae_raw`, lower is better; `json_valid_rate`, higher is better)
    the best evaluation is earlier than the last one, and the last is worse than the
    best by more than `margin` (relative). The finding names the best step and its line
    in `iter_eval_metrics.jsonl`. The same holds for the canonical eval curves of any
    stack (`curves`: the eval loss of an HF `trainer_state.json`, a LLaMA-Factory log,
    an OpenAI result file's `valid_loss`): when the train loss kept falling after the
    best eval step, the finding calls it overfitting; when the train loss rose too, it
    is left to TRN001 (the optimisation itself diverged).

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
    needs = ("curves",)
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
        "curves": metrics_param(
            ["eval_loss"],
            "canonical eval curves of any stack to watch (run.curves names)",
        ),
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
        for name in ctx.params["curves"]:
            finding = self._curve(run, ctx, name)
            if finding is not None:
                yield finding

    def _curve(self, run: Run, ctx: RuleContext, name: str) -> Finding | None:
        """An eval curve of any stack whose best point is earlier than its last, the
        last worse by more than `margin`; with the train loss still falling after the
        best step it is overfitting. A train loss that rose as well is TRN001's."""
        points = curve(run, name)
        if len(points) < ctx.params["min_points"]:
            return None
        sign = 1.0 if lower_is_better(name) else -1.0
        best = min(points, key=lambda p: sign * p.value)
        last = points[-1]
        worse = worsening(name, best.value, last.value)
        if best is last or worse <= ctx.params["margin"]:
            return None
        train = curve(run, "train_loss")
        at_best = [p.value for p in train if p.step <= best.step][-3:]
        after = [p.value for p in train if p.step > best.step][-3:]
        trend = ""
        if at_best and after:
            before_v, end_v = median(at_best), median(after)
            if end_v > before_v:
                return None  # both rose: divergence, not overfitting (TRN001)
            trend = f"; train loss kept falling ({g(before_v)} -> {g(end_v)}): overfitting"
        return ctx.finding(
            run,
            f"{name} got worse late in training: best {g(best.value)} at step "
            f"{g(best.step)}, last {g(last.value)} at step {g(last.step)} is {worse:.1%} "
            f"worse (margin {ctx.params['margin']:.0%}){trend}",
            anchor=f"curve:{name}",
            evidence=[best.evidence, last.evidence],
            measurements={
                "metric": name,
                "best_step": best.step,
                "best_value": best.value,
                "last_step": last.step,
                "last_value": last.value,
                "relative_worsening": worse,
                "overfitting": bool(trend),
            },
            actions=self._curve_actions(run, ctx, best, last),
        )

    def _curve_actions(self, run: Run, ctx: RuleContext, best: Point, last: Point) -> list[Action]:
        why = f"the eval curve was best at step {g(best.step)} of {g(last.step)}"
        return [
            epochs_cut(run, ctx.env_names("epochs"), best.step, last.step, why),
            Action(
                tier=4,
                kind="process",
                value=best.step,
                text=f"promote the checkpoint of step {g(best.step)} instead of the final "
                "adapter (save and evaluate at the same steps; load_best_model_at_end)",
                why=f"step {g(best.step)} ({best.evidence.location()}) is the best evaluation",
                expected="the best step's metrics instead of the last step's",
            ),
            scaled(
                run,
                ctx.env_names("learning_rate"),
                "learning_rate",
                ctx.params["lr_factor"],
                why="a smaller step size degrades less after the optimum",
                expected="the late-training regression shrinks or disappears",
            ),
        ]

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
