"""Findings that concern the files a commit changed (the pre-commit hook).

pre-commit passes the staged file names; a commit that touches one run must not
re-print the whole workspace. A finding concerns a changed file when one of its
evidence paths is that file, or when its run read that file (`Run.sources`): so pair
findings (run = the candidate, evidence in both runs) and campaign findings come along
whenever they point into a changed run. A changed file no run read (rules.yaml, a new
file no adapter recognises) can change any finding, so then everything is reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from ftlint.model import Campaign, Finding


def workspace_relative(files: Iterable[str | Path], workspace: Path) -> set[str]:
    """The given paths (relative to the cwd, as pre-commit passes them) relative to the
    workspace, POSIX; paths outside the workspace are dropped."""
    root = workspace.resolve()
    out: set[str] = set()
    for name in files:
        try:
            out.add(Path(name).resolve().relative_to(root).as_posix())
        except (ValueError, OSError):
            continue
    return out


def touched_runs(campaign: Campaign, changed: set[str]) -> set[str]:
    return {run.name for run in campaign.runs if changed.intersection(run.sources)}


def concerns_everything(campaign: Campaign, changed: set[str]) -> bool:
    """A changed file no run read (config, an unrecognised artifact): lint everything."""
    read = {s for run in campaign.runs for s in run.sources}
    return any(path not in read for path in changed)


def filter_changed(
    findings: Sequence[Finding], campaign: Campaign, changed: set[str]
) -> list[Finding]:
    """The findings that involve the changed files (all of them when the config changed)."""
    if concerns_everything(campaign, changed):
        return list(findings)
    runs = touched_runs(campaign, changed)
    return [
        f
        for f in findings
        if (f.run is not None and f.run in runs) or any(e.path in changed for e in f.evidence)
    ]
