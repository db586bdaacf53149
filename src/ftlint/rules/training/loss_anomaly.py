"""TRN001 loss-anomaly: A train loss that is missing, not a finite number, or rising."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ftlint.model import Action, Category, Evidence, Finding, Problem, Run, Severity
from ftlint.report.numbers import g
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.training._common import (
    relative_change,
    scaled_env_action,
    series_values,
)
from ftlint.vocabulary import as_number

#: Keys a train loss may have in the final `train` block or in a series point's metrics.
LOSS_KEYS = ("train_loss", "loss")


LOSS_POINTERS = frozenset(f"/{block}/{key}" for block in ("train", "metrics") for key in LOSS_KEYS)


MAX_EVIDENCE = 5


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
        name, current = ctx.env_value(run, "warmup_ratio")
        now = as_number(current, text=True)
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
            f"{key} is rising: {g(last.value)} at step {last.step} is {rise:.1%} above "
            f"the minimum {g(points[low].value)} at step {points[low].step} "
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
