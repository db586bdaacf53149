"""TRN004 no-validation: A training run that measured nothing on held-out data."""

from __future__ import annotations

from collections.abc import Iterable

from ftlint.model import Action, Campaign, Category, Finding, Run, Severity
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.training._curves import curve, has_eval_measurement, has_train_curve, number


def evaluated_elsewhere(run: Run, campaign: Campaign) -> bool:
    """Another run of the campaign is an eval of this run's adapter (an lm-eval or
    eval-job run naming it), so the held-out measurement exists, just not here."""
    names = {n for n in (run.name, run.label, run.provenance.adapter) if n}
    for other in campaign.runs:
        if other is run or other.kind != "eval":
            continue
        adapter = other.provenance.adapter
        if adapter and any(adapter == n or adapter.rstrip("/").endswith(n) for n in names):
            return True
    return False


def unfinished(run: Run) -> bool:
    """Crashed, killed or running, or stopped before the `max_steps` it planned."""
    if run.status in ("crashed", "killed", "running"):
        return True
    planned = number(run.settings.get("max_steps"))
    points = curve(run, "train_loss")
    return planned is not None and planned > 0 and bool(points) and points[-1].step < planned


class NoValidation(Rule):
    """What it detects: a training run with no held-out measurement at all. Its train
    loss was logged at `min_train_points` steps or more, but there is no eval or
    validation loss, no eval metric, no iteration eval and no eval rows (an OpenAI
    result file without `valid_*` values, a `trainer_state.json` without eval logs, a
    LLaMA-Factory log without `eval_loss`). A run whose adapter is evaluated by another
    run of the workspace (lm-eval, an eval job) is not reported, nor is a run that
    crashed, was killed, is still running or stopped before its planned `max_steps`
    (its first eval may not have come yet).

    Why it matters: a falling train loss says the model fits its training data, not
    that it generalises; overfitting, memorisation and a wrong checkpoint are invisible
    without a held-out split, and no promotion gate can pass on metrics that do not
    exist.

    What the planner does: a tier-3 dataset action (hold out a validation split) and a
    process action (evaluate every few hundred steps and keep the best checkpoint);
    every gate of this run stays INCONCLUSIVE until then.
    """

    code = "TRN004"
    name = "no-validation"
    category = Category.TRAINING
    default_severity = Severity.WARNING
    params = {
        "min_train_points": Param(
            2, "fewest logged train-loss steps that make a run a training run", minimum=1
        ),
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        if run.kind == "eval" or not has_train_curve(run, ctx.params["min_train_points"]):
            return
        if unfinished(run):
            return  # the first eval step may simply not have come yet (PRV006's concern)
        if has_eval_measurement(run) or evaluated_elsewhere(run, ctx.campaign):
            return
        points = curve(run, "train_loss")
        yield ctx.finding(
            run,
            f"training run logged train loss at {len(points)} steps (last step "
            f"{points[-1].step:g}) but no eval loss, eval metric or eval rows: nothing was "
            "measured on held-out data",
            anchor="no-validation",
            evidence=[points[-1].evidence],
            measurements={"train_points": len(points), "last_step": points[-1].step},
            actions=[
                Action(
                    tier=3,
                    kind="dataset",
                    text="hold out a validation split (5-10% of the data, at least a few "
                    "hundred rows, disjoint from training) and pass it to the trainer",
                    why="no held-out measurement exists for this run",
                    expected="an eval loss curve and eval metrics a gate can use",
                ),
                Action(
                    tier=3,
                    kind="process",
                    knob="eval_steps",
                    text="evaluate on the held-out split every few hundred steps and keep "
                    "the best checkpoint (load_best_model_at_end / save at eval steps)",
                    why="without eval steps overfitting and the best step are invisible",
                    expected="the best checkpoint is known; promotion gates become decidable",
                ),
            ],
        )
