"""The msgspec fast path of the JSONL reader returns exactly what the exact path
(`loads_checked`) returns, or hands the line to it: duplicated keys, NaN, huge
integers, escapes, deep nesting and invalid lines keep their values and messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftlint.sources import io
from ftlint.sources.io import Workspace, iter_jsonl, loads_checked

msgspec = pytest.importorskip("msgspec")
FAST = io.fast_decoder()


def _same(a: Any, b: Any) -> bool:
    """Equal values of equal types (1, 1.0 and True differ), dict order included."""
    return json.dumps(a) == json.dumps(b) and type(a) is type(b)


def _check(raw: bytes) -> None:
    got = FAST(raw)
    try:
        want, duplicates = loads_checked(raw)
    except (ValueError, RecursionError):
        assert got is io._SLOW  # the exact path reports it
        return
    if duplicates:
        assert got is io._SLOW
    elif got is not io._SLOW:
        assert _same(got, want)


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["a:b", "\\u003a", '"x":', "\\", ":", "a\\\\"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(st.tuples(st.sampled_from(["a", "b", "a:b", "k\\"]), inner), max_size=4),
    ),
    max_leaves=12,
)


def _render(value: Any, space: str) -> str:
    """JSON text of `value`, with lists of pairs as objects (keys may repeat)."""
    if isinstance(value, list) and value and all(isinstance(v, tuple) for v in value):
        inner = ",".join(f"{json.dumps(k)}{space}:{space}{_render(v, space)}" for k, v in value)
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + f",{space}".join(_render(v, space) for v in value) + "]"
    return json.dumps(value)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(VALUES, st.sampled_from(["", " ", "  ", "\t"]), st.booleans())
def test_fast_path_is_exact(value: Any, space: str, escape: bool) -> None:
    text = _render(value, space)
    if escape:
        text = text.replace(":", "\\u003a", 1) if text.startswith('"') else text
    _check((text + "\n").encode())


@pytest.mark.parametrize(
    "line",
    [
        b'{"a": 1, "a": 2}',
        b'{"a" : 1, "a": 2}',
        b'{"a": {"b": 1, "b": 1}}',
        b'{"a": "x\\u003ay", "b": 1, "b": 2}',
        b'{"a\\\\": 1, "a\\\\": 2}',
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b'{"a": 1e999}',
        b'{"a": ' + b"9" * 5000 + b"}",
        b'{"a": ' + b"9" * 400 + b"}",
        b'{"a": "\\ud800"}',
        b"\xef\xbb\xbf{}",
        b'{"a": "\xff"}',
        b"[" * 990 + b"]" * 990,
        b"[" * 400 + b"]" * 400,
        b'{"a": 1} x',
        b"",
        b"   ",
    ],
)
def test_edge_lines(line: bytes) -> None:
    _check(line + b"\n")


EDGE = [
    b'{"rank": 1, "rank": 2}\n',
    b'{"rank": 3, "x": NaN}\n',
    b"\n",
    b'{"rank": 4, "t": "ok: fine"}\n',
    b"not json\n",
    b'{"rank": 5, "t": "\xff"}\n',
    b'{"rank": 6, "big": ' + b"1" * 30 + b"}\n",
    b'{"rank": 7, "t": "' + b"x" * 300 + b'"}\n',
    b'{"rank": 8, "half": "writ',
]


def _lines(tmp_path: Path, threshold: int, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    monkeypatch.setattr(io, "FAST_MIN_BYTES", threshold)
    path = tmp_path / "rows.jsonl"
    path.write_bytes(b"".join(EDGE))
    ws = Workspace(tmp_path)
    return [
        (item.line, json.dumps(item.value), item.problem)
        for item in iter_jsonl(ws, path, max_line_bytes=200, run="r")
    ]


def test_reader_same_with_and_without_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = _lines(tmp_path, 0, monkeypatch)
    exact = _lines(tmp_path, 1 << 60, monkeypatch)
    assert fast == exact
    kinds = [p.kind for _, _, p in exact if p is not None]
    assert kinds == ["inconsistent"] + ["malformed"] * 4


def test_reader_without_msgspec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exact = _lines(tmp_path, 1 << 60, monkeypatch)
    monkeypatch.setattr(io, "fast_decoder", lambda: None)
    assert _lines(tmp_path, 0, monkeypatch) == exact


def test_hard_cases_plain_and_other_rows(tmp_path: Path) -> None:
    from ftlint.model import HardCase, Problem
    from ftlint.sources.hardcases import stream_hard_cases

    lines = [
        '{"rank": 1, "sample_index": 4, "mae_raw": 3, "target_vector": {"a": 1}}',
        '{"rank": 2.0, "sample_index": 7.0, "request_text": null}',
        '{"rank": 3, "mae_raw": true}',
        '{"rank": 0}',
        "[1]",
        '{"rank": 4, "weather": {"sky": "clear"}, "generated_text": "x"}',
    ]
    path = tmp_path / "hard_cases.valid.jsonl"
    path.write_text("\n".join(lines) + "\n")
    items = list(stream_hard_cases(Workspace(tmp_path), path, "r", max_line_bytes=1 << 20))
    cases = [i for i in items if isinstance(i, HardCase)]
    assert [(c.rank, c.sample_id, c.mae_raw) for c in cases] == [
        (1, "4", 3.0),
        (2, "7", None),
        (4, None, None),
    ]
    assert type(cases[1].rank) is int and cases[0].target_vector == {"a": 1}
    bad = [i.evidence.line for i in items if isinstance(i, Problem)]
    assert sorted(set(bad)) == [3, 4, 5]
