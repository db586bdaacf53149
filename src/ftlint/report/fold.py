"""The reading order of findings and the folding of identical ones (text output).

A person reads the top of the output: so the candidate comes first, then the baseline,
then the other runs (by name), then campaign-wide findings; within a run errors before
warnings before info, then by rule code. A finding that is identical in many runs (same
rule, severity and message, e.g. the same provenance warning in every run of a sweep)
is one line with a count and the runs it appeared in; `--no-fold` expands it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from ftlint import frozen
from ftlint.model import Campaign, Finding

SEVERITIES = ("error", "warning", "info")


@frozen
class Line:
    """One output line: a finding, and every finding folded into it (itself included)."""

    finding: Finding
    members: tuple[Finding, ...]

    @property
    def runs(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for f in self.members:
            seen.setdefault(f.run or "(campaign)", None)
        return tuple(seen)

    @property
    def folded(self) -> bool:
        return len(self.runs) > 1


@frozen
class Section:
    """The lines shown under one run's header (run None: the campaign)."""

    run: str | None
    role: str  # "candidate" | "baseline" | ""
    lines: tuple[Line, ...]
    counts: tuple[tuple[str, int], ...]  # the run's own active findings by severity


def run_rank(campaign: Campaign) -> dict[str | None, tuple[int, str]]:
    """Sort key per run name: candidate, baseline, other runs by name, campaign last."""
    rank: dict[str | None, tuple[int, str]] = {}
    for run in campaign.runs:
        rank[run.name] = (2, run.name)
    if campaign.baseline is not None:
        rank[campaign.baseline] = (1, campaign.baseline)
    if campaign.candidate is not None:
        rank[campaign.candidate] = (0, campaign.candidate)
    rank[None] = (3, "")
    return rank


def reading_key(rank: dict[str | None, tuple[int, str]]):
    def key(f: Finding) -> tuple:
        return (rank.get(f.run, (2, f.run or "")), f.suppressed, *f.sort_key()[1:])

    return key


def ordered(findings: Sequence[Finding], campaign: Campaign) -> list[Finding]:
    """Findings in reading order (candidate first, errors first, then by code)."""
    return sorted(findings, key=reading_key(run_rank(campaign)))


def _fold_key(f: Finding) -> tuple:
    return (f.rule, f.severity.value, f.suppressed, f.message)


def sections(
    findings: Sequence[Finding], campaign: Campaign, *, fold: bool = True
) -> list[Section]:
    """Group the findings into per-run sections, folding identical findings across runs.

    Linear in the findings (a sweep of 10,000 runs has tens of thousands): counts and
    each group's runs are gathered in one pass, not per run or per member.
    """
    items = ordered(findings, campaign)
    groups: dict[tuple, list[Finding]] = defaultdict(list)
    own: dict[str | None, Counter[str]] = defaultdict(Counter)
    for f in items:
        groups[_fold_key(f)].append(f)
        if not f.suppressed:
            own[f.run][f.severity.value] += 1
    several = {key for key, members in groups.items() if len({m.run for m in members}) > 1}
    lines_by_run: dict[str | None, list[Line]] = defaultdict(list)
    emitted: set[tuple] = set()
    for f in items:
        key = _fold_key(f)
        if fold and key in several:
            if key in emitted:
                continue
            emitted.add(key)
            lines_by_run[f.run].append(Line(f, tuple(groups[key])))
        else:
            lines_by_run[f.run].append(Line(f, (f,)))
    rank = run_rank(campaign)
    out = []
    for run in sorted(lines_by_run, key=lambda r: rank.get(r, (2, r or ""))):
        counted = own.get(run, Counter())
        role = (
            "candidate"
            if run is not None and run == campaign.candidate
            else "baseline"
            if run is not None and run == campaign.baseline
            else ""
        )
        counts = tuple((s, counted[s]) for s in SEVERITIES if counted.get(s))
        out.append(Section(run, role, tuple(lines_by_run[run]), counts))
    return out


@frozen
class RuleStat:
    code: str
    name: str
    count: int
    by_severity: tuple[tuple[str, int], ...]
    runs: int


def statistics(findings: Sequence[Finding]) -> list[RuleStat]:
    """Counts per rule (active findings), most frequent first, like `ruff --statistics`."""
    by_code: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        if not f.suppressed:
            by_code[f.rule].append(f)
    stats = []
    for code, items in by_code.items():
        sev = Counter(f.severity.value for f in items)
        stats.append(
            RuleStat(
                code,
                items[0].name,
                len(items),
                tuple((s, sev[s]) for s in SEVERITIES if sev.get(s)),
                len({f.run for f in items}),
            )
        )
    return sorted(stats, key=lambda s: (-s.count, s.code))
