"""PRV005 inconsistent-metrics: Artifacts that cannot be trusted as written."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from ftlint.model import Campaign, Category, Finding, Run, Severity
from ftlint.report.numbers import g
from ftlint.rule import Param, Rule, RuleContext
from ftlint.rules.provenance._common import all_problems, problem_findings


class InconsistentMetrics(Rule):
    """What it detects: artifacts that cannot be trusted as written. Malformed or
    half-written JSONL lines, non-UTF-8 bytes, empty files, values of the wrong type,
    NaN or Infinity, rates outside [0, 1], `json_valid_rate + parse_error_rate` not
    summing to 1, `mae_norm` not equal to `mae_raw / target_scale`, the mean of the
    per-dimension `mae_raw_<dim>` disagreeing with `mae_raw`, and sources that disagree
    about a run's provenance (e.g. target_scale 100 in final metrics, 10 in the job's
    `--env`), and a join that matched several runs (an eval job whose adapter several
    runs produced, or a training folder whose `output_dir` several W&B runs logged:
    reported as a warning and joined to none of them, never merged).

    Why it matters: every other rule compares these numbers with thresholds or with a
    baseline. A NaN compares false with everything, so a broken metric would pass every
    check; a dropped line silently shrinks the evidence.

    What the planner does: marks the affected run's conclusions as provisional and
    lists fixing the writer (or re-running the eval) before any tuning action.
    """

    code = "PRV005"
    name = "inconsistent-metrics"
    category = Category.PROVENANCE
    default_severity = Severity.ERROR
    params = {
        "rate_sum_tolerance": Param(
            0.001, "allowed |json_valid_rate + parse_error_rate - 1|", minimum=0, maximum=0.5
        ),
        "relative_tolerance": Param(
            0.02,
            "allowed relative gap between mae_norm and mae_raw/scale, and between mae_raw "
            "and the mean of the per-dimension mae_raw_<dim>",
            minimum=0,
            maximum=1,
        ),
    }

    KINDS = {"malformed", "invalid", "inconsistent", "empty", "ambiguous"}

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        yield from problem_findings(ctx, run.name, all_problems(run, ctx), self.KINDS)
        yield from self._rate_sum(run, ctx)
        yield from self._norm(run, ctx)
        yield from self._dimension_mean(run, ctx)
        for conflict in run.conflicts:
            shown = ", ".join(f"{v!r} in {ev.location()}" for v, ev in conflict.values)
            yield ctx.finding(
                run,
                f"sources disagree on {conflict.field}: {shown}",
                anchor=f"conflict:{conflict.field}",
                evidence=[ev for _, ev in conflict.values],
                measurements={
                    "field": conflict.field,
                    "values": [str(v) for v, _ in conflict.values],
                },
            )

    def check_campaign(self, campaign: Campaign, ctx: RuleContext) -> Iterable[Finding]:
        yield from problem_findings(ctx, None, campaign.problems, self.KINDS)

    def _rate_sum(self, run: Run, ctx: RuleContext) -> Iterator[Finding]:
        jv, pe = run.metrics.get("json_valid_rate"), run.metrics.get("parse_error_rate")
        if jv is None or pe is None or jv.evidence.path != pe.evidence.path:
            return
        total = jv.value + pe.value
        tol = ctx.params["rate_sum_tolerance"]
        if abs(total - 1.0) > tol:
            yield ctx.finding(
                run,
                f"json_valid_rate {jv.value:g} + parse_error_rate {pe.value:g} = {total:g}, "
                f"not 1 (tolerance {tol:g})",
                anchor="rate_sum",
                evidence=[jv.evidence, pe.evidence],
                measurements={
                    "json_valid_rate": jv.value,
                    "parse_error_rate": pe.value,
                    "sum": total,
                },
            )

    def _norm(self, run: Run, ctx: RuleContext) -> Iterator[Finding]:
        scale = run.provenance.target_scale
        raw, norm = run.metrics.get("mae_raw"), run.metrics.get("mae_norm")
        if not scale or raw is None or norm is None:
            return
        expected = raw.value / scale
        if not _close(norm.value, expected, ctx.params["relative_tolerance"]):
            yield ctx.finding(
                run,
                f"mae_norm {norm.value:g} != mae_raw {raw.value:g} / target_scale {scale:g} "
                f"= {g(expected)}; the scale the metrics were computed on is not the one recorded",
                anchor="mae_norm",
                evidence=[norm.evidence, raw.evidence],
                measurements={"mae_norm": norm.value, "expected": expected, "target_scale": scale},
            )

    def _dimension_mean(self, run: Run, ctx: RuleContext) -> Iterator[Finding]:
        raw = run.metrics.get("mae_raw")
        dims = {
            k: m
            for k, m in run.metrics.items()
            if k.startswith("mae_raw_") and not k.endswith("_std")
        }
        keys = run.provenance.target_keys
        if keys:
            dims = {k: m for k, m in dims.items() if k[len("mae_raw_") :] in keys}
        if raw is None or len(dims) < 2 or (keys and len(dims) != len(keys)):
            return
        mean = sum(m.value for m in dims.values()) / len(dims)
        if not _close(raw.value, mean, ctx.params["relative_tolerance"]):
            yield ctx.finding(
                run,
                f"mae_raw {raw.value:g} != mean of {len(dims)} per-dimension mae_raw_<dim> "
                f"({g(mean)})",
                anchor="mae_dim_mean",
                evidence=[raw.evidence],
                measurements={"mae_raw": raw.value, "dimension_mean": mean},
            )


def _close(a: float, b: float, rel: float) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-9)
