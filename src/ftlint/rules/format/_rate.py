"""The shared shape of FMT001 json-valid-rate and FMT002 parse-error-rate: a rate
metric against a threshold, with reference eval modes reported as info.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from ftlint.model import Finding, Run, Severity
from ftlint.report.numbers import g
from ftlint.rule import Param, RuleContext
from ftlint.rules.format._actions import (
    constrained_action,
    prompt_contract_action,
    top_class_action,
)
from ftlint.rules.format._common import (
    RATE_EPS,
    REFERENCE_MODES,
    TalliedRule,
    is_reference,
    rate_text,
)

# -- FMT001 / FMT002 ---------------------------------------------------------------------


class RateRule(TalliedRule):
    """Shared check of FMT001/FMT002: one contract metric against a threshold."""

    key: ClassVar[str] = ""
    higher_is_better: ClassVar[bool] = True

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        value = run.metric(self.key)
        if value is None:
            return
        limit = float(ctx.params["min" if self.higher_is_better else "max"])
        bad = value < limit - RATE_EPS if self.higher_is_better else value > limit + RATE_EPS
        if not bad:
            return
        n = run.provenance.eval_size
        word = "below the minimum" if self.higher_is_better else "above the maximum"
        reference = is_reference(run, ctx)
        note = (
            f" (reference mode {run.provenance.mode}: not a promotion candidate)"
            if reference
            else ""
        )
        ev = run.metric_evidence(self.key)
        why = f"{self.key} {g(value)} misses the contract threshold {g(limit)}"
        actions = top_class_action(self.tally(run))
        actions += [constrained_action(run, why), prompt_contract_action(run, why)]
        if reference:
            actions = []  # a reference measurement is not what the next run changes
        yield ctx.finding(
            run,
            f"{self.key} {rate_text(value, n)} is {word} {g(limit)}{note}",
            anchor=self.key,
            evidence=[ev] if ev else [],
            measurements={
                "value": value,
                "threshold": limit,
                "eval_size": n,
                "count": round(value * n) if n else None,
            },
            actions=actions,
            severity=Severity.INFO if reference else None,
        )


REFERENCE_PARAM = Param(
    list(REFERENCE_MODES),
    "eval modes that measure a reference (not an adapter to promote): reported as info",
    type="array",
    items={"type": "string"},
)
