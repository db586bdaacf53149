"""Rows in blocks (#19): `hard_case_blocks` yields exactly the rows and problems of the
line-by-line `stream_hard_cases` (every doubtful line still reported with its message
and line), `block_decoder` answers only when every line takes `fast_decoder`'s path and
then with the same values, and the visitors' `row_batch` fast paths leave exactly the
findings their `row` leaves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    HARD_CASE_ROW,
    assert_blocks_are_rows,
    batches_match_rows,
    bench_generator,
    lint_streamed,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftlint.engine import stream
from ftlint.model import Problem
from ftlint.sources import hardcases, io
from ftlint.sources.fastjson import SLOW, block_decoder, fast_decoder
from ftlint.sources.io import Workspace

ROW = HARD_CASE_ROW


def _row(**extra: Any) -> str:
    return json.dumps({**ROW, **extra})


#: lines of every kind: plain rows, and each kind the exact path must decide
LINES = st.one_of(
    st.builds(
        lambda rank, text: _row(rank=rank, sample_index=rank, generated_text=text),
        st.integers(1, 50),
        st.text(max_size=12),
    ),
    st.sampled_from(
        [
            _row(),
            _row(parse_error="invalid_json", generated_text="Sure! {"),
            _row()[:-1] + ', "rank": 9}',  # a duplicated key
            _row()[:-1] + ', "mae_raw": NaN}',
            _row(mae_raw=10**30),
            _row()[:-1] + ', "x": ' + "9" * 5000 + "}",  # over 4,300 digits
            _row(request_text="a\u003ab").replace(":b", "\\u003ab"),  # an escaped colon
            '{"a\\u003a": 1, "a:": 2}',
            _row(rank="x"),
            _row(rank=2.0),
            _row(sample_index=4.0),
            _row(target_vector=[1, 2]),
            "[1, 2]",
            "7",
            "not json",
            '{"rank": 1} {"rank": 2}',
            '{"rank": 1,',
            "",
            "   ",
            "\ufeff" + _row(),
            _row(generated_text="caf\u00e9 \ud83c\udfb5"),
            '{"s": "\\ud800"}',
            "[" * 1000 + "]" * 1000,
            '{"a": ' + "[" * 950 + "]" * 950 + "}",
            _row(request_text="x" * 3000),
        ]
    ),
)


@pytest.mark.usefixtures("every_file_large")
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(LINES, max_size=14),
    last_newline=st.booleans(),
    crlf=st.booleans(),
    block=st.sampled_from([1, 64, 300, 4096, 1 << 16]),
    limit=st.sampled_from([200, 2000, 1 << 20]),
    cut=st.integers(0, 14),
)
def test_blocks_are_the_rows_of_the_line_reader(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    lines: list[str],
    last_newline: bool,
    crlf: bool,
    block: int,
    limit: int,
    cut: int,
) -> None:
    monkeypatch.setattr(hardcases, "BLOCK_BYTES", block)
    root = tmp_path_factory.mktemp("blk")
    path = root / "hard_cases.valid.jsonl"
    end = "\r\n" if crlf else "\n"
    data = (end.join(lines) + (end if last_newline and lines else "")).encode(
        "utf-8", "surrogatepass"
    )
    path.write_bytes(data)
    ws = Workspace(root)
    traces: dict[int, Any] = {}

    assert_blocks_are_rows(ws, path, data, limit, traces, cut)


@settings(max_examples=200, deadline=None)
@given(st.lists(LINES, min_size=1, max_size=10), st.sampled_from([200, 2000, 1 << 20]))
def test_block_decoder_answers_only_for_fast_lines(lines: list[str], limit: int) -> None:
    raws = [line.encode("utf-8", "surrogatepass") for line in lines]
    raws = [raw for raw in raws if b"\n" not in raw]
    fast, block = fast_decoder(), block_decoder()
    chunk = b"".join(raw + b"\n" for raw in raws)
    got = block(chunk, raws, limit)
    singles = [fast(raw + b"\n") for raw in raws]
    answerable = all(
        value is not SLOW and len(raw) <= limit for value, raw in zip(singles, raws, strict=True)
    )
    if answerable:
        assert got is not None
        assert repr(got) == repr(singles)
    else:
        assert got is None


# -- the visitors' block fast paths against their per-row path --------------------------------

MIX = {"valid": 0.3, "truncated": 0.2, "prose": 0.15, "fenced": 0.1, "wrapper": 0.1,
       "empty": 0.15}  # fmt: skip


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-run workspace with every failure mode, plus repeats, secrets and bad lines."""
    root = tmp_path_factory.mktemp("bv") / "ws"
    bench_generator().generate_workspace(root, runs=1, hard_cases=300, steps=3, failure_mix=MIX)
    (hard,) = root.glob("outputs/*/hard_cases.valid.jsonl")
    lines = hard.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines[:20]]
    extra = [
        json.dumps(dict(rows[1], generated_text="token sk-" + "a1B2c3D4e5F6g7H8i9J0" * 2)),
        json.dumps(dict(rows[2], sample_index=90001)),  # a repeated input (PRV008)
        json.dumps(dict(rows[2], sample_index=90002, target_vector={"energy": 1})),
        json.dumps(dict(rows[3])),  # the same example twice
        json.dumps(dict(rows[4], mae_raw=None, generated_text=None)),
        json.dumps(dict(rows[5], request_text=7, source_type=None)),
        json.dumps(dict(rows[6], generated_text=rows[7]["generated_text"])),
        "not json",
        json.dumps(rows[8])[:-1] + ', "mae_raw": NaN}',
    ]
    lines[30:30] = extra
    lines[200:200] = extra
    hard.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def _lint(root: Path) -> tuple[list[str], int, str]:
    findings, rows, problems = lint_streamed(root)
    return [repr(f) for f in findings], rows, repr(problems)


def _per_row(visitor: Any) -> Any:
    row = visitor.row

    def each(cases: list[Any]) -> None:
        for case in cases:
            row(case)

    return each


@pytest.mark.parametrize("block", [1, 700, 1 << 16])
def test_batch_visitors_find_what_rows_find(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    monkeypatch.setattr(hardcases, "FAST_MIN_BYTES", 0)
    monkeypatch.setattr(io, "FAST_MIN_BYTES", 0)
    monkeypatch.setattr(hardcases, "BLOCK_BYTES", block)
    batched = _lint(workspace)
    monkeypatch.setattr(stream, "_rows_of", _per_row)
    monkeypatch.setattr(stream, "_select", lambda flt, cases: [c for c in cases if flt(c)])
    assert _lint(workspace) == batched
    assert batched[1] > 300
    assert any("SEC001" in f for f in batched[0])
    assert any("PRV008" in f for f in batched[0])


def test_a_plugin_visitor_without_row_batch_gets_every_row(tmp_path: Path) -> None:
    """The per-row protocol stays: a visitor with only `row` is fed each row in order."""
    from ftlint.model import HardCase

    seen: list[int] = []

    class Only:
        def row(self, case: HardCase) -> None:
            seen.append(case.rank or 0)

        def finish(self) -> list[Any]:
            return []

    each = stream._rows_of(Only())  # type: ignore[arg-type]
    cases = [HardCase(i, None, None, None, None, None, None, None, None, None, None, {})  # type: ignore[arg-type]
             for i in (3, 1, 2)]  # fmt: skip
    each(cases)
    assert seen == [3, 1, 2]


def _exact_calls(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Records the spans `hard_case_blocks` hands to the exact line reader."""
    calls: list[Any] = []
    real = hardcases.stream_hard_cases

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("span"))
        return real(*args, **kwargs)

    monkeypatch.setattr(hardcases, "stream_hard_cases", spy)
    return calls


@pytest.mark.usefixtures("every_file_large")
def test_plain_rows_take_the_block_path_and_a_doubtful_line_its_block_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hardcases, "BLOCK_BYTES", 4096)
    calls = _exact_calls(monkeypatch)
    path = tmp_path / "hard_cases.valid.jsonl"
    lines = [_row(rank=i, sample_index=i) for i in range(1, 101)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ws = Workspace(tmp_path)
    got = list(hardcases.hard_case_blocks(ws, path, "r", max_line_bytes=1 << 20))
    assert calls == [] and all(isinstance(b, list) for b in got)
    assert sum(len(b) for b in got) == 100 and len(got) > 3
    lines[50] = lines[50][:-1] + ', "mae_raw": NaN}'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = list(hardcases.hard_case_blocks(ws, path, "r", max_line_bytes=1 << 20))
    assert len(calls) == 1 and calls[0].start > 0 and calls[0].end < path.stat().st_size
    problems = [p for p in got if isinstance(p, Problem)]
    assert [p.evidence.line for p in problems] == [51]


HINT_WORDS = ["hf", "sk-", "akia", "xox", "wandb", "://", "bearer", "token", "secret", "passw",
              "key", "ghp", "gho", "ghu", "ghs", "ghr", "github", "gh", "_", "-", "/", ":", "K",
              "\u212a", "\u0130", "HF", "a", " ", "s", "k"]  # fmt: skip
HINT_TEXT = st.lists(st.sampled_from(HINT_WORDS), max_size=8).map("".join)


@settings(max_examples=400)
@given(st.one_of(HINT_TEXT, st.text(max_size=30)))
def test_sec001_unrolled_precheck_is_may_hold(text: str) -> None:
    from ftlint.rules.security.secret_in_artifact import hinted, may_hold

    assert hinted(text) == may_hold(text)


# -- every built-in visitor, fed per row and in blocks, on generated rows ---------------------

_WORDS = st.sampled_from(["calm", "piano", " ", "  ", "\t", "\xa0", "sample", "7", "Variant-2:",
                          "sk-" + "a1B2c3D4e5F6g7H8i9J0" * 2, "hf_", "{", "}", '"energy": 5',
                          "```json", "\u2028", "caf\u00e9"])  # fmt: skip
_TEXT = st.one_of(st.none(), st.lists(_WORDS, max_size=6).map("".join))
_VEC = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "energy": st.one_of(
                st.integers(-5, 105), st.sampled_from([2.5, 1e300, True, 3 << 48, -(1 << 60)])
            )
        }
    ),
    st.just({"energy": 50, "warmth": 50}),
)


def _cases(draw: Any) -> list[Any]:
    from ftlint.model import Evidence, HardCase

    n = draw(st.integers(0, 40))
    out = []
    for line in range(1, n + 1):
        sid = draw(st.one_of(st.none(), st.sampled_from(["1", "2", "3", "x", "007"])))
        error = draw(st.sampled_from([None, None, "json_block_not_found", "invalid_json", " "]))
        text = draw(_TEXT)
        if error is None and draw(st.booleans()):
            text = json.dumps({"energy": draw(st.integers(0, 100)), "warmth": 50})
        mae = draw(st.one_of(st.none(), st.floats(0, 100), st.just(float("nan"))))
        ev = Evidence("outputs/r/hard_cases.valid.jsonl", line, None, sid, None)
        case = HardCase(
            draw(st.integers(1, 9)), sid, draw(_TEXT), draw(st.sampled_from([None, "a", "b"])),
            draw(_VEC), draw(_VEC), draw(_VEC), mae, error, text, ev, {},
        )  # fmt: skip
        out.append(case)
    return out


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_every_row_batch_equals_its_rows(data: Any) -> None:
    cases = _cases(data.draw)
    sizes = data.draw(st.lists(st.integers(1, 7), min_size=1, max_size=4))
    assert batches_match_rows(cases, sizes, eval_size=50) >= 10


_INT = st.one_of(st.integers(-5, 105), st.sampled_from([1 << 60, -(1 << 60), 3 << 48, 2.5, True]))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(_INT, _INT, _INT, st.booleans()), max_size=30),
    st.lists(st.integers(1, 9), min_size=1, max_size=3),
)
def test_dimension_sums_in_blocks_are_the_row_by_row_floats(
    values: list[tuple[Any, Any, Any, bool]], sizes: list[int]
) -> None:
    """QLT002/QLT008's sums, fed in blocks (local integer sums where exact), hold the
    very floats of row-by-row feeding, worst rows and counts included."""
    from ftlint.model import Evidence, HardCase, Provenance, Run
    from ftlint.rules.quality._common import DimCollector

    run = Run(name="r", provenance=Provenance(target_keys=("e",), target_scale=100.0))
    cases = []
    for i, (p, t, a, failed) in enumerate(values):
        error, ev = "bad" if failed else None, Evidence("h.jsonl", i + 1)
        cases.append(HardCase(i + 1, str(i), "q", None, {"e": t}, {"e": p}, {"e": a}, None,
                              error, "", ev, {}))  # fmt: skip
    one, blocks = DimCollector(run), DimCollector(run)
    for case in cases:
        one.row(case)
    at, i = 0, 0
    while at < len(cases):
        block = cases[at : at + sizes[i % len(sizes)]]
        at, i = at + len(block), i + 1
        blocks.row_batch(block)

    def state(c: DimCollector) -> Any:
        s = c.dims["e"]
        return (c.rows, c.unparsed, c.inexact, s.sums(), s.abs_n, s.n, s.pos, s.neg, s.worst)

    assert repr(state(one)) == repr(state(blocks))
