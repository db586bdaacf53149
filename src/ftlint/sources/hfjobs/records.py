"""The job records of the HF Jobs layout, parsed in a forked child while the layout's
other files are globbed (`ftlint.assemble.background`, under `--jobs`).

Parsing 1,000 records (JSON, `--env` pairs, redaction) is ~70 ms of discovery that
depends on nothing but the record files. `early` peeks at the record files through the
shared listing (no probe, so no problem is recorded out of order) and, when they hold at
least `EARLY_MIN_BYTES`, forks the parse; `items` takes the child's result only when the
layout's own glob, at its usual place, found the same files, and otherwise parses them
here: the items are the ones a single process reads, in the same order. With the
core still to itself, the child then hashes the final-metrics files, which the
copied-artifact check reads all of (`ftlint.assemble.digests.known_digests`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ftlint.assemble.background import Background, may_fork
from ftlint.assemble.digests import known_digests
from ftlint.model import Problem, Submission
from ftlint.sources.io import Workspace
from ftlint.sources.jobs import load_job_records
from ftlint.sources.listing import fast_parts

#: record files smaller than this (together) are parsed here: ~200 records take ~15 ms,
#: about what a fork and the pickled result cost
EARLY_MIN_BYTES = 256 * 1024

Items = list[Submission | Problem]


def parse(ws: Workspace, paths: list[Path], max_line_bytes: int) -> Items:
    """Every record file's submissions and problems, file after file."""
    items: Items = []
    for path in paths:
        items.extend(load_job_records(ws, path, max_line_bytes=max_line_bytes))
    return items


class Early:
    """The record files as peeked at, and their items being parsed in a child; then
    the final-metrics files hashed there (`known_digests`)."""

    def __init__(self, paths: list[Path], background: Background[Items]) -> None:
        self.paths, self.background = paths, background

    def known_digests(self) -> dict[str, Any]:
        """The child's digests of the final-metrics files (`ftlint.assemble.digests.
        known_digests`), or {} (the copied-artifact check then reads them itself)."""
        found = self.background.then_result()
        return found if isinstance(found, dict) else {}

    def close(self) -> None:
        self.background.close()


def early(ws: Workspace, config: Any) -> Early | None:
    """Start parsing the record files in a child, or None (not allowed, no listing, a
    pattern the listing does not glob, or too little to pay for the fork)."""
    listing = ws.listing
    if listing is None or not may_fork():
        return None
    rels: set[str] = set()
    for pattern in config.inputs.get("job_records", ()):
        parts = fast_parts(pattern)
        if parts is None:
            return None
        rels.update(rel or "." for rel in listing.glob(parts))
    paths = [ws.root / rel for rel in sorted(rels)]
    size = 0
    for path in paths:
        try:
            size += os.stat(path).st_size
        except OSError:
            return None
    if size < EARLY_MIN_BYTES:
        return None
    limit = config.max_line_bytes
    metrics = tuple(config.inputs.get("final_metrics", ()))
    background: Background[Items] = Background(
        lambda: parse(ws, paths, limit), then=lambda: known_digests(ws, metrics)
    )
    return Early(paths, background) if background.pid else None


def items(ws: Workspace, config: Any, paths: list[Path], started: Early | None) -> Items:
    """The records of `paths` (the layout's glob): the child's when it parsed the same
    files, else parsed here."""
    if started is not None:
        if started.paths == paths:
            return started.background.result()
        started.close()
    return parse(ws, paths, config.max_line_bytes)
