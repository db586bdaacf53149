"""`ftlint.engine.forkstream`: a forked task's result comes back equal, its large arrays
as raw memory (the same array met twice is still one object), and a result that does
not pickle or a task that dies comes back as None."""

from __future__ import annotations

import os
from array import array
from typing import Any

import pytest

from ftlint.engine import forkstream


def _round_trip(make: Any) -> Any:
    """`make()` in a forked task, sent back with `dump`, read with `load`."""
    workers = forkstream.fork_each([(0, 1)], lambda start, end, fd: forkstream.dump(make(), fd))
    try:
        return forkstream.load(workers[0][1])
    finally:
        forkstream.reap(workers)


def _value() -> Any:
    big = array("Q", range(1, 300_001))  # 2.4 MB: raw memory, through a 1 MB pipe
    return {
        "tables": (big, big, array("d", [0.1, -0.0, 1e300]) * 20_000),
        "small": array("b", [1, -2, 3]),  # in the pickle
        "odd": array("h", [i % 30_000 - 15_000 for i in range(40_001)]),
        "rest": [1, "two", 3.5, None, {"a": (1, 2)}],
    }


@pytest.mark.parametrize("raw_min", [forkstream.RAW_MIN_BYTES, 0, 1 << 40])
def test_results_come_back_equal(monkeypatch: pytest.MonkeyPatch, raw_min: int) -> None:
    monkeypatch.setattr(forkstream, "RAW_MIN_BYTES", raw_min)
    got = _round_trip(_value)
    assert got == _value()
    assert got["tables"][0] is got["tables"][1]
    assert [type(a) for a in got["tables"]] == [array, array, array]
    assert str(got["tables"][2][1]) == "-0.0"


def test_what_cannot_come_back_is_none() -> None:
    assert _round_trip(lambda: {"t": array("Q", [1]) * 100_000, "f": lambda: None}) is None
    assert _round_trip(lambda: os._exit(3)) is None
    assert _round_trip(lambda: None) is None
