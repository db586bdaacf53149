"""Training rules (TRN): loss and iteration-eval curves.

The package is the plugin `builtin.training`: one module per rule, named after the rule;
helpers shared by its rules live in `_`-prefixed modules next to them.
"""

from __future__ import annotations

from ftlint.hookspecs import hookimpl
from ftlint.rule import Rule
from ftlint.rules.training.eval_plateau import EvalPlateau
from ftlint.rules.training.eval_trend_regression import EvalTrendRegression
from ftlint.rules.training.loss_anomaly import LossAnomaly
from ftlint.rules.training.memorisation import Memorisation
from ftlint.rules.training.no_validation import NoValidation
from ftlint.rules.training.preference_at_chance import PreferenceAtChance


@hookimpl
def ftlint_rules() -> list[type[Rule]]:
    """This category's rules, in code order."""
    return [
        LossAnomaly,
        EvalTrendRegression,
        EvalPlateau,
        NoValidation,
        Memorisation,
        PreferenceAtChance,
    ]
