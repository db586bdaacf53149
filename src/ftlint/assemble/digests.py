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
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

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


#: a file's identity as `stat` gives it: (st_dev, st_ino, st_size, st_mtime_ns)
Identity = tuple[int, int, int, int]


def _stat(ws: Workspace, rel: str) -> Identity | None:
    listing = ws.listing
    if listing is not None and listing.plainly_inside(rel):
        # every component listed and no link: `ws.inside` would say so too, without the
        # `Path` it builds (1,000 runs: ~1,000 metrics files, twice at `--jobs`)
        target: str | Path = os.path.join(listing.root, rel)
    else:
        target = ws.root / rel
        if not ws.inside(target):
            return None
    try:
        st = os.stat(target)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def known_digests(ws: Workspace, patterns: Iterable[str]) -> dict[str, tuple[Identity, str]]:
    """sha256 and identity of every file `patterns` match in the discovery listing,
    computed ahead (a child under `--jobs`, `ftlint.sources.hfjobs.records`): a sweep's
    metrics files are all one size, so `identical_artifacts` reads every one of them.
    Patterns the listing does not glob are skipped (their files are read then)."""
    from ftlint.sources.listing import fast_parts

    out: dict[str, tuple[Identity, str]] = {}
    listing = ws.listing
    if listing is None:
        return out
    for pattern in patterns:
        parts = fast_parts(pattern)
        for rel in listing.glob(parts) if parts is not None else ():
            ident = _stat(ws, rel)
            digest = _digest(ws, rel) if ident is not None else None
            if ident is not None and digest is not None and _stat(ws, rel) == ident:
                out[rel] = (ident, digest)
    return out


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
    ws: Workspace,
    runs: Iterable[Run],
    kinds: frozenset[str],
    known: Mapping[str, tuple[Identity, str]],
) -> Iterator[tuple[Artifact, ...]]:
    by_size: dict[tuple[str, int], list[Artifact]] = defaultdict(list)
    seen: dict[str, Identity] = {}
    for run in runs:
        for art in artifacts(run):
            if art.kind in kinds and (ident := _stat(ws, art.path)) and (size := ident[2]):
                seen[art.path] = ident
                by_size[(art.kind, size)].append(Artifact(art.run, art.kind, art.path, size))
    for _, group in sorted(by_size.items()):
        if len({a.run for a in group}) < 2:
            continue
        by_digest: dict[str, list[Artifact]] = defaultdict(list)
        for art in group:
            ahead = known.get(art.path)
            if ahead is not None and ahead[0] == seen[art.path]:
                digest: str | None = ahead[1]  # hashed ahead, and still the same file
            else:
                digest = _digest(ws, art.path)
            if digest is not None:
                by_digest[digest].append(art)
        for _, same in sorted(by_digest.items()):
            if len({a.run for a in same}) >= 2 and len({a.path for a in same}) >= 2:
                yield tuple(same)


def identical_artifacts(
    ws: Workspace, runs: Iterable[Run], known: Mapping[str, tuple[Identity, str]] | None = None
) -> tuple[tuple[Artifact, ...], ...]:
    """Groups of equal files of one kind from different runs: metrics files first, then
    the (larger) row files of the runs whose metrics files matched. `known`: digests
    computed ahead (`known_digests`), used for a file whose identity is unchanged."""
    runs = list(runs)
    known = known or {}
    metric = list(_groups(ws, runs, METRIC_FILES, known))
    involved = {a.run for group in metric for a in group}
    rows = list(_groups(ws, [r for r in runs if r.name in involved], ROW_FILES, known))
    return tuple(metric + rows)
