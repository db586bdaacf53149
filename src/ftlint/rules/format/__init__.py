"""Format rules (FMT): does the model keep the output contract (validity rate, failure
taxonomy, truncation, trailing text, spikes, regressions, degenerate outputs).

The package is the plugin `builtin.format`: one module per rule, named after the rule;
helpers shared by its rules live in `_`-prefixed modules next to them.
"""

from __future__ import annotations

from ftlint.hookspecs import hookimpl
from ftlint.rule import Rule
from ftlint.rules.format.degenerate_output import DegenerateOutput
from ftlint.rules.format.eos_truncation import EosTruncation
from ftlint.rules.format.format_regression import FormatRegression
from ftlint.rules.format.json_valid_rate import JsonValidRate
from ftlint.rules.format.parse_error_rate import ParseErrorRate
from ftlint.rules.format.parse_error_spike import ParseErrorSpike
from ftlint.rules.format.parse_error_taxonomy import ParseErrorTaxonomy
from ftlint.rules.format.strict_lenient_gap import StrictLenientGap
from ftlint.rules.format.trailing_text import TrailingText


@hookimpl
def ftlint_rules() -> list[type[Rule]]:
    """This category's rules, in code order."""
    return [
        JsonValidRate,
        ParseErrorRate,
        ParseErrorTaxonomy,
        EosTruncation,
        TrailingText,
        ParseErrorSpike,
        FormatRegression,
        DegenerateOutput,
        StrictLenientGap,
    ]
