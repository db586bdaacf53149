"""TRN006 preference-at-chance: Preference training (DPO/ORPO/KTO) that learned no
preference: eval reward accuracy near 0.5 and eval loss near ln 2."""

from __future__ import annotations

import math
from collections.abc import Iterable

from ftlint.model import Action, Category, Finding, Run, Severity
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.training._curves import final_value, fmt, number, scaled, setting

LN2 = math.log(2)


def beta_action(run: Run) -> Action:
    """Tier 4: beta back to 0.1 when it is far from it, else a two-run sweep around it."""
    name, current = setting(run, "beta")
    label, beta = name or "beta", number(current)
    why = "beta scales how far the policy may move from the reference"
    expected = "reward margins that grow during training"
    if beta is None:
        text = f"{label}: try 0.1 (current value unknown; a very large beta keeps the policy "
        text += "at the reference)"
        return Action(tier=4, kind="env", knob="beta", text=text, why=why, expected=expected)
    if beta > 0.5 or beta < 0.01:
        text = f"{label}: {current} -> 0.1"
        return Action(4, "env", text, why, knob="beta", value=0.1, expected=expected)
    text = f"{label}: {current}; sweep {beta / 2:g} and {beta * 2:g}"
    return Action(tier=4, kind="env", knob="beta", text=text, why=why, expected=expected)


class PreferenceAtChance(Rule):
    """What it detects: preference training (DPO, ORPO, KTO) at chance on held-out
    pairs. The run logs a reward accuracy; its final eval reward accuracy is within
    `accuracy_band` of 0.5 and its final eval loss within `loss_band` of ln 2 = 0.693,
    the loss of a policy that cannot tell chosen from rejected. Both must hold; the
    final eval metric is used when present, else the last eval log. Train-side values
    are not judged (a policy can fit its training pairs and still be at chance on
    held-out ones, which the eval values show).

    Why it matters: at chance the adapter learned no preference at all; a sweep over
    its other settings is wasted until the cause is fixed, and the usual causes are in
    the data (chosen and rejected swapped or identical, a template that hides the
    difference) or a beta or learning rate that keeps the policy at the reference.

    What the planner does: tier-3 dataset checks first (pairs swapped or identical,
    chosen == rejected after templating), then tier-4 changes: beta and the learning
    rate. Deferred while a format gate fails.
    """

    code = "TRN006"
    name = "preference-at-chance"
    category = Category.TRAINING
    default_severity = Severity.WARNING
    needs = ("metrics",)
    params = {
        "accuracy_band": Param(
            0.05, "eval reward accuracy within 0.5 +/- this is chance", minimum=0, maximum=0.5
        ),
        "loss_band": Param(0.02, "eval loss within ln 2 +/- this is chance", minimum=0),
        "lr_factor": Param(
            2.0, "proposed learning rate as a multiple of the current one", exclusive_minimum=0
        ),
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        acc = final_value(run, "reward_accuracy")
        loss = final_value(run, "eval_loss")
        if acc is None or loss is None:
            return
        (acc_value, acc_ev), (loss_value, loss_ev) = acc, loss
        p = ctx.params
        if abs(acc_value - 0.5) > p["accuracy_band"] or abs(loss_value - LN2) > p["loss_band"]:
            return
        yield ctx.finding(
            run,
            f"preference training at chance: eval reward accuracy {fmt(acc_value)} "
            f"(chance 0.5) and eval loss {fmt(loss_value)} (ln 2 = 0.6931): the policy does "
            "not prefer the chosen responses on held-out pairs",
            anchor="preference-at-chance",
            evidence=[acc_ev, loss_ev],
            measurements={"eval_reward_accuracy": acc_value, "eval_loss": loss_value},
            actions=[
                Action(
                    tier=3,
                    kind="dataset",
                    text="check the preference pairs: chosen and rejected swapped, identical, "
                    "or identical after the chat template and truncation (max_length cuts "
                    "the part that differs)",
                    why="pairs the model cannot tell apart keep the loss at ln 2",
                    expected="eval reward accuracy above 0.5 within the first eval steps",
                ),
                scaled(
                    run,
                    ctx.env_names("learning_rate"),
                    "learning_rate",
                    p["lr_factor"],
                    why="a learning rate too small keeps the policy at the reference model",
                    expected="the eval loss falls below ln 2",
                ),
                beta_action(run),
            ],
        )
