"""Ops rules: did the jobs run, leave their outputs, and stay in budget? (OPS001-OPS003)"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ftlint.hookspecs import hookimpl
from ftlint.model import Campaign, Category, Evidence, Finding, Run, Severity, Submission
from ftlint.rule import Param, Rule, RuleContext

_ERROR_LINE = re.compile(
    r"^\s*(?:[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)\b.*|(?:error|fatal|ERROR|FATAL)\b[:\s].*)$"
)


def first_error_line(stderr: str, stdout: str = "") -> str | None:
    """The first line that names an error (`ValueError: ...`, `error: ...`), else the
    last non-blank line of stderr. Traceback frame lines are skipped."""
    for text in (stderr, stdout):
        for line in text.splitlines():
            if _ERROR_LINE.match(line):
                return line.strip()
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    return lines[-1] if lines else None


class FailedSubmission(Rule):
    """What it detects: a job submission that exited non-zero, so the job never
    started. Applies to training and eval records; the message cites the first
    error line of `stderr_tail` (or `stdout_tail`).

    Why it matters: a failed eval submission means the metrics a team is about to
    compare were never produced for that adapter or mode; a failed training submission
    leaves an output folder from an earlier attempt that can be mistaken for this one.

    What the planner does: lists the resubmission (with the cited error) as a process
    prerequisite ahead of every tuning action; no metric of that job enters a gate.
    """

    code = "OPS001"
    name = "failed-submission"
    category = Category.OPS
    default_severity = Severity.ERROR

    def check_campaign(self, campaign: Campaign, ctx: RuleContext) -> Iterable[Finding]:
        for run in campaign.runs:
            for sub in run.submissions:
                yield from self._check(sub, run.name, ctx)
        for sub in campaign.unjoined:
            yield from self._check(sub, None, ctx)

    def _check(self, sub: Submission, run: str | None, ctx: RuleContext) -> Iterator[Finding]:
        if sub.exit_code in (None, 0):
            return
        error = first_error_line(sub.stderr_tail, sub.stdout_tail) or "no error output recorded"
        what = f"{sub.kind} submission"
        if sub.mode:
            what += f" (mode {sub.mode})"
        yield ctx.finding(
            run,
            f"{what} exited {sub.exit_code}; the job never started: {error}",
            anchor=f"{sub.kind}:{sub.job_id or sub.submitted_at or sub.evidence.line}",
            evidence=[Evidence(sub.evidence.path, sub.evidence.line, "/stderr_tail")],
            measurements={"exit_code": sub.exit_code, "error": error, "kind": sub.kind},
        )


class OrphanRun(Rule):
    """What it detects: job records and outputs that do not match up. A training
    submission that exited 0 whose run has neither `final_metrics.json` nor an
    iteration series, or a run folder with `final_metrics.json` that no training job
    record names (checked only when the workspace keeps training job records at all).
    A run with a series but no final metrics is an unfinished run (PRV006), not an
    orphan.

    Why it matters: a submission without outputs is a job whose results were never
    copied back (or that died before writing anything); outputs without a submission
    have no recorded configuration, so nobody can say which learning rate, dataset or
    token budget produced them, and the planner cannot show current env values.

    What the planner does: lists fetching the missing outputs, or filing the missing
    job record, as a process prerequisite; the run's numbers stay out of the gates
    until its provenance is complete.
    """

    code = "OPS002"
    name = "orphan-run"
    category = Category.OPS
    default_severity = Severity.WARNING

    def check_campaign(self, campaign: Campaign, ctx: RuleContext) -> Iterable[Finding]:
        keeps_records = any(s.kind == "train" for r in campaign.runs for s in r.submissions)
        for run in campaign.runs:
            yield from self._no_outputs(run, ctx)
            if keeps_records:
                yield from self._no_submission(run, ctx)

    @staticmethod
    def _no_outputs(run: Run, ctx: RuleContext) -> Iterator[Finding]:
        if run.final_metrics_path or run.series_path or run.series:
            return
        ok = [s for s in run.submissions if s.kind == "train" and s.exit_code == 0]
        if not ok:
            return
        sub = max(ok, key=lambda s: (s.submitted_at or "", s.evidence.line or 0))
        job = f" (job {sub.job_id})" if sub.job_id else ""
        yield ctx.finding(
            run,
            f"training submission of {run.name}{job} exited 0 but the workspace has no "
            f"outputs for it (no final_metrics.json, no iteration series)",
            anchor="no-outputs",
            evidence=[sub.evidence],
            measurements={"job_id": sub.job_id, "submissions": len(ok)},
        )

    @staticmethod
    def _no_submission(run: Run, ctx: RuleContext) -> Iterator[Finding]:
        if not run.final_metrics_path or any(s.kind == "train" for s in run.submissions):
            return
        yield ctx.finding(
            run,
            f"run {run.name} has final metrics but no training job record: its "
            "configuration (env, dataset, learning rate) is unknown",
            anchor="no-submission",
            evidence=[Evidence(run.final_metrics_path)],
        )


def _budget_param(description: str) -> Param:
    return Param(None, description, type="number", nullable=True, minimum=0)


class LatencyBudget(Rule):
    """What it detects: p95 latency or cost per request above a configured budget. The
    p95 is `p95_inference_latency_ms`, the cost per request `cost_per_100_requests_usd`
    / 100, read from eval results or final metrics. Off unless a budget is set in
    rules.yaml.

    Why it matters: an adapter that wins on quality but misses the serving latency or
    cost budget cannot be promoted; catching it in the eval is cheaper than in
    production.

    What the planner does: lists the over-budget metric next to the promotion gates
    (a candidate over budget is not promoted); it proposes no tuning change itself.
    """

    code = "OPS003"
    name = "latency-budget"
    category = Category.OPS
    default_severity = Severity.WARNING
    opt_in = True
    params = {
        "max_p95_latency_ms": _budget_param("p95 inference latency budget in ms (null: off)"),
        "max_cost_per_request_usd": _budget_param("cost budget per request in USD (null: off)"),
    }

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        budget = ctx.params["max_p95_latency_ms"]
        p95 = run.metrics.get("p95_inference_latency_ms")
        if budget is not None and p95 is not None and p95.value > budget:
            yield ctx.finding(
                run,
                f"p95 inference latency {p95.value:g} ms is above the {budget:g} ms budget "
                f"({p95.value / budget - 1:.0%} over)",
                anchor="p95_inference_latency_ms",
                evidence=[p95.evidence],
                measurements={"p95_inference_latency_ms": p95.value, "budget": budget},
            )
        budget = ctx.params["max_cost_per_request_usd"]
        cost = run.metrics.get("cost_per_100_requests_usd")
        if budget is not None and cost is not None and cost.value / 100 > budget:
            per_request = cost.value / 100
            yield ctx.finding(
                run,
                f"cost per request ${per_request:.6g} (cost_per_100_requests_usd "
                f"{cost.value:g} / 100) is above the ${budget:g} budget",
                anchor="cost_per_request",
                evidence=[cost.evidence],
                measurements={"cost_per_request_usd": per_request, "budget": budget},
            )


@hookimpl
def ftlint_rules() -> list[type[Rule]]:
    return [FailedSubmission, OrphanRun, LatencyBudget]
