"""OPS001 failed-submission: A job submission that exited non-zero, so the job never started."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ftlint.model import Campaign, Category, Evidence, Finding, Severity, Submission
from ftlint.rule import Rule, RuleContext

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
