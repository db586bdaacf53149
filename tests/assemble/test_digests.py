"""Byte-identical artifacts across runs (`Campaign.copies`): the same groups, in the
same order, whether the workspace is read inside discovery's shared listing or not,
and as a plain reference (group by kind and size, then by content) finds them; files
that are not regular, unreadable or outside the workspace are never in a group."""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from pathlib import Path

import pytest

from ftlint.assemble.digests import artifacts, identical_artifacts
from ftlint.model import Run
from ftlint.sources.io import Workspace


def _reference(root: Path, runs: list[Run], kinds: frozenset[str]) -> list[tuple[str, ...]]:
    groups: dict[tuple[str, int], list] = defaultdict(list)
    for run in runs:
        for art in artifacts(run):
            path = root / art.path
            if art.kind not in kinds or not path.is_file():
                continue
            if not path.resolve().is_relative_to(root):
                continue
            size = path.stat().st_size
            if size:
                groups[(art.kind, size)].append(art)
    out = []
    for _, group in sorted(groups.items()):
        if len({a.run for a in group}) < 2:
            continue
        by_hash: dict[str, list] = defaultdict(list)
        for art in group:
            by_hash[hashlib.sha256((root / art.path).read_bytes()).hexdigest()].append(art)
        for _, same in sorted(by_hash.items()):
            if len({a.run for a in same}) >= 2 and len({a.path for a in same}) >= 2:
                out.append(tuple(f"{a.run}:{a.kind}:{a.path}" for a in same))
    return out


def _workspace(root: Path, outside: Path) -> list[Run]:
    runs = []
    for i in range(12):
        d = root / "outputs" / f"r{i:02d}"
        d.mkdir(parents=True)
        # four contents of one size, so sizes collide and contents decide
        (d / "final_metrics.json").write_text(f'{{"acc": 0.{i % 4}}}' + " " * 10)
        (d / "hard_cases.valid.jsonl").write_text(f'{{"id": {i % 3}}}\n')
        runs.append(
            Run(
                name=f"r{i:02d}",
                final_metrics_path=f"outputs/r{i:02d}/final_metrics.json",
                hard_cases_path=f"outputs/r{i:02d}/hard_cases.valid.jsonl",
            )
        )
    outside.mkdir()
    (outside / "fm.json").write_text('{"acc": 0.0}' + " " * 10)
    odd = root / "outputs" / "odd"
    odd.mkdir()
    os.mkfifo(odd / "fifo.json")
    (odd / "out.json").symlink_to(outside / "fm.json")
    (odd / "dir.json").mkdir()
    for name in ("fifo.json", "out.json", "dir.json", "missing.json"):
        runs.append(Run(name=f"odd-{name}", final_metrics_path=f"outputs/odd/{name}"))
    return runs


@pytest.mark.parametrize("scanned", [False, True])
def test_copies_are_the_reference_groups(tmp_path: Path, scanned: bool) -> None:
    root = (tmp_path / "ws").resolve()
    runs = _workspace(root, tmp_path / "elsewhere")
    ws = Workspace(root)
    if scanned:
        with ws.scan():
            found = identical_artifacts(ws, runs)
    else:
        found = identical_artifacts(ws, runs)
    shown = [tuple(f"{a.run}:{a.kind}:{a.path}" for a in group) for group in found]
    metric = _reference(root, runs, frozenset({"final metrics"}))
    involved = {entry.split(":")[0] for group in metric for entry in group}
    rows = _reference(root, [r for r in runs if r.name in involved], frozenset({"hard cases"}))
    assert shown == metric + rows
    assert len(metric) == 4 and rows
    assert not any("odd" in entry for group in shown for entry in group)
