"""PRV011 duplicate-run: The same artifacts, byte for byte, under two run names."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from ftlint.assemble.digests import METRIC_FILES, Artifact
from ftlint.model import Action, Campaign, Category, Evidence, Finding, Run, Severity
from ftlint.rule import Param, Rule, RuleContext


def _pair_up(
    same: list[Artifact],
    order: Mapping[str, int],
    pairs: dict[tuple[str, str], list[tuple[Artifact, Artifact]]],
) -> None:
    """Each later run's copy paired with the first (original) run's file."""
    same.sort(key=lambda a: (order[a.run], a.path))
    first = same[0]
    for other in same[1:]:
        if other.run != first.run:
            pairs[(first.run, other.run)].append((first, other))


class DuplicateRun(Rule):
    """What it detects: two run names whose metrics files are byte-identical. The final
    metrics file, the eval result or the W&B summary of one is the same file, byte for
    byte, as the other's (at another path); identical hard cases and eval rows files are
    listed with it (alone they are not reported: one model evaluated twice greedily
    writes the same rows). Files smaller than `min_bytes` (an empty summary) are not
    compared; only files of equal kind and size are hashed (sha256). The run reported
    is the later one (the baseline is never the copy); it names the run it duplicates.

    Why it matters: a copy says nothing about the run it is named after. A candidate
    whose artifacts are a copy of the baseline's "matches the baseline" by construction,
    so a promotion gate on the pair would pass on no evidence; two sweep points with
    identical files mean one of them was never measured (a copy step overwrote its
    outputs, or the eval read the wrong adapter).

    What the planner does: a tier-1 process action: find which run the files really
    belong to, re-run the eval of the other, and keep the copy out of comparisons; the
    gate of a pair linked by this finding is INCONCLUSIVE.
    """

    code = "PRV011"
    name = "duplicate-run"
    category = Category.PROVENANCE
    default_severity = Severity.WARNING
    params = {
        "min_bytes": Param(64, "smallest file compared (bytes)", minimum=1),
    }

    def check_campaign(self, campaign: Campaign, ctx: RuleContext) -> Iterable[Finding]:
        runs = sorted(
            campaign.runs,
            key=lambda r: (r.name != campaign.baseline, r.timestamp or "", r.name),
        )
        order = {r.name: i for i, r in enumerate(runs)}
        least = ctx.params["min_bytes"]
        pairs: dict[tuple[str, str], list[tuple[Artifact, Artifact]]] = defaultdict(list)
        rows: dict[tuple[str, str], list[tuple[Artifact, Artifact]]] = defaultdict(list)
        # the assembler found the equal files (rules never read files); metrics files
        # make a copy, equal row files are listed with it
        for same in campaign.copies:
            if same[0].size >= least and all(a.run in order for a in same):
                target = pairs if same[0].kind in METRIC_FILES else rows
                _pair_up(list(same), order, target)
        by_name = {r.name: r for r in runs}
        for (original, copy), matches in sorted(pairs.items()):
            matches = matches + rows.get((original, copy), [])
            yield self._finding(by_name[copy], original, matches, ctx)

    @staticmethod
    def _finding(
        run: Run,
        original: str,
        matches: list[tuple[Artifact, Artifact]],
        ctx: RuleContext,
    ) -> Finding:
        kinds = list(dict.fromkeys(b.kind for _, b in matches))
        first_a, first_b = matches[0]
        shown = ", ".join(f"{b.path} = {a.path}" for a, b in matches[:3])
        more = f" (+{len(matches) - 3} more)" if len(matches) > 3 else ""
        evidence = [Evidence(first_b.path), Evidence(first_a.path)]
        measurements: Mapping[str, object] = {
            "copy_of": original,
            "artifacts": kinds,
            "files": [[b.path, a.path] for a, b in matches],
        }
        return ctx.finding(
            run,
            f"the {' and '.join(kinds)} of run {run.name} are byte-identical to run "
            f"{original}'s ({shown}{more}): the same artifacts under two run names",
            anchor=f"copy-of:{original}",
            evidence=evidence,
            measurements=measurements,
            actions=[
                Action(
                    tier=1,
                    kind="process",
                    text=f"find out whether the files of {run.name} belong to {original}; "
                    f"re-run the eval of {run.name} and keep the copy out of comparisons",
                    why="a copy of another run's artifacts is no evidence about this run",
                    expected="distinct artifacts for each run name",
                )
            ],
        )
