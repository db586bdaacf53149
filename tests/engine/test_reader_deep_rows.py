"""Rows nested past `jsondepth.MAX_DEPTH` are read the same wherever they are read.

json's and msgspec's C decoders count nesting against the recursion limit together
with the Python frames above the call, so a row ~990 deep parsed in the driver and
failed in a `--jobs` worker (another stack): the same workspace gave 13 "nested too
deeply" problems at `--jobs 1` and 15 at `--jobs 2` (found by the lead while fixing the
same bug in the completion analysis). Past the cap a row is one problem on the exact
and the block path at any stack depth; below it, brackets inside strings included, it
is read as before.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import hard_case

from ftlint.analysis.jsondepth import MAX_DEPTH
from ftlint.model import HardCase, Problem
from ftlint.sources import hardcases, io
from ftlint.sources.io import Workspace


def _read(path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    if fast:  # every file counts as large: the msgspec block path
        monkeypatch.setattr(hardcases, "FAST_MIN_BYTES", 0)
        monkeypatch.setattr(io, "FAST_MIN_BYTES", 0)
    out: list[Any] = []
    ws = Workspace(path.parent)
    for item in hardcases.hard_case_blocks(ws, path, "r", max_line_bytes=1 << 20):
        if isinstance(item, Problem):
            out.append(("problem", item.evidence.line, item.message))
        else:
            out += [("row", r.evidence.line, r.rank) for r in item if isinstance(r, HardCase)]
    return out


def _deeper(frames: int, call: Any, *args: Any) -> Any:
    return call(*args) if frames <= 0 else _deeper(frames - 1, call, *args)


@pytest.mark.parametrize("fast", [False, True])
def test_deep_rows_are_one_problem_at_any_stack_depth(
    tmp_path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = json.dumps(hard_case(1))
    lines = [line]
    for depth in (MAX_DEPTH + 1, 700, 960, 990, 1200):
        lines.append(line[:-1] + ', "extra": ' + '{"a":' * depth + "1" + "}" * depth + "}")
    at_cap = '{"a":' * (MAX_DEPTH - 1) + "1" + "}" * (MAX_DEPTH - 1)  # row + extra: the cap
    lines.append(line[:-1] + ', "extra": ' + at_cap + "}")
    lines.append(json.dumps(hard_case(1, request_text="{[" * 3000)))  # brackets in a string
    path = tmp_path / "hard_cases.valid.jsonl"
    path.write_text("\n".join(lines) + "\n")
    answers = [_deeper(frames, _read, path, fast, monkeypatch) for frames in (0, 80, 250)]
    assert answers[0] == answers[1] == answers[2]
    deep = [(kind, n) for kind, n, _ in answers[0] if kind == "problem"]
    assert deep == [("problem", n) for n in range(2, 7)]
    assert [n for kind, n, _ in answers[0] if kind == "row"] == [1, 7, 8]
    assert {m for kind, _, m in answers[0] if kind == "problem"} == {"nested too deeply to parse"}


def test_both_readers_agree_on_deep_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    line = json.dumps(hard_case(1))
    lines = [line] * 300 + [
        line[:-1] + ', "extra": ' + "[" * depth + "]" * depth + "}"
        for depth in range(MAX_DEPTH - 3, MAX_DEPTH + 3)
    ]
    path = tmp_path / "hard_cases.valid.jsonl"
    path.write_text("\n".join(lines) + "\n")
    exact = _read(path, False, monkeypatch)
    assert _read(path, True, monkeypatch) == exact
