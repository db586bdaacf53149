"""The block reader's shortcuts (#19, streaming budget) answer exactly as the line
reader: a block whose rows are flat (`_typed_block`) skips counting every line's brackets,
and any row nesting deeper, anywhere, still takes the exact path with its problem."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers import HARD_CASE_ROW
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftlint.model import Problem
from ftlint.sources import hardcases, io
from ftlint.sources.fastjson import block_decoder, may_nest_deep
from ftlint.sources.io import Workspace

ROW = HARD_CASE_ROW


def _nest(depth: int, inner: str = "1") -> str:
    """JSON text of `depth` nested containers (arrays and objects alternating)."""
    text = inner
    for level in range(depth):
        text = f'{{"k": {text}}}' if level % 2 else f"[{text}]"
    return text


def _with(field: str, text: str) -> str:
    """A plain row whose `field` (an existing or a new key, or a vector's value) is the
    JSON `text`, written without re-encoding it."""
    row = json.dumps({**ROW, field.split("/")[0]: "@@"})
    if "/" in field:
        name, key = field.split("/")
        inner = json.dumps({**ROW[name], key: "@@"})
        row = json.dumps({**ROW, name: "@@"}).replace('"@@"', inner)
    return row.replace('"@@"', text)


_DEPTH = st.sampled_from([1, 2, 3, 398, 399, 400, 401, 402, 450, 950, 3000])
_FIELDS = "weather extra generated_text rank target_vector abs_error_raw/energy predicted_vector/x"
_FIELD = st.sampled_from(_FIELDS.split())
DEEP = st.builds(lambda f, d: _with(f, _nest(d)), _FIELD, _DEPTH)
LINES = st.one_of(
    st.just(json.dumps(ROW)),
    st.builds(lambda n: json.dumps({**ROW, "rank": n, "sample_index": n}), st.integers(1, 99)),
    DEEP,
    st.sampled_from(
        [
            json.dumps({**ROW, "weather": {"sky": "rain", "t": 3}}),
            json.dumps({**ROW, "tags": ["a", "b"]}),
            json.dumps({**ROW, "target_vector": None}),
            json.dumps({**ROW, "abs_error_raw": {"energy": True}}),
            json.dumps(ROW)[:-1] + ', "rank": 9}',  # a duplicated key
            _with("target_vector", '{"energy": 1, "energy": 2}'),
            _with("weather", '{"a": 1, "a": 2}'),
            '{"a": 1}',
            "[1]",
            "7",
            "[" * 1000 + "]" * 1000,
        ]
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, min_size=1, max_size=8))
def test_the_decoder_leaves_only_the_depth_test_to_the_caller(lines: list[str]) -> None:
    raws = [line.encode() for line in lines]
    chunk = b"".join(raw + b"\n" for raw in raws)
    block = block_decoder()
    plain = block(chunk, raws, 1 << 20)
    undecided = block(chunk, raws, 1 << 20, False)
    if may_nest_deep(raws):
        assert plain is None
    else:
        assert repr(undecided) == repr(plain)


def _read(tmp: Any, lines: list[str]) -> tuple[list[str], list[str]]:
    """The block reader's and the line reader's items of a file of `lines`."""
    path = tmp / "hard_cases.valid.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    ws = Workspace(tmp)
    got: list[str] = []
    for item in hardcases.hard_case_blocks(ws, path, "r", max_line_bytes=1 << 20):
        if isinstance(item, Problem):
            got.append(repr(item))
        else:
            assert item
            got += [repr(case) for case in item]
    rows = hardcases.stream_hard_cases(ws, path, "r", max_line_bytes=1 << 20)
    return got, [repr(item) for item in rows]


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file counts as large (block and per-line fast paths on)."""
    monkeypatch.setattr(hardcases, "FAST_MIN_BYTES", 0)
    monkeypatch.setattr(io, "FAST_MIN_BYTES", 0)


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize("field", ["weather", "extra", "target_vector", "abs_error_raw/energy"])
@pytest.mark.parametrize("depth", [398, 399, 400, 401, 950])
def test_a_deep_row_among_flat_ones_keeps_its_problem(
    tmp_path: Any, field: str, depth: int
) -> None:
    got, rows = _read(tmp_path, [json.dumps(ROW)] * 5 + [_with(field, _nest(depth))])
    assert got == rows
    if depth > 400:  # (a shallower array where an object belongs is a problem too)
        assert any("Problem(" in item for item in got)
    if field == "extra" and depth < 400:
        assert not any("Problem(" in item for item in got)


@pytest.mark.usefixtures("small_blocks")
@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(LINES, max_size=12), st.sampled_from([1, 300, 4096, 1 << 16]))
def test_blocks_of_deep_and_flat_rows_are_the_line_reader(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    lines: list[str],
    block: int,
) -> None:
    monkeypatch.setattr(hardcases, "BLOCK_BYTES", block)
    got, rows = _read(tmp_path_factory.mktemp("deep"), lines)
    assert got == rows


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize("depth", [399, 401, 950])
def test_a_deep_extra_key_in_place_of_weather_keeps_its_problem(tmp_path: Any, depth: int) -> None:
    plain = {k: v for k, v in ROW.items() if k != "weather"}
    deep = json.dumps({**plain, "x": "@@"}).replace('"@@"', _nest(depth))
    got, rows = _read(tmp_path, [json.dumps(plain)] * 5 + [deep])
    assert got == rows
    assert any("Problem(" in item for item in got) == (depth > 400)
