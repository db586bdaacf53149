"""Byte-identical artifacts under two run names, found once at assembly.

Rules never read files: the assembler compares each run's key artifacts (final
metrics, eval result, W&B summary, hard cases, eval rows) and hands the groups of equal
files to the rules (PRV011) and the gates on `Campaign.copies`. Cheap first: every file
is only stat'ed; sha256 is computed for files of equal kind and size from different
runs, and the row files only of runs whose metrics files already match.
"""

from __future__ import annotations

import os
import stat
from collections import defaultdict
from collections.abc import Iterable, Iterator

from ftlint import frozen
from ftlint.model import Run
from ftlint.sources.io import Workspace

#: the key artifacts of a run, as named in messages
FINAL, HARD, ROWS, SUMMARY, RESULT = (
    "final metrics",
    "hard cases",
    "eval rows",
    "W&B summary",
    "eval result",
)
#: the files that carry a run's numbers: a copy of one of them is a copied run (equal
#: eval rows alone are reported with them, never on their own)
METRIC_FILES = frozenset({FINAL, SUMMARY, RESULT})
ROW_FILES = frozenset({HARD, ROWS})
_CHUNK = 1 << 20


@frozen
class Artifact:
    run: str
    kind: str
    path: str
    size: int = 0


def artifacts(run: Run) -> list[Artifact]:
    """The run's key artifacts (workspace-relative), once each."""
    found: list[tuple[str, str | None]] = [
        (FINAL, run.final_metrics_path),
        (RESULT, run.eval_result_path),
        (HARD, run.hard_cases_path),
        *((ROWS, getattr(rf, "path", None)) for rf in run.row_files),
        (SUMMARY, run.wandb_summary_path),
    ]
    seen: set[str] = set()
    out = []
    for kind, path in found:
        if isinstance(path, str) and path and path not in seen:
            seen.add(path)
            out.append(Artifact(run.name, kind, path))
    return out


def _size(ws: Workspace, rel: str) -> int | None:
    path = ws.root / rel
    if not ws.inside(path):
        return None
    try:
        return path.stat().st_size
    except OSError:
        return None


def _digest(ws: Workspace, rel: str) -> str | None:
    """sha256 of a regular file inside the workspace, streamed; None when unreadable.

    What `open_regular` checks (inside, opened non-blocking, a regular file by fstat of
    the same descriptor), without its file object: a sweep's metrics files are all one
    size, so every one of them is read here (1,000 runs: ~1,000 files)."""
    path = ws.root / rel
    if not ws.inside(path):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    from ftlint import sha256  # CPython's own: hashlib would load OpenSSL (~7 ms)

    try:
        if ws.listing is not None and not ws.opened_inside(fd, path):
            return None  # a folder became a link since discovery listed it
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        digest = sha256()
        while chunk := os.read(fd, _CHUNK):
            digest.update(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)
    return digest.hexdigest()


def _groups(
    ws: Workspace, runs: Iterable[Run], kinds: frozenset[str]
) -> Iterator[tuple[Artifact, ...]]:
    by_size: dict[tuple[str, int], list[Artifact]] = defaultdict(list)
    for run in runs:
        for art in artifacts(run):
            if art.kind in kinds and (size := _size(ws, art.path)):
                by_size[(art.kind, size)].append(Artifact(art.run, art.kind, art.path, size))
    for _, group in sorted(by_size.items()):
        if len({a.run for a in group}) < 2:
            continue
        by_digest: dict[str, list[Artifact]] = defaultdict(list)
        for art in group:
            digest = _digest(ws, art.path)
            if digest is not None:
                by_digest[digest].append(art)
        for _, same in sorted(by_digest.items()):
            if len({a.run for a in same}) >= 2 and len({a.path for a in same}) >= 2:
                yield tuple(same)


def identical_artifacts(ws: Workspace, runs: Iterable[Run]) -> tuple[tuple[Artifact, ...], ...]:
    """Groups of equal files of one kind from different runs: metrics files first, then
    the (larger) row files of the runs whose metrics files matched."""
    runs = list(runs)
    metric = list(_groups(ws, runs, METRIC_FILES))
    involved = {a.run for group in metric for a in group}
    rows = list(_groups(ws, [r for r in runs if r.name in involved], ROW_FILES))
    return tuple(metric + rows)
