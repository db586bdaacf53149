"""FMT009 strict-lenient-gap: A strict metric far below its lenient twin: the answers
are right but not in the form the contract asks for."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ftlint.model import Action, Category, Finding, Metric, Run, Severity
from ftlint.report.numbers import g
from ftlint.rule import Param, Rule, RuleContext

#: (strict pattern, lenient replacements): the metric names a strict/lenient pair takes
#: in the stacks that log both (hand-written loops, lm-eval filters, HELM-style names)
TWINS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"^(?P<stem>.+)_strict$"), ("{stem}_lenient",)),
    (re.compile(r"^(?P<stem>.+)_strict_match$"), ("{stem}_flexible_extract",)),
    (
        re.compile(r"^(?P<pre>(?:.+/)?)(?P<stem>exact_match)$"),
        (
            "{pre}{stem}_normalized",
            "{pre}{stem}_normalised",
            "{pre}normalized_{stem}",
            "{pre}quasi_{stem}",
        ),
    ),
)


def twin_pairs(metrics: dict[str, Metric]) -> Iterator[tuple[str, str]]:
    """(strict name, lenient name) for every pair both of which the run logged."""
    for name in sorted(metrics):
        if "stderr" in name:
            continue
        for pattern, lenient in TWINS:
            found = pattern.match(name)
            if found is None:
                continue
            for template in lenient:
                twin = template.format(**found.groupdict())
                if twin in metrics:
                    yield name, twin
                    break


def on_unit_scale(strict: float, lenient: float) -> tuple[float, float, float] | None:
    """Both values as fractions (a percent pair is divided by 100), with the scale; None
    when they are not rates (negative, or above 100)."""
    if min(strict, lenient) < 0 or max(strict, lenient) > 100:
        return None
    scale = 100.0 if max(strict, lenient) > 1 else 1.0
    return strict / scale, lenient / scale, scale


class StrictLenientGap(Rule):
    """What it detects: a strict metric far below its lenient twin on the same eval. The
    pairs: `<task>_strict` vs `<task>_lenient`, lm-eval's `exact_match` with the
    `strict-match` vs the `flexible-extract` filter, `exact_match` vs a normalised
    match. The lenient score minus the strict one is above `max_gap` (on a 0-1 scale;
    percent pairs are scaled). One finding per pair.

    Why it matters: the lenient scorer finds the right answer in the output; the strict
    one does not accept the form it is written in (extra words, a missing `####`
    marker, casing, trailing text). The gap is an output-contract failure, not missing
    knowledge: a downstream parser sees the strict number, and tuning on the task
    itself will not close it.

    What the planner does: tier-1 output-contract actions first (state the exact answer
    format in the prompt with an example, stop sequences after the answer), then
    re-score; quality conclusions stay provisional until the gap is closed.
    """

    code = "FMT009"
    name = "strict-lenient-gap"
    category = Category.FORMAT
    default_severity = Severity.WARNING
    needs = ("metrics",)
    params = {
        "max_gap": Param(
            0.1, "largest accepted lenient minus strict score (0-1 scale)", minimum=0, maximum=1
        ),
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        metrics = dict(run.metrics)
        for strict_name, lenient_name in twin_pairs(metrics):
            strict, lenient = metrics[strict_name], metrics[lenient_name]
            unit = on_unit_scale(strict.value, lenient.value)
            if unit is None:
                continue
            s, le, scale = unit
            gap = le - s
            if gap <= ctx.params["max_gap"]:
                continue
            lost = gap / le if le else 0.0
            yield ctx.finding(
                run,
                f"{strict_name} {g(strict.value)} is {g(gap * scale)} below {lenient_name} "
                f"{g(lenient.value)} (max gap {ctx.params['max_gap'] * scale:g}): "
                f"{lost:.0%} of the answers the lenient scorer accepts fail the strict format",
                anchor=f"{strict_name}|{lenient_name}",
                evidence=[strict.evidence, lenient.evidence],
                measurements={
                    "strict_metric": strict_name,
                    "strict": strict.value,
                    "lenient_metric": lenient_name,
                    "lenient": lenient.value,
                    "gap": gap,
                    "share_lost_to_format": lost,
                },
                actions=[
                    Action(
                        tier=1,
                        kind="prompt",
                        text="state the exact answer format in the prompt and show it in the "
                        "few-shot examples (the final answer alone, in the form the strict "
                        "scorer extracts)",
                        why=f"{lost:.0%} of the lenient-correct answers fail only the format",
                        expected=f"{strict_name} rises towards {g(lenient.value)}",
                    ),
                    Action(
                        tier=1,
                        kind="decode",
                        text="add stop sequences after the answer so nothing trails it",
                        why="text after the answer is a common reason a strict match fails",
                        expected="the strict-lenient gap narrows",
                        rollback_trigger=f"{lenient_name} drops",
                    ),
                ],
            )
