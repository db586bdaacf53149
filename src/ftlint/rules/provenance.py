"""Provenance rules: can the numbers be trusted at all? (PRV004, PRV005)"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from ftlint.hookspecs import hookimpl
from ftlint.model import Campaign, Category, Finding, Problem, Run, Severity
from ftlint.rule import Param, Rule, RuleContext

MAX_EVIDENCE = 5


def _grouped(problems: Sequence[Problem]) -> Iterator[tuple[str, list[Problem]]]:
    """Line problems grouped per (file, kind) so a bad 1 GB file is one finding, not 10^6."""
    groups: dict[tuple[str, str], list[Problem]] = defaultdict(list)
    singles: list[Problem] = []
    for p in problems:
        if p.evidence.line:
            groups[(p.evidence.path, p.kind)].append(p)
        else:
            singles.append(p)
    for p in singles:
        yield p.evidence.pointer or p.kind, [p]
    for (path, kind), items in sorted(groups.items()):
        yield f"{kind}:{path}", items


def _problem_findings(
    ctx: RuleContext, run: str | None, problems: Sequence[Problem], kinds: set[str]
) -> Iterator[Finding]:
    chosen = [p for p in problems if p.kind in kinds]
    for anchor, items in _grouped(chosen):
        first = items[0]
        if len(items) == 1:
            message = first.message
        else:
            message = (
                f"{first.evidence.path}: {len(items)} bad lines ({first.kind}); "
                f"first at line {first.evidence.line}: {first.message}"
            )
        severity = _severity_for(first)
        yield ctx.finding(
            run,
            message,
            anchor=anchor,
            evidence=[p.evidence for p in items[:MAX_EVIDENCE]],
            measurements={"count": len(items), "kind": first.kind},
            severity=severity,
        )


def _severity_for(problem: Problem) -> Severity | None:
    """Bad lines in a JSONL file lose rows (warning); bad metric values void numbers (error)."""
    if problem.kind in ("malformed", "empty") and problem.evidence.line is not None:
        return Severity.WARNING
    if problem.kind == "empty":
        return Severity.WARNING
    return None


def _all_problems(run: Run, ctx: RuleContext) -> list[Problem]:
    return [*run.problems, *ctx.stream_problems.get(run.name, ())]


class MissingArtifact(Rule):
    """What it detects: an expected or referenced artifact that is absent. A
    `*_path` in final_metrics.json naming a file that is not in the run folder (an
    absolute path from the job machine is looked up by file name), a directory where a
    file should be, or a path that would lead outside the workspace.

    Why it matters: a diagnosis built on a missing hard-case or iteration file silently
    loses its evidence; the rules that need it stay quiet and the run looks healthier
    than it is. A path that escapes the workspace is never followed.

    What the planner does: lists the missing artifact as a process prerequisite of the
    next retrospective (copy the file into the run folder or fix the writer's path);
    it proposes no env change.
    """

    code = "PRV004"
    name = "missing-artifact"
    category = Category.PROVENANCE
    default_severity = Severity.WARNING

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        yield from _problem_findings(
            ctx, run.name, _all_problems(run, ctx), {"missing", "unsafe-path"}
        )

    def check_campaign(self, campaign: Campaign, ctx: RuleContext) -> Iterable[Finding]:
        yield from _problem_findings(ctx, None, campaign.problems, {"missing", "unsafe-path"})


class InconsistentMetrics(Rule):
    """What it detects: artifacts that cannot be trusted as written. Malformed or
    half-written JSONL lines, non-UTF-8 bytes, empty files, values of the wrong type,
    NaN or Infinity, rates outside [0, 1], `json_valid_rate + parse_error_rate` not
    summing to 1, `mae_norm` not equal to `mae_raw / target_scale`, the mean of the
    per-dimension `mae_raw_<dim>` disagreeing with `mae_raw`, and sources that disagree
    about a run's provenance (e.g. target_scale 100 in final metrics, 10 in the job's
    `--env`).

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

    KINDS = {"malformed", "invalid", "inconsistent", "empty"}

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        yield from _problem_findings(ctx, run.name, _all_problems(run, ctx), self.KINDS)
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
        yield from _problem_findings(ctx, None, campaign.problems, self.KINDS)

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
                f"= {expected:.4g}; the scale the metrics were computed on is not the one recorded",
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
                f"({mean:.4g})",
                anchor="mae_dim_mean",
                evidence=[raw.evidence],
                measurements={"mae_raw": raw.value, "dimension_mean": mean},
            )


def _close(a: float, b: float, rel: float) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-9)


@hookimpl
def ftlint_rules() -> list[type[Rule]]:
    return [MissingArtifact, InconsistentMetrics]
