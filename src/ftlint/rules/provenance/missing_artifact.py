"""PRV004 missing-artifact: An expected or referenced artifact that is absent."""

from __future__ import annotations

from collections.abc import Iterable

from ftlint.model import Campaign, Category, Finding, Run, Severity
from ftlint.rule import Rule, RuleContext
from ftlint.rules.provenance._common import all_problems, problem_findings


class MissingArtifact(Rule):
    """What it detects: an expected or referenced artifact that is absent. A
    `*_path` in final_metrics.json naming a file that is not in the run folder (an
    absolute path from the job machine is looked up by file name), a directory where a
    file should be, a path that would lead outside the workspace, or a file that looks
    like an eval artifact (JSON, JSONL or CSV named like eval results or predictions, or
    holding output and reference fields) that no source adapter read: it is named with
    the `sources.generic` mapping that would read it, never skipped in silence.

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
        yield from problem_findings(
            ctx, run.name, all_problems(run, ctx), {"missing", "unsafe-path"}
        )

    def check_campaign(self, campaign: Campaign, ctx: RuleContext) -> Iterable[Finding]:
        yield from problem_findings(
            ctx, None, campaign.problems, {"missing", "unsafe-path", "unread"}
        )
