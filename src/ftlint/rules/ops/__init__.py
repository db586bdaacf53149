"""Operations rules (OPS): submissions, orphaned runs, latency and cost budgets.

The package is the plugin `builtin.ops`: one module per rule, named after the rule;
helpers shared by its rules live in `_`-prefixed modules next to them.
"""

from __future__ import annotations

from ftlint.hookspecs import hookimpl
from ftlint.rule import Rule
from ftlint.rules.ops.failed_submission import FailedSubmission
from ftlint.rules.ops.latency_budget import LatencyBudget
from ftlint.rules.ops.orphan_run import OrphanRun


@hookimpl
def ftlint_rules() -> list[type[Rule]]:
    """This category's rules, in code order."""
    return [
        FailedSubmission,
        OrphanRun,
        LatencyBudget,
    ]
