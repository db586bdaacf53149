"""The `--jobs 2` driver's memory while PRV008 merges a worker's range: the driver holds
its own tables and the worker's (on a 537 MB file 40 MB each) and must not build a set
of every key of either beside them (it did: two sets, +36 MB, to a 149 MB peak).

Through the engine, as the CLI runs it: the memory allocated from the driver's
`prepare_merge` to the end of the merge and freed by then (the temporary structures:
tables, received states and what the merge keeps for `finish` are still held) is
traced, and must stay a fraction of what one set of the driver's keys takes."""

from __future__ import annotations

import json
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from helpers import bench_generator
from helpers import lint_streamed as _lint

from ftlint.engine import ranges
from ftlint.rules.provenance import _tables
from ftlint.rules.provenance import duplicate_eval_rows as prv

ROWS = 16_000
REPEATS = 200  # past PRV008's 1% threshold


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run of `ROWS` hard cases whose inputs are all distinct but `REPEATS` at the
    end, which repeat rows at the top (the merge finds what both ranges share)."""
    root = tmp_path_factory.mktemp("merge-memory") / "ws"
    bench_generator().generate_workspace(root, runs=1, hard_cases=ROWS, steps=3)
    (hard,) = root.glob("outputs/*/hard_cases.valid.jsonl")
    rows = [json.loads(line) for line in hard.read_text(encoding="utf-8").splitlines()]
    for i, row in enumerate(rows):
        row["request_text"] = f"{row['request_text']} #{i}"
    for i in range(1, REPEATS + 1):
        rows[-i]["request_text"] = rows[i]["request_text"]
    hard.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return root


def _one_set_bytes(count: int) -> int:
    """What a set of `count` keys (64-bit ints) takes, ints included."""
    keys = {(1 << 63) + i for i in range(count)}
    return sys.getsizeof(keys) + count * sys.getsizeof(1 << 63)


@pytest.mark.parametrize("full", [1 << 13, 1 << 16, 1 << 17])
def test_the_merge_builds_no_set_of_every_key(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, full: int
) -> None:
    """`full`: a big file's full-size tables; a split's visitors start on half of it
    (`begin_split`). With 2**17 a worker sends fitted tables of 2**14 slots (the
    tables' sizes differ), with 2**16 its tables as they are (the same size as the
    driver's), with 2**13 every range outgrows half size and grows to full size, then
    past it (4x, as any table)."""
    monkeypatch.setattr(ranges, "ROW_SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(prv, "BIG_BYTES", 0)  # on arrays from the first row, as at 512 MB
    monkeypatch.setattr(prv, "FULL_SLOTS", full)
    monkeypatch.setattr(_tables, "FULL_SLOTS", full)
    monkeypatch.setattr(_tables, "PART_SLOTS", 1 << 10, raising=False)
    seen: dict[str, Any] = {}
    prepare, merge = ranges._prepare, prv._Repeats.merge_state

    def spy_prepare(feed: Any, visitors: Any) -> None:
        (repeats,) = [v for _, v in visitors if isinstance(v, prv._Repeats)]
        seen["keys"] = repeats.inputs.size
        seen["slots"] = repeats.inputs.mask + 1
        tracemalloc.start()
        prepare(feed, visitors)
        seen["kept"] = tracemalloc.get_traced_memory()[0]  # what the visitors prepared
        tracemalloc.stop()

    def spy_merge(visitor: Any, state: Any) -> Any:
        tracemalloc.start()
        try:
            return merge(visitor, state)
        finally:
            current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            seen["freed"] = peak - current  # what the merge built and dropped

    monkeypatch.setattr(ranges, "_prepare", spy_prepare)
    monkeypatch.setattr(prv._Repeats, "merge_state", spy_merge)
    try:
        two = _lint(workspace, 2)
    finally:
        if tracemalloc.is_tracing():
            tracemalloc.stop()
    assert seen["slots"] == (full // 2 if full > 1 << 13 else 4 * full)
    assert seen["keys"] > ROWS // 3
    # a set of every key of one table (~800 KB here) is 4x the bound
    assert seen["kept"] + seen["freed"] < _one_set_bytes(seen["keys"]) // 4
    (found,) = [f for f in two[0] if f.rule == "PRV008"]
    assert found.measurements["repeated_rows"] == REPEATS
    assert two == _lint(workspace, 1)
