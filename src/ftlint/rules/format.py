"""Format rules on the eval metrics: FMT001 json-valid-rate and FMT002 parse-error-rate.

The rest of the format pack: `format_rows` (FMT003-FMT005, hard cases),
`format_outputs` (FMT008, QLT004), `format_series` (FMT006, FMT007); shared helpers
in `format_common`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from ftlint.hookspecs import hookimpl
from ftlint.model import Category, Finding, Run, Severity
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.format_actions import (
    constrained_action,
    prompt_contract_action,
    top_class_action,
)
from ftlint.rules.format_common import (
    RATE_EPS,
    REFERENCE_MODES,
    TalliedRule,
    g,
    is_reference,
    rate_text,
)

# -- FMT001 / FMT002 ---------------------------------------------------------------------


class _RateRule(TalliedRule):
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


_REFERENCE_PARAM = Param(
    list(REFERENCE_MODES),
    "eval modes that measure a reference (not an adapter to promote): reported as info",
    type="array",
    items={"type": "string"},
)


class JsonValidRate(_RateRule):
    """What it detects: eval `json_valid_rate` below the minimum. Read from the final
    metrics or eval-result metrics (W&B summaries map to the same key); the message
    gives the count of valid rows when the eval size is known.

    Why it matters: every unparsed output is scored with a placeholder vector, so a
    run that misses the output contract has quality metrics that mix format failures
    with value errors, and a downstream consumer gets no answer for those requests.

    What the planner does: tier 1: fix the largest failure class of the hard cases
    first (FMT003), and enforce the contract with constrained JSON decoding against
    the target-key schema; tier 2: state the contract in the prompt. Reference eval
    modes (prompt/large/rule baselines) are reported as info, without actions.
    """

    code = "FMT001"
    name = "json-valid-rate"
    category = Category.FORMAT
    default_severity = Severity.ERROR
    params = {
        "min": Param(0.98, "smallest acceptable json_valid_rate", minimum=0, maximum=1),
        "reference_modes": _REFERENCE_PARAM,
    }
    key = "json_valid_rate"
    higher_is_better = True


class ParseErrorRate(_RateRule):
    """What it detects: eval `parse_error_rate` above the maximum. Read from the final
    metrics or eval-result metrics (derived as 1 - json_valid_rate when only that is
    reported); the message gives the count of failed rows when the eval size is known.

    Why it matters: each parse error is a request the model did not answer in the
    contract format; the pipeline scores it with a mid-scale placeholder, so the
    quality metrics of the run are contaminated in proportion.

    What the planner does: tier 1: fix the largest failure class of the hard cases
    first (FMT003) and enforce the contract with constrained JSON decoding; tier 2:
    state the contract in the prompt. Reference eval modes are info, without actions.
    """

    code = "FMT002"
    name = "parse-error-rate"
    category = Category.FORMAT
    default_severity = Severity.ERROR
    params = {
        "max": Param(0.02, "largest acceptable parse_error_rate", minimum=0, maximum=1),
        "reference_modes": _REFERENCE_PARAM,
    }
    key = "parse_error_rate"
    higher_is_better = False


@hookimpl
def ftlint_rules() -> list[type[Rule]]:
    return [JsonValidRate, ParseErrorRate]
