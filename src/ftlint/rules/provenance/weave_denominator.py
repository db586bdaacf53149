"""PRV007 weave-denominator: A Weave evaluation summary that its own rows do not support."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

from ftlint.model import Action, Category, Finding, Run, Severity
from ftlint.report.numbers import g
from ftlint.rule import Param, Rule, RuleContext
from ftlint.vocabulary import as_number


class WeaveDenominator(Rule):
    """What it detects: a Weave evaluation summary that its own rows do not support.
    ftlint recounts the `predict_and_score` rows of each evaluation with failed rows
    (`output: null`, an exception, `weave.status: error`) in the denominator. Weave's scorer summaries drop
    `None` values, so a failed row silently leaves the denominator: a `true_fraction`
    over the 72 scored rows reads higher than the same count over all 80 rows, and a
    `mean` covers fewer rows than the evaluation had. A summary that differs from the
    rows for any other reason (a partial export, another run's summary) is reported too.

    Why it matters: the Weave dashboard number is the one people quote and gate on. If
    the rows that crashed or produced no output are not in it, the model looks better
    exactly where it is worst: a format failure that raises never counts against the
    validity rate.

    What the planner does: lists a process fix ahead of any tuning (score failed rows
    as failures, or report the recount with its full denominator) and uses the recount
    for this run; the failed rows' trace links are the evidence to start from.
    """

    code = "PRV007"
    name = "weave-denominator"
    category = Category.PROVENANCE
    default_severity = Severity.WARNING
    params = {
        "fraction_tolerance": Param(
            0.005,
            "allowed |reported true_fraction - recount over all rows| (absolute)",
            minimum=0,
            maximum=1,
        ),
        "mean_tolerance": Param(
            0.01,
            "allowed relative gap between a reported mean and the recount over the scored rows",
            minimum=0,
            maximum=1,
        ),
        "max_unscored_share": Param(
            0.0,
            "share of rows a reported mean may leave out (failed or unscored) before it is flagged",
            minimum=0,
            maximum=1,
        ),
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        for evaluation in run.weave_evals:
            if evaluation.rows:
                yield from self._check(run, evaluation, ctx)

    def _check(self, run: Run, ev: Any, ctx: RuleContext) -> Iterator[Finding]:
        gaps = [gap for stat in ev.scores if (gap := self._gap(stat, ctx)) is not None]
        if not gaps:
            return
        total = len(ev.rows)
        first_text, first_numbers = gaps[0]
        more = f"; {len(gaps) - 1} more scorer value(s) disagree" if len(gaps) > 1 else ""
        failed = (
            f"{ev.failed} of {total} rows failed (output null or exception) and are missing "
            "from the summary: "
            if ev.failed
            else f"its {total} exported rows do not give the reported summary: "
        )
        recount = first_numbers.get("recount")
        yield ctx.finding(
            run,
            f"Weave evaluation {ev.name!r}: {failed}{first_text}{more}",
            anchor=f"weave:{ev.call_id or ev.name}",
            evidence=[ev.evidence, *ev.failed_evidence],
            measurements={
                "rows": total,
                "failed_rows": ev.failed,
                **first_numbers,
                "disagreements": [numbers for _, numbers in gaps],
                "exceptions": list(ev.exceptions),
                "latency_p50_ms": ev.latency_p50_ms,
                "latency_p95_ms": ev.latency_p95_ms,
            },
            actions=[
                Action(
                    tier=1,
                    kind="process",
                    text=(
                        "score failed Weave rows as failures (or report the recount): "
                        f"{first_numbers['metric']} = {g(recount)} over all {total} rows"
                        if recount is not None
                        else f"score failed Weave rows as failures: report means over all {total} rows"
                    ),
                    why="Weave scorer summaries drop None values, so failed rows leave "
                    "the denominator",
                    expected="the Weave summary equals ftlint's recount",
                    rollback_trigger="",
                )
            ],
        )

    @staticmethod
    def _gap(stat: Any, ctx: RuleContext) -> tuple[str, dict[str, Any]] | None:
        reported = stat.reported or {}
        base = {"metric": stat.path, "scored": stat.scored, "total": stat.total}
        if stat.kind == "bool":
            fraction = as_number(reported.get("true_fraction"))
            count = as_number(reported.get("true_count"))
            if fraction is None and count is None:
                return None
            recount = stat.true_count / stat.total if stat.total else 0.0
            fraction_off = (
                fraction is not None and abs(fraction - recount) > ctx.params["fraction_tolerance"]
            )
            count_off = count is not None and int(count) != stat.true_count
            if not (fraction_off or count_off):
                return None
            shown = f"{g(fraction)}" if fraction is not None else f"true_count {count:g}"
            text = (
                f"{stat.path} true_fraction reported {shown} ({stat.true_count} of "
                f"{stat.scored} scored), recount {g(recount)} ({stat.true_count}/{stat.total})"
            )
            return text, {**base, "reported": fraction, "recount": recount}
        mean = as_number(reported.get("mean"))
        if mean is None or stat.mean is None:
            return None
        if not math.isclose(mean, stat.mean, rel_tol=ctx.params["mean_tolerance"], abs_tol=1e-9):
            text = (
                f"{stat.path} mean reported {g(mean)}, recount {g(stat.mean)} over the "
                f"{stat.scored} scored of {stat.total} rows"
            )
            return text, {**base, "reported": mean, "recount_mean": stat.mean}
        unscored = (stat.total - stat.scored) / stat.total if stat.total else 0.0
        if unscored > ctx.params["max_unscored_share"]:
            text = (
                f"{stat.path} mean {g(mean)} covers only {stat.scored} of {stat.total} rows "
                f"({unscored:.1%} left out)"
            )
            return text, {**base, "reported": mean, "unscored_share": unscored}
        return None
