"""Choose the baseline and candidate runs of a campaign, and say why."""

from __future__ import annotations

from dataclasses import replace

from ftlint.errors import FtlintError
from ftlint.model import Campaign, Run


def _resolve(campaign: Campaign, ref: str, role: str) -> Run:
    """A run by name, by folder path (`outputs/<run>`), or by W&B id."""
    cleaned = ref.rstrip("/").rsplit("/", 1)[-1]
    for run in campaign.runs:
        if ref in (run.name, run.wandb_id) or cleaned == run.name:
            return run
    known = ", ".join(r.name for r in campaign.runs) or "(none discovered)"
    raise FtlintError(f"--{role} {ref!r} is not a run of this workspace; known runs: {known}")


def select_pair(
    campaign: Campaign, baseline: str | None, candidate: str | None, *, config_baseline: str | None
) -> Campaign:
    """Return the campaign with `baseline`/`candidate` set and a note saying how.

    Precedence: the command line, then rules.yaml `baseline:`/`candidate:`. With no
    candidate given, the newest training run (by submission or eval timestamp, then
    name) other than the baseline is the candidate.
    """
    notes = []
    base_ref = baseline or config_baseline
    base = _resolve(campaign, base_ref, "baseline") if base_ref else None
    if base is not None:
        source = "--baseline" if baseline else "rules.yaml baseline:"
        notes.append(f"baseline {base.name} ({source})")
    cand = _resolve(campaign, candidate, "candidate") if candidate else None
    if cand is not None:
        notes.append(f"candidate {cand.name} (--candidate)")
    elif base is not None:
        others = [r for r in campaign.runs if r is not base and r.kind == "train"]
        others = others or [r for r in campaign.runs if r is not base]
        if others:
            cand = max(others, key=lambda r: (r.timestamp or "", r.name))
            notes.append(f"candidate {cand.name} (newest run; pass --candidate to choose)")
    if base is not None and cand is base:
        raise FtlintError(f"baseline and candidate are the same run {base.name!r}")
    return replace(
        campaign,
        baseline=base.name if base else None,
        candidate=cand.name if cand else None,
        selection_note=_note(notes, base is not None),
    )


def _note(notes: list[str], have_baseline: bool) -> str:
    if not have_baseline:
        return "No baseline chosen (pass --baseline or set baseline: in rules.yaml): pair rules skipped."
    return "Compared " + "; ".join(notes) + "."
