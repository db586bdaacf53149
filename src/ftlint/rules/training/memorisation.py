"""TRN005 memorisation: The model fits its training data almost perfectly while the
held-out loss stops improving."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

from ftlint.model import Action, Category, Evidence, Finding, Point, Run, Severity
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.training._curves import (
    curve,
    epochs_cut,
    first_curve,
    fmt,
    median,
    number,
    setting,
    tail,
)

#: train-side accuracy curves, most specific first (TRL, OpenAI current and legacy)
TRAIN_ACCURACY = (
    "train_token_accuracy",
    "train_sequence_accuracy",
    "train_accuracy",
)


def epoch_steps(run: Run, points: Sequence[Point]) -> list[tuple[Point, Point]]:
    """(last point before, first point after) each whole-epoch boundary of the train
    loss, from the `epoch` curve (empty when the run logged no epochs)."""
    epochs = curve(run, "epoch")
    if len(epochs) < 2 or len(points) < 4:
        return []
    by_step = {p.step: p.value for p in epochs}
    pairs = []
    for a, b in itertools.pairwise(points):
        ea, eb = by_step.get(a.step), by_step.get(b.step)
        if ea is not None and eb is not None and int(eb + 1e-9) > int(ea + 1e-9):
            pairs.append((a, b))
    return pairs


def staircase(run: Run, points: Sequence[Point], factor: float) -> list[tuple[Point, Point]]:
    """Epoch boundaries where the train loss drops by more than `factor` x the median
    step-to-step drop inside epochs and by more than 10% (the model has seen each
    example before: its loss falls in a step when the epoch restarts)."""
    boundaries = epoch_steps(run, points)
    if not boundaries:
        return []
    at = {id(a) for a, _ in boundaries}
    pairs = itertools.pairwise(points)
    inside = [abs(a.value - b.value) for a, b in pairs if id(a) not in at]
    typical = median(inside) if inside else 0.0
    return [
        (a, b)
        for a, b in boundaries
        if a.value - b.value > max(factor * typical, 0.1 * abs(a.value))
    ]


class Memorisation(Rule):
    """What it detects: the model memorises its training set. The train side is near
    perfect: the median train loss of the last `tail_share` of logged steps is below
    `max_train_loss`, or the train token/sequence accuracy there is at least
    `min_train_accuracy`, or the train loss drops in a step at `min_stairs` or more
    epoch boundaries; and at the same time the eval loss is flat or rising: its last
    value improves on the best of the first half of the evals by less than
    `eval_flat_tolerance` (relative). Needs a train curve and at least `min_eval_points`
    eval losses; otherwise it says nothing.

    Why it matters: a model that reproduces its training targets verbatim while the
    held-out loss no longer falls has stopped learning the task and is learning the
    examples; further epochs make it worse off-distribution, and every train-side metric
    overstates what it can do.

    What the planner does: tier-4 actions: fewer epochs (cut to the best eval step),
    more dropout; a tier-3 dataset action (more, more varied data; deduplicate). Deferred
    while a format gate fails.
    """

    code = "TRN005"
    name = "memorisation"
    category = Category.TRAINING
    default_severity = Severity.WARNING
    needs = ("curves",)
    params = {
        "max_train_loss": Param(
            0.05, "train loss (median of the tail) below which training is memorised", minimum=0
        ),
        "min_train_accuracy": Param(
            0.99,
            "train token/sequence accuracy (tail median) that counts as memorised",
            minimum=0,
            maximum=1,
        ),
        "tail_share": Param(
            0.2, "share of the last logged train steps judged", exclusive_minimum=0, maximum=1
        ),
        "min_stairs": Param(2, "epoch boundaries with a step-like loss drop", minimum=1),
        "stair_factor": Param(
            5.0,
            "a boundary drop is a stair when this many times the typical step drop",
            exclusive_minimum=1,
        ),
        "eval_flat_tolerance": Param(
            0.02, "eval loss improvement (relative) below which it is flat", minimum=0
        ),
        "min_eval_points": Param(3, "fewest eval losses to judge the eval trend", minimum=2),
        "dropout": Param(0.1, "lora_dropout proposed when it is lower", minimum=0, maximum=0.9),
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        p = ctx.params
        train = curve(run, "train_loss")
        evals = curve(run, "eval_loss")
        if len(train) < 2 or len(evals) < p["min_eval_points"]:
            return
        half = evals[: max(1, len(evals) // 2)]
        best_early = min(half, key=lambda q: q.value)
        last = evals[-1]
        improvement = (best_early.value - last.value) / abs(best_early.value or 1.0)
        if improvement >= p["eval_flat_tolerance"]:
            return
        signs, evidence, measured = self._train_side(run, train, p)
        if not signs:
            return
        rise = -improvement > p["eval_flat_tolerance"]
        trend = "rising" if rise else "flat"
        yield ctx.finding(
            run,
            f"memorisation: {'; '.join(signs)}, while eval loss is {trend} "
            f"({fmt(best_early.value)} at step {best_early.step:g} -> {fmt(last.value)} at "
            f"step {last.step:g})",
            anchor="memorisation",
            evidence=[*evidence, best_early.evidence, last.evidence],
            measurements={
                **measured,
                "eval_loss_best_early": best_early.value,
                "eval_loss_best_early_step": best_early.step,
                "eval_loss_last": last.value,
                "eval_loss_last_step": last.step,
            },
            actions=self._actions(run, ctx, evals, train),
        )

    def _train_side(
        self, run: Run, train: Sequence[Point], p: dict
    ) -> tuple[list[str], list[Evidence], dict]:
        signs: list[str] = []
        evidence: list[Evidence] = []
        measured: dict = {}
        window = tail(train, p["tail_share"])
        loss = median([q.value for q in window])
        if loss < p["max_train_loss"]:
            signs.append(f"train loss {fmt(loss)} (median of the last {len(window)} logs)")
            evidence.append(window[-1].evidence)
            measured["train_loss_tail"] = loss
        name, acc = first_curve(run, TRAIN_ACCURACY)
        if acc:
            acc_tail = tail(acc, p["tail_share"])
            value = median([q.value for q in acc_tail])
            if value >= p["min_train_accuracy"]:
                signs.append(f"{name} {fmt(value)}")
                evidence.append(acc_tail[-1].evidence)
                measured[f"{name}_tail"] = value
        stairs = staircase(run, train, p["stair_factor"])
        if len(stairs) >= p["min_stairs"]:
            drops = ", ".join(f"{fmt(a.value)}->{fmt(b.value)}" for a, b in stairs[:3])
            signs.append(f"train loss drops in steps at {len(stairs)} epoch boundaries ({drops})")
            evidence.append(stairs[0][1].evidence)
            measured["epoch_stairs"] = len(stairs)
        return signs, evidence, measured

    def _actions(
        self, run: Run, ctx: RuleContext, evals: Sequence[Point], train: Sequence[Point]
    ) -> list[Action]:
        best = min(evals, key=lambda q: q.value)
        last_step = max(train[-1].step, evals[-1].step)
        why = f"the eval loss was best at step {best.step:g} of {last_step:g}"
        actions = [epochs_cut(run, ctx.env_names("epochs"), best.step, last_step, why)]
        name, current = setting(run, "lora_dropout", ctx.env_names("lora_dropout"))
        value, target = number(current), ctx.params["dropout"]
        if value is None or value < target:
            was = "" if value is None else f"{current} -> "
            actions.append(
                Action(
                    tier=4,
                    kind="env",
                    knob="lora_dropout",
                    value=target,
                    text=f"{name or 'lora_dropout'}: {was}{target:g}",
                    why="regularisation slows memorisation of individual examples",
                    expected="a train loss that stays above zero and an eval loss that "
                    "keeps falling longer",
                )
            )
        actions.append(
            Action(
                tier=3,
                kind="dataset",
                text="add more, more varied training examples and remove near-duplicates",
                why="a small or repetitive training set is memorised within a few epochs",
                expected="the eval loss keeps improving while the train loss falls",
            )
        )
        return actions
