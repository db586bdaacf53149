"""The plugin module named by the `ftlint` entry point: hook implementations only.

ftlint imports this module and registers it with pluggy under the entry point's name
(`acme`); every function marked `@hookimpl` whose name matches a hook in
`ftlint.hookspecs` contributes to it. A misspelt hook name is an error, not a no-op.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ftlint.hookspecs import hookimpl
from ftlint.rule import Rule

from .rules import KNOBS, EvalTemperature, MinEvalSize


@hookimpl
def ftlint_rules() -> Sequence[type[Rule]]:
    return [MinEvalSize, EvalTemperature]


@hookimpl
def ftlint_knobs() -> Mapping[str, Sequence[str]]:
    # planner vocabulary -> env variables of the next run; rules.yaml `knobs:` can remap it
    return {knob: list(names) for knob, names in KNOBS.items()}
