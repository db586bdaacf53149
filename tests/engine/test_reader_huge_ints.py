"""The hard-case reader on a `mae_raw` integer too large for a float (10**400).

`float(mae)` raised OverflowError out of the reader, on the exact and the block path
alike, which ended the whole lint (`ftlint: internal error`, exit 2, no report). Such
a value, and NaN or Infinity, is now a problem with its line (the row is kept, its error
unused) instead of a value a rule would average (found by the #19 differential check).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftlint.model import HardCase, Problem
from ftlint.sources import hardcases, io
from ftlint.sources.io import Workspace

ROW = {
    "rank": 1,
    "sample_index": 3,
    "request_text": "q",
    "source_type": "request_text",
    "weather": "sunny",
    "target_vector": {"a": 1},
    "predicted_vector": {"a": 2},
    "abs_error_raw": {"a": 1},
    "mae_raw": 1.0,
    "parse_error": None,
    "generated_text": "x",
}


def _read(
    path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[HardCase], list[Problem]]:
    if fast:  # every file counts as large: the msgspec block path
        monkeypatch.setattr(hardcases, "FAST_MIN_BYTES", 0)
        monkeypatch.setattr(io, "FAST_MIN_BYTES", 0)
    ws = Workspace(path.parent)
    rows: list[HardCase] = []
    problems: list[Problem] = []
    for item in hardcases.hard_case_blocks(ws, path, "r", max_line_bytes=1 << 20):
        if isinstance(item, Problem):
            problems.append(item)
        else:
            rows += item
    return rows, problems


@pytest.mark.parametrize("fast", [False, True])
def test_a_mae_that_is_no_finite_number_is_a_problem(
    tmp_path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = json.dumps(ROW)
    lines = [
        line.replace('"mae_raw": 1.0', '"mae_raw": ' + "9" * 400),
        line.replace('"mae_raw": 1.0', '"mae_raw": -' + "9" * 400),
        line.replace('"mae_raw": 1.0', '"mae_raw": 12'),
        line.replace('"mae_raw": 1.0', '"mae_raw": NaN'),
        line.replace('"mae_raw": 1.0', '"mae_raw": -Infinity'),
        line,
    ]
    path = tmp_path / "hard_cases.valid.jsonl"
    path.write_text("\n".join(lines) + "\n")
    rows, problems = _read(path, fast, monkeypatch)
    assert [r.mae_raw for r in rows] == [None, None, 12.0, None, None, 1.0]
    assert [r.evidence.line for r in rows] == [1, 2, 3, 4, 5, 6]
    assert [(p.evidence.line, p.evidence.pointer, p.message) for p in problems] == [
        (1, "/mae_raw", "mae_raw is an integer too large for a float; the row's error is not used"),
        (2, "/mae_raw", "mae_raw is an integer too large for a float; the row's error is not used"),
        (4, "/mae_raw", "mae_raw is NaN (not a finite number); the row's error is not used"),
        (5, "/mae_raw", "mae_raw is -Infinity (not a finite number); the row's error is not used"),
    ]
    assert all(p.kind == "invalid" for p in problems)
