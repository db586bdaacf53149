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
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ftlint.assemble.records import runs_from_records, sources_by_name
from ftlint.model import Evidence, Problem, Run
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


def read_sources(
    ws: Workspace,
    config: Any,
    sources: Sequence[Any],
    taken: Iterable[str],
    already_read: Iterable[str] = (),
) -> tuple[list[Run], list[Problem], list[Unread]]:
    """(runs, problems, unread files) from every adapter in `sources`."""
    records: list[RunRecord] = []
    problems: list[Problem] = []
    for name, source in sorted(sources_by_name(sources).items()):
        try:
            records.extend(source.discover(ws, config))
        except Exception as exc:  # an adapter bug must not abort the whole lint
            problems.append(
                Problem(
                    "malformed",
                    f"source adapter {name!r} crashed: {type(exc).__name__}: {exc}; "
                    "its runs were not read",
                    Evidence("."),
                )
            )
    aliases = getattr(config, "metric_aliases", None)
    runs, more = runs_from_records(records, set(taken), aliases, ws.root)
    problems += more
    read: set[str] = set(already_read)
    for record in records:
        read.update(record.files)
        read.update(r.path for r in record.rows)
    hint = None
    if "generic" in sources_by_name(sources):
        from ftlint.sources.generic import unmapped_hint

        def hint(path: Path, ws: Workspace) -> str | None:
            return unmapped_hint(path, ws)

    return runs, problems, unread_files(ws, read, hint)


def unread_files(
    ws: Workspace, read: set[str], hint: Any = None, *, limit: int = MAX_WALK
) -> list[Unread]:
    """Artifact-looking files under the workspace that nobody read, with the reason."""
    out: list[Unread] = []
    seen = 0
    for folder, dirs, files in os.walk(ws.root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for fname in sorted(files):
            seen += 1
            if seen > limit:
                return out
            if not fname.endswith(ARTIFACT_SUFFIXES):
                continue
            path = Path(folder) / fname
            rel = ws.rel(path)
            if rel in read or not ws.inside(path) or not path.is_file():
                continue
            mapping = hint(path, ws) if hint is not None else None
            if mapping:
                out.append(Unread(rel, f"looks like eval rows; to read it: {mapping}"))
            elif LOOKS_LIKE_EVAL.search(fname):
                out.append(Unread(rel, "no adapter recognises its shape"))
    return out
