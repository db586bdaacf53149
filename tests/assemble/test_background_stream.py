"""The child's value is pickled into the pipe as a stream (`background._send`): one that
stops pickling part-way, after whole frames were written, is never taken for a value;
the parent computes it itself."""

from __future__ import annotations

import os

import pytest

from ftlint.assemble.background import Background, allowed

PARENT = os.getpid()


def _no_children() -> None:
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def _fails_part_way() -> object:
    if os.getpid() != PARENT:  # megabytes of frames first, then what does not pickle
        return [bytes(300_000) for _ in range(8)] + [list(range(50_000)), lambda: None]
    return "here"


def _large() -> dict[str, object]:
    return {"pid": os.getpid(), "rows": [(i, str(i), float(i)) for i in range(200_000)]}


def test_a_value_cut_short_is_computed_here() -> None:
    with allowed(2):
        job = Background(_fails_part_way)
    assert job.pid and job.result() == "here"
    _no_children()


def test_a_large_value_streams_whole() -> None:
    with allowed(2):
        job = Background(_large, then=lambda: "next")
    value = job.result()
    assert value["pid"] != PARENT
    assert value["rows"] == [(i, str(i), float(i)) for i in range(200_000)]
    assert job.then_result() == "next"
    _no_children()
