"""The merges of `--jobs` on one big file (`ftlint.engine.ranges`) where a visitor's
last merge takes a shortcut: PRV008's last range is folded in without inserting its
keys (`_repeats_merge._merge_last`), so the repeats first seen there, those seen in
both ranges, the conflicting references and the declines must all still come out as
in one pass, with two ranges (the real `--jobs 2` plan) and with many."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from helpers import bench_generator
from helpers import lint_streamed as _lint

from ftlint.engine import forkstream, ranges
from ftlint.rules.provenance import _repeats_merge
from ftlint.sources.io import Workspace


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    root = tmp_path_factory.mktemp("merges") / "ws"
    bench_generator().generate_workspace(root, runs=1, hard_cases=120, steps=3)
    (hard,) = root.glob("outputs/*/hard_cases.valid.jsonl")
    return root, [json.loads(line) for line in hard.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Every file is split; records what each split returned and each PRV008 merge.
    Every array crosses as raw memory (`forkstream`), even these small tables (the
    tests in test_row_ranges.py send them inside the pickle)."""
    monkeypatch.setattr(ranges, "ROW_SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(forkstream, "RAW_MIN_BYTES", 0)
    seen: dict[str, list[Any]] = {"split": [], "last": [], "whole": []}
    split, last, merge = ranges.stream_split, _repeats_merge._merge_last, _repeats_merge.merge

    def spy_split(*args: Any) -> Any:
        seen["split"].append(split(*args))
        return seen["split"][-1]

    def spy_last(*args: Any) -> bool:
        seen["last"].append(last(*args))
        return seen["last"][-1]

    def spy_merge(visitor: Any, *args: Any) -> bool:
        if getattr(visitor, "merges_left", None) != 1:
            seen["whole"].append(True)
        return merge(visitor, *args)

    monkeypatch.setattr(ranges, "stream_split", spy_split)
    monkeypatch.setattr(_repeats_merge, "_merge_last", spy_last)
    monkeypatch.setattr(_repeats_merge, "merge", spy_merge)
    return seen


def _copy(row: dict[str, Any], index: int, **changes: Any) -> str:
    return json.dumps({**row, "sample_index": index, **changes})


def _file(rows: list[dict[str, Any]], *, decline: bool, across: bool) -> list[str]:
    """Rows with repeats in the last tenth: X first seen there (one copy with another
    reference), Y seen first at the top; the most frequent input is X, or with
    `across` Y; with `decline` Z: seen at the top with a reference, then a copy
    without one first in the last tenth and repeated there (the references of its
    later rows are unknown to the driver)."""
    lines = [json.dumps(row) for row in rows]
    x = dict(rows[-5], request_text="a request seen only at the end")
    y, z = rows[0], rows[1]
    many, few = (y, x) if across else (x, y)
    tail = [_copy(many, 91000 + i) for i in range(6)]  # more than any generated input
    tail[2:2] = [_copy(few, 91010), _copy(x, 91011, target_vector={"energy": 1})]
    if decline:
        tail += [_copy(z, 91020, target_vector=None), _copy(z, 91021)]
    return lines[:-4] + tail + lines[-4:]


@pytest.mark.parametrize(("decline", "across"), [(False, False), (True, False), (False, True)])
@pytest.mark.parametrize("size", [None, 3000, 20_000])
def test_repeats_across_ranges_as_in_one_pass(
    base: tuple[Path, list[dict[str, Any]]],
    calls: dict[str, list[Any]],
    monkeypatch: pytest.MonkeyPatch,
    size: int | None,
    decline: bool,
    across: bool,
) -> None:
    """Two ranges (size None: the `--jobs 2` plan) or many (earlier merges whole)."""
    root, rows = base
    (hard,) = root.glob("outputs/*/hard_cases.valid.jsonl")
    text = "\n".join(_file(rows, decline=decline, across=across)) + "\n"
    hard.write_text(text, encoding="utf-8")
    monkeypatch.setattr(ranges, "RANGE_BYTES", size)
    one = _lint(root, 1)
    assert not calls["split"]
    two = _lint(root, 2)
    assert calls["split"] and calls["split"][-1] is not None
    assert one == two
    (found,) = [f for f in one[0] if f.rule == "PRV008"]
    # X: all in the last range (6 + 1); Y: one at the top, 6 in the last range
    assert found.measurements["max_copies"] == 7
    assert found.measurements["conflicting_references"] >= 1
    assert len(calls["last"]) == 1
    if size is None:  # Z's copies both in the last range: PRV008 is fed that range here
        assert calls["last"] == [not decline]
    assert bool(calls["whole"]) == (size is not None)


def test_a_range_fed_here_makes_every_merge_whole(
    base: tuple[Path, list[dict[str, Any]]],
    calls: dict[str, list[Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker that died before the last range: its rows are fed to the driver's
    visitors after merges, so no merge may leave keys out of the tables."""
    root, rows = base
    (hard,) = root.glob("outputs/*/hard_cases.valid.jsonl")
    text = "\n".join(_file(rows, decline=False, across=False)) + "\n"
    hard.write_text(text, encoding="utf-8")
    monkeypatch.setattr(ranges, "RANGE_BYTES", 20_000)
    one = _lint(root, 1)
    pieces = max(2, -(-hard.stat().st_size // 20_000))  # as `stream_split` plans it
    plan = ranges.plan(Workspace(root), hard, pieces, first=ranges.DRIVER_SHARE)
    dead = plan[-2][0]  # the range before the last
    child = ranges._child

    def dying(work: Any, start: int, end: int, conn: Any) -> None:
        if start == dead:
            import os

            os._exit(3)
        child(work, start, end, conn)

    monkeypatch.setattr(ranges, "_child", dying)
    assert _lint(root, 2) == one
    assert calls["split"][-1] is not None and calls["whole"] and not calls["last"]


def test_no_merge_after_the_announced_last() -> None:
    """Past the last merge the tables hold only what `finish` reads: another merge is
    an error (an internal finding), never a silently wrong count."""
    visitor = SimpleNamespace()
    _repeats_merge.ahead(visitor, [("state",)])
    assert visitor.merges_left == 1
    _repeats_merge.ahead(visitor, [("state",), None])
    assert visitor.merges_left is None
    visitor.merges_left = 0
    with pytest.raises(RuntimeError):
        _repeats_merge.merge(visitor, ("state",), 100)


def test_a_state_that_cannot_be_pickled_costs_its_range_here(
    base: tuple[Path, list[dict[str, Any]]],
    calls: dict[str, list[Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worker streams its pickle into the pipe: a state that fails halfway ends the
    stream short, and the driver reads that range itself, for every visitor."""
    from ftlint.rules.format.degenerate_output import _DegenerateVisitor

    root, rows = base
    (hard,) = root.glob("outputs/*/hard_cases.valid.jsonl")
    text = "\n".join(_file(rows, decline=False, across=True)) + "\n"
    hard.write_text(text, encoding="utf-8")
    one = _lint(root, 1)
    real = _DegenerateVisitor.export_state

    def export(self: Any) -> Any:
        return (*real(self), lambda: None)  # a lambda does not pickle

    monkeypatch.setattr(_DegenerateVisitor, "export_state", export)
    assert _lint(root, 2) == one
    assert calls["split"][-1] is not None and not calls["last"] and not calls["whole"]


@pytest.mark.parametrize("size", [None, 3000])
def test_workers_send_fitted_tables_and_merge_as_in_one_pass(
    base: tuple[Path, list[dict[str, Any]]],
    calls: dict[str, list[Any]],
    monkeypatch: pytest.MonkeyPatch,
    size: int | None,
) -> None:
    """Visitors that start on big tables (as a file of `BIG_BYTES` does) send their
    range's tables in as few slots as hold them (`_Table.fitted`), and the merges of
    those copies give the one-pass findings."""
    from ftlint.rules.provenance import _tables
    from ftlint.rules.provenance import duplicate_eval_rows as prv

    root, rows = base
    (hard,) = root.glob("outputs/*/hard_cases.valid.jsonl")
    hard.write_text("\n".join(_file(rows, decline=False, across=True)) + "\n", encoding="utf-8")
    monkeypatch.setattr(ranges, "RANGE_BYTES", size)
    monkeypatch.setattr(prv, "BIG_BYTES", 0)
    monkeypatch.setattr(prv, "FULL_SLOTS", 1 << 14)
    received: list[int] = []  # the slots of every table a worker sent
    receive = ranges._receive

    def spy(fd: int) -> Any:
        result = receive(fd)
        for state in result.states.values() if result is not None else ():
            if isinstance(state, tuple):
                received.extend(t.mask + 1 for t in state if isinstance(t, _tables._Table))
        return result

    monkeypatch.setattr(ranges, "_receive", spy)
    one = _lint(root, 1)
    two = _lint(root, 2)
    assert calls["split"] and calls["split"][-1] is not None
    assert one == two
    (found,) = [f for f in one[0] if f.rule == "PRV008"]
    assert found.measurements["max_copies"] == 7
    assert received and set(received) == {1024}  # not the 16,384 slots they started on
