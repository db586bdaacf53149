"""Run every source adapter over the workspace and list what none of them read.

An adapter that raises is a bug in that adapter (often a team's plugin): it becomes one
problem naming the adapter, and every other adapter still runs. Files that look like
eval artifacts (JSON, JSONL or CSV whose name says eval, result, prediction, metric,
score or sample, or whose rows have output and reference fields) but that no adapter
read are returned as `Unread` with the reason, so PRV004 can name them instead of
saying "no eval artifacts found".
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import field
from pathlib import Path
from typing import Any

from ftlint import mutable
from ftlint.assemble.joins import claim_wandb_runs
from ftlint.assemble.records import runs_from_records, sources_by_name
from ftlint.model import Evidence, Problem, Run, Submission
from ftlint.sources.base import RunRecord, Unread
from ftlint.sources.io import Workspace

#: folders never searched for unread artifacts (tool state, environments, VCS)
SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".cache", ".tox"}
)
#: file names that look like eval artifacts
LOOKS_LIKE_EVAL = re.compile(r"eval|result|predict|metric|score|sample|generat", re.I)
ARTIFACT_SUFFIXES = (".json", ".jsonl", ".csv")
#: the walk for unread files stops after this many entries (a huge tree stays fast)
MAX_WALK = 20_000


@mutable
class Read:
    """What the adapters of one workspace yielded, assembled."""

    runs: list[Run] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: job records that joined no run (OPS003)
    unjoined: list[Submission] = field(default_factory=list)
    unread: list[Unread] = field(default_factory=list)


def begin_discovery(ws: Workspace, config: Any, sources: Sequence[Any]) -> list[Any]:
    """Let adapters start work that depends only on files before any adapter runs
    (`hfjobs`: its job records, parsed in a child under `--jobs`): each adapter with a
    `begin_discovery(ws, config)` method is called in name order; what they return
    (objects with `close()`) is closed by the caller after `read_sources`, whether its
    adapter used it or not. An adapter whose `begin_discovery` raises is left alone
    here: its `discover` reports its own failures."""
    begun = []
    for _, source in sorted(sources_by_name(sources).items()):
        begin = getattr(source, "begin_discovery", None)
        if begin is None:
            continue
        try:
            handle = begin(ws, config)
        except Exception:
            continue
        if handle is not None:
            begun.append(handle)
    return begun


def read_sources(ws: Workspace, config: Any, sources: Sequence[Any]) -> Read:
    """Run every adapter in `sources` (in name order) and assemble what they yield.

    An adapter yields `RunRecord`s (made into runs here, through the vocabulary) or, for
    a layout whose files only make a run together (`hfjobs`), finished `Run`s, plus
    workspace-level `Problem`s and unjoined job records (`Submission`s). A run name
    yielded twice keeps the first (adapters in name order) and the second is reported.
    """
    records: list[RunRecord] = []
    out = Read()
    names: set[str] = set()
    for name, source in sorted(sources_by_name(sources).items()):
        try:
            items = list(source.discover(ws, config))
        except Exception as exc:  # an adapter bug must not abort the whole lint
            out.problems.append(
                Problem(
                    "malformed",
                    f"source adapter {name!r} crashed: {type(exc).__name__}: {exc}; "
                    "its runs were not read",
                    Evidence("."),
                )
            )
            continue
        for item in items:
            if isinstance(item, RunRecord):
                records.append(item)
            elif isinstance(item, Run):
                _add_run(out, names, name, item)
            elif isinstance(item, Problem):
                out.problems.append(item)
            elif isinstance(item, Submission):
                out.unjoined.append(item)
            else:
                out.problems.append(
                    Problem(
                        "malformed",
                        f"source adapter {name!r} yielded a {type(item).__name__}, not a "
                        "RunRecord, Run, Problem or Submission; ignored",
                        Evidence("."),
                    )
                )
    aliases = getattr(config, "metric_aliases", None)
    claimed, ambiguous = claim_wandb_runs(out.runs, records)  # a training folder + W&B run
    out.problems += ambiguous
    for w in claimed.values():
        out.runs.remove(w)
        names.discard(w.name)
    runs, more = runs_from_records(records, set(names), aliases, ws.root, claimed)
    out.runs += runs
    out.runs.sort(key=lambda r: r.name)
    out.problems += more
    read = {src for run in out.runs for src in run.sources}
    read |= {rf.path for run in out.runs for rf in run.row_files}  # W&B prediction tables
    read |= {p.evidence.path for p in out.problems}
    read |= {s.evidence.path for s in out.unjoined}
    for record in records:
        read.update(record.files)
        read.update(r.path for r in record.rows)
    hint = None
    if "generic" in sources_by_name(sources):

        def hint(path: Path, ws: Workspace) -> str | None:
            from ftlint.sources.generic import unmapped_hint  # when a file is left unread

            return unmapped_hint(path, ws)

    out.unread = unread_files(ws, read, hint)
    return out


def _add_run(out: Read, names: set[str], adapter: str, run: Run) -> None:
    if run.name in names:
        out.problems.append(
            Problem(
                "inconsistent",
                f"source adapter {adapter!r} returned a second run named {run.name!r}; ignored",
                Evidence(run.sources[0] if run.sources else "."),
                run.name,
            )
        )
        return
    names.add(run.name)
    out.runs.append(run)


def unread_files(
    ws: Workspace, read: set[str], hint: Any = None, *, limit: int = MAX_WALK
) -> list[Unread]:
    """Artifact-looking files under the workspace that nobody read, with the reason."""
    out: list[Unread] = []
    seen = 0
    listing = ws.listing  # discovery's shared listing: the folders are listed already
    root = str(ws.root)
    prefix = root.rstrip("/") + "/"
    walk = listing.walk(root) if listing is not None else os.walk(ws.root)
    for folder, dirs, files in walk:
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        # the workspace-relative folder once, not a Path and `ws.rel` per file: both
        # walks join listed names onto `root`, so the folder is the root and a suffix
        if folder == root:
            base = ""
        elif folder.startswith(prefix):
            base = folder[len(prefix) :] + "/"
        else:
            base = ws.rel(Path(folder)) + "/"
        for fname in sorted(files):
            seen += 1
            if seen > limit:
                return out
            if not fname.endswith(ARTIFACT_SUFFIXES):
                continue
            rel = base + fname
            if rel in read:
                continue
            path = Path(folder) / fname
            if not ws.inside(path) or not path.is_file():
                continue
            mapping = hint(path, ws) if hint is not None else None
            if mapping:
                out.append(Unread(rel, f"looks like eval rows; to read it: {mapping}"))
            elif LOOKS_LIKE_EVAL.search(fname):
                out.append(Unread(rel, "no adapter recognises its shape"))
    return out
