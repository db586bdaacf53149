"""The hard-case reader on a `mae_raw` integer too large for a float (10**400).

`float(mae)` raised OverflowError out of the reader, on the exact and the block path
alike, which ended the whole lint (`ftlint: internal error`, exit 2, no report). The
value now reads as +-Infinity, as `Infinity` does (found by the #19 differential check).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from ftlint.model import HardCase
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


def _rows(path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch) -> list[HardCase]:
    if fast:  # every file counts as large: the msgspec block path
        monkeypatch.setattr(hardcases, "FAST_MIN_BYTES", 0)
        monkeypatch.setattr(io, "FAST_MIN_BYTES", 0)
    ws = Workspace(path.parent)
    out: list[HardCase] = []
    for item in hardcases.hard_case_blocks(ws, path, "r", max_line_bytes=1 << 20):
        assert isinstance(item, list), item
        out += item
    return out


@pytest.mark.parametrize("fast", [False, True])
def test_huge_int_mae_reads_as_infinity(
    tmp_path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = json.dumps(ROW)
    lines = [
        line.replace('"mae_raw": 1.0', '"mae_raw": ' + "9" * 400),
        line.replace('"mae_raw": 1.0', '"mae_raw": -' + "9" * 400),
        line.replace('"mae_raw": 1.0', '"mae_raw": 12'),
        line,
    ]
    path = tmp_path / "hard_cases.valid.jsonl"
    path.write_text("\n".join(lines) + "\n")
    rows = _rows(path, fast, monkeypatch)
    assert [r.mae_raw for r in rows] == [math.inf, -math.inf, 12.0, 1.0]
    assert [r.evidence.line for r in rows] == [1, 2, 3, 4]
    assert all(type(r.mae_raw) is float for r in rows)
