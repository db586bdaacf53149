"""OPS001 failed-submission: A job submission that exited non-zero, so the job never started."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from ftlint.model import Campaign, Category, Evidence, Finding, Severity, Submission
from ftlint.rule import Rule, RuleContext

if TYPE_CHECKING:
    from datetime import datetime

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

    A failed submission retried later with success for the same run (same kind and
    mode; for a submission joined to no run, the same run name or model id) is history,
    not an open failure: it is reported as info, "resolved by a retry at ...", citing the
    retry. Later means a later `submitted_at`, or a later line of the same log when the
    times are missing.

    What the planner does: lists the resubmission (with the cited error) as a process
    prerequisite ahead of every tuning action; no metric of that job enters a gate. A
    submission resolved by a retry needs nothing.
    """

    code = "OPS001"
    name = "failed-submission"
    category = Category.OPS
    default_severity = Severity.ERROR

    def check_campaign(self, campaign: Campaign, ctx: RuleContext) -> Iterable[Finding]:
        owned = [(run.name, sub) for run in campaign.runs for sub in run.submissions]
        owned += [(None, sub) for sub in campaign.unjoined]
        for run, sub in owned:
            yield from self._check(sub, run, ctx, owned)

    def _check(
        self,
        sub: Submission,
        run: str | None,
        ctx: RuleContext,
        owned: Sequence[tuple[str | None, Submission]],
    ) -> Iterator[Finding]:
        if sub.exit_code in (None, 0):
            return
        error = first_error_line(sub.stderr_tail, sub.stdout_tail) or "no error output recorded"
        what = f"{sub.kind} submission"
        if sub.mode:
            what += f" (mode {sub.mode})"
        anchor = f"{sub.kind}:{sub.job_id or sub.submitted_at or sub.evidence.line}"
        evidence = [Evidence(sub.evidence.path, sub.evidence.line, "/stderr_tail")]
        measurements = {"exit_code": sub.exit_code, "error": error, "kind": sub.kind}
        retry = retried(sub, run, owned)
        if retry is not None:
            when = retry.submitted_at or f"line {retry.evidence.line}"
            yield ctx.finding(
                run,
                f"{what} exited {sub.exit_code} ({error}); resolved by a retry at {when} "
                f"({retry.evidence.location()}) that succeeded",
                anchor=anchor,
                evidence=[*evidence, retry.evidence],
                measurements={**measurements, "resolved_by": retry.evidence.location()},
                severity=Severity.INFO,
            )
            return
        yield ctx.finding(
            run,
            f"{what} exited {sub.exit_code}; the job never started: {error}",
            anchor=anchor,
            evidence=evidence,
            measurements=measurements,
        )


def _identity(sub: Submission, run: str | None) -> tuple[str, ...] | None:
    """What makes two submissions attempts at the same job: the run they belong to (or,
    unjoined, a run name or model id they state), their kind and mode."""
    owner = run or sub.run_name or sub.output_model_id or sub.adapter_model_id
    if not owner:
        return None
    return (owner, sub.kind, sub.mode or "")


def _time(sub: Submission) -> datetime | None:
    if not sub.submitted_at:
        return None
    from datetime import datetime  # (only for a submission with a time: ~1 ms to import)

    try:
        stamp = datetime.fromisoformat(sub.submitted_at.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else None


def _later(a: Submission, b: Submission) -> bool:
    """`b` was submitted after `a`: by time when both have one, else by line in one log."""
    ta, tb = _time(a), _time(b)
    if ta is not None and tb is not None and ta != tb:
        return tb > ta
    same_log = a.evidence.path == b.evidence.path
    return same_log and (b.evidence.line or 0) > (a.evidence.line or 0)


def retried(
    sub: Submission, run: str | None, owned: Sequence[tuple[str | None, Submission]]
) -> Submission | None:
    """The first later submission of the same job that exited 0, if any."""
    key = _identity(sub, run)
    if key is None:
        return None
    found = [
        other
        for owner, other in owned
        if other is not sub
        and other.exit_code == 0
        and _identity(other, owner) == key
        and _later(sub, other)
    ]
    if not found:
        return None
    first = found[0]
    for other in found[1:]:
        if _later(other, first):
            first = other
    return first
