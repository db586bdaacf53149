"""OPS002 orphan-run: Job records and outputs that do not match up."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ftlint.model import Campaign, Category, Evidence, Finding, Run, Severity
from ftlint.rule import Rule, RuleContext


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
