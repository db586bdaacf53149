"""The block reader's plain-row path (#19, streaming budget: `hardplain.plain_cases`, a
typed decode and a colon count instead of re-encoding the block) answers exactly as the
line reader: the same rows (every field, `raw` with its keys in file order), the same
problems with their messages and lines, over hostile lines built member by member
(duplicated keys at any depth, keys that are no field, escaped colons and key names,
colons in keys and values, numbers at the int64 and float edges, wrong types)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import assert_blocks_are_rows, flat_blocks, sample_traces
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftlint.sources import hardcases, hardplain
from ftlint.sources.fastjson import _ESCAPE, block_parts, escape_finder, split_lines
from ftlint.sources.hardcases import _cases
from ftlint.sources.io import Workspace
from ftlint.sources.jsonparse import loads_checked

FIELDS = ["rank", "sample_index", "request_text", "source_type", "weather", "target_vector",
          "predicted_vector", "abs_error_raw", "mae_raw", "parse_error",
          "generated_text"]  # fmt: skip

_CHARS = st.sampled_from([*'ab:"\\ {}é\u2028/,', "\U0001f3b5"])
_STRING = st.lists(_CHARS, max_size=8).map("".join)


def _text(value: str, escape: bool) -> str:
    """JSON text of a string, its colons written `\\u003a` when `escape`."""
    out = json.dumps(value, ensure_ascii=False)
    return out.replace(":", "\\u003a") if escape else out


#: JSON texts of numbers a plain row holds (int64 and float edges included) ...
_PLAIN_NUMBERS = st.one_of(
    st.integers(-5, 105).map(str),
    st.sampled_from(["9223372036854775807", "-9223372036854775808", "2.5", "-0.0", "1e2",
                     "95.0", "1.7976931348623157e308", "1e308", "-0"]),
)  # fmt: skip
#: ... and values it does not: past int64 or a float, NaN, Infinity, no number at all
_OTHER_NUMBERS = st.sampled_from(["9223372036854775808", "-9223372036854775809",
                                  "1" + "0" * 400, "1e400", "NaN", "-Infinity", "true",
                                  "null", '"7"', "[1]", '{"a": 1}'])  # fmt: skip
#: vector keys: a colon in a key (written as is or escaped), and "energy" twice
_KEYS = st.sampled_from(["energy", "warmth", "a:b", "", "energy", "w", "x", "y", "z", "e\\u003ax"])


@st.composite
def _vector(draw: Any, wild: bool) -> str:
    if wild and draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(["[1, 2]", '"v"', "7", '{"a": {"b": 1}}']))
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(["null", "{}"]))
    keys = draw(st.lists(_KEYS, max_size=4, unique=draw(st.integers(0, 4)) > 0))
    numbers = [draw(_PLAIN_NUMBERS) for _ in keys]
    if wild and keys:  # one value (or more) no plain row holds
        numbers[draw(st.integers(0, len(keys) - 1))] = draw(_OTHER_NUMBERS)
    return "{" + ", ".join(f'"{k}": {n}' for k, n in zip(keys, numbers, strict=True)) + "}"


@st.composite
def _value(draw: Any, field: str, wild: bool) -> str:
    """A value of `field`: one a plain row holds, or (`wild`) maybe anything."""
    if wild and draw(st.integers(0, 3)) == 0:
        return draw(
            st.one_of(_OTHER_NUMBERS, _PLAIN_NUMBERS, st.builds(_text, _STRING, st.booleans()))
        )
    if field == "rank":
        return draw(
            st.sampled_from(["1", "3", "7", "12"] + (["0", "5.0", "-1", "1" * 30] if wild else []))
        )
    if field == "sample_index":
        return draw(
            st.one_of(
                st.sampled_from(["7", "null", "123456789012345678901234567890"]),
                st.builds(_text, _STRING, st.booleans()),
            )
        )
    if field == "mae_raw":
        return draw(st.sampled_from(["7.5", "null", "12", "0.0", "-3", "9223372036854775807"]))
    if field.endswith(("vector", "raw")):
        return draw(_vector(wild))
    if field == "weather" and wild and draw(st.booleans()):
        return '{"sky": "rain:x"}'
    if draw(st.integers(0, 6)) == 0:
        return "null"
    return _text(draw(_STRING), draw(st.integers(0, 40)) == 0)


@st.composite
def _row(draw: Any) -> str:
    """A row written member by member: fields in any order, some missing, some twice,
    keys that are no field, key names written with escapes, odd separators."""
    fields = list(FIELDS)
    if draw(st.booleans()):
        fields = draw(st.permutations(fields))
    if draw(st.integers(0, 3)) == 0:
        fields = [f for f in fields if f != draw(st.sampled_from(FIELDS))]
    wild = draw(st.sampled_from([*FIELDS, "all"] + [""] * 8))  # one field, all, or none
    members = [(json.dumps(f), draw(_value(f, wild in (f, "all")))) for f in fields]
    for _ in range(draw(st.integers(0, 2)) if draw(st.integers(0, 3)) == 0 else 0):
        key = draw(st.sampled_from([*FIELDS, "contract", "label", "x:y", "extra"]))
        members.insert(
            draw(st.integers(0, len(members))), (json.dumps(key), draw(_value(key, wild)))
        )
    if draw(st.integers(0, 8)) == 0:
        at = draw(st.integers(0, len(members) - 1))
        members[at] = (
            '"r\\u0061nk"' if members[at][0] == '"rank"' else members[at][0],
            members[at][1],
        )
    colon, comma = draw(st.sampled_from([(": ", ", "), (":", ","), (" : ", " ,  ")]))
    return "{" + comma.join(k + colon + v for k, v in members) + "}"


LINES = st.one_of(
    _row(),
    _row(),
    _row(),
    st.sampled_from(
        [
            "",
            "  ",
            "[1]",
            "7",
            '{"rank": 1} {"rank": 2}',
            '{"rank": 1,',
            '{"s": "\\ud800"}',
            "[" * 1000 + "]" * 1000,
        ]
    ),
    _row().map(lambda r: "\ufeff" + r),
    _row().map(lambda r: r[:-1] + ', "deep": ' + "[" * 450 + "]" * 450 + "}"),
)


@pytest.mark.usefixtures("every_file_large")
@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(LINES, max_size=12),
    plain=st.lists(st.just(json.dumps(dict.fromkeys(FIELDS, None) | {"rank": 2})), max_size=3),
    crlf=st.booleans(),
    block=st.sampled_from([1, 300, 4096, 1 << 16]),
    limit=st.sampled_from([300, 1 << 20]),
    cut=st.integers(0, 15),
    traced=st.booleans(),
    backoff=st.sampled_from([0, hardcases.PLAIN_BACKOFF]),
)
def test_blocks_with_plain_rows_are_the_line_reader(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    lines: list[str],
    plain: list[str],
    crlf: bool,
    block: int,
    limit: int,
    cut: int,
    traced: bool,
    backoff: int,
) -> None:
    monkeypatch.setattr(hardcases, "BLOCK_BYTES", block)
    monkeypatch.setattr(hardcases, "PLAIN_BACKOFF", backoff)  # (0: every block tries)
    path = tmp_path_factory.mktemp("plain") / "hard_cases.valid.jsonl"
    end = "\r\n" if crlf else "\n"
    data = "".join(line + end for line in plain + lines).encode("utf-8", "surrogatepass")
    path.write_bytes(data)
    ws = Workspace(path.parent)
    traces: dict[int, Any] = sample_traces() if traced else {}

    assert_blocks_are_rows(ws, path, data, limit, traces, cut)


@settings(max_examples=600, deadline=None)
@given(st.lists(_row(), min_size=1, max_size=3))
def test_plain_cases_answers_only_when_nothing_was_dropped(rows: list[str]) -> None:
    """Whenever the typed decoder takes every line: `plain_cases` answers exactly when
    no line held a duplicated key or a key that is no field (and no vector key holds a
    colon), and then with `_cases`' rows of the untyped values."""
    plain = hardplain.plain_decoder()
    decode, _ = block_parts()
    chunk = "".join(row + "\n" for row in rows).encode()
    lines = split_lines(chunk)
    typed = decode(chunk, lines, 1 << 20, plain)
    untyped = decode(chunk, lines, 1 << 20)
    if typed is None:
        return
    assert untyped is not None  # (the typed decoder refuses more, never less)
    got = hardplain.plain_cases("h.jsonl", 5, chunk.count(b":"), typed, None)
    dropped = any(loads_checked(line)[1] for line in rows) or repr(typed) != repr(untyped)
    colon_key = any(
        ":" in key
        for value in untyped
        for name in ("target_vector", "predicted_vector", "abs_error_raw")
        for key in (value[name] or {})
    )
    assert (got is None) == (dropped or colon_key)
    if got is not None:
        want = list(
            _cases(
                "h.jsonl",
                "r",
                zip(range(5, 5 + len(rows)), untyped, [None] * len(rows), strict=True),
                {},
            )
        )
        assert repr(got) == repr(want)


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The first line of every block `hard_case_blocks` hands to `plain_cases`."""
    calls: list[int] = []
    real = hardplain.plain_cases

    def spy(*args: Any) -> Any:
        calls.append(args[1])
        return real(*args)

    monkeypatch.setattr(hardplain, "plain_cases", spy)
    return calls


ROW = dict.fromkeys(FIELDS, None) | {"rank": 1, "target_vector": {"a": 1.5}}


def _same(tmp_path: Path, rows: list[dict[str, Any]]) -> int:
    """Rows the block reader reads from a file of `rows`, held to the line reader."""
    path = tmp_path / "hard_cases.valid.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    ws = Workspace(tmp_path)
    got = flat_blocks(hardcases.hard_case_blocks(ws, path, "r", max_line_bytes=1 << 20))
    want = hardcases.stream_hard_cases(ws, path, "r", max_line_bytes=1 << 20)
    assert got == [repr(item) for item in want]
    return len(got)


@pytest.mark.usefixtures("every_file_large")
def test_plain_rows_take_the_plain_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every block of plain rows is typed by `plain_cases`, none by `typed_block`."""
    monkeypatch.setattr(hardcases, "BLOCK_BYTES", 600)
    calls = _spy(monkeypatch)
    monkeypatch.setattr(hardplain, "typed_block", None)  # (a call would raise)
    assert _same(tmp_path, [ROW | {"rank": i} for i in range(1, 401)]) == 400
    assert len(calls) > 100 and calls == sorted(set(calls))


@pytest.mark.usefixtures("every_file_large")
def test_other_rows_back_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file whose every row has a key that is no field tries the typed decoder on
    blocks 0, 2, 6, 14, ... only; a plain block resets the wait."""
    monkeypatch.setattr(hardcases, "BLOCK_BYTES", 600)
    calls = _spy(monkeypatch)
    other = ROW | {"contract": "json"}
    assert _same(tmp_path, [other] * 400) == 400
    per = -(-600 // (len(json.dumps(other)) + 1))  # rows a block (the last one completed)
    assert [(line - 1) // per for line in calls] == [0, 2, 6, 14, 30, 62, 126][: len(calls)]
    assert len(calls) < 10
    calls.clear()
    other = ROW | {"x": 1}
    plain = ROW | {"weather": "abcdefghij"}  # (as long as `other`: as many rows a block)
    assert len(json.dumps(plain)) == len(json.dumps(other))
    per = -(-600 // (len(json.dumps(other)) + 1))
    _same(tmp_path, [other] * 3 * per + [plain] * 9 * per + [other] * 6 * per)
    # blocks 0-2 other (tried 0, 2), 3-11 plain (tried from 6 on), 12-17 other (12, 14)
    assert [(line - 1) // per for line in calls] == [0, 2, 6, 7, 8, 9, 10, 11, 12, 14]


#: values at the edges of what a plain row holds, each put in an otherwise plain row
EDGES = [
    ("target_vector", '{"a": 1' + "0" * 400 + "}"),  # too large for a float: a problem
    ("abs_error_raw", '{"a": 9223372036854775808}'),  # past int64: read as before
    ("predicted_vector", '{"a": 9223372036854775807, "b": -9223372036854775808}'),
    ("predicted_vector", '{"a": 1.7976931348623157e308, "b": 1.7976931348623157e308}'),
    ("target_vector", '{"a": 1e400}'),
    ("target_vector", '{"a": NaN}'),
    ("target_vector", '{"a": true}'),
    ("target_vector", '{"a": "7"}'),
    ("target_vector", '{"a:b": 1, "a\\u003ab": 2}'),
    ("target_vector", '{"a": 1, "a": null}'),
    ("target_vector", "[1]"),
    ("mae_raw", "1" + "0" * 400),
    ("mae_raw", "9223372036854775807"),
    ("mae_raw", "-0"),
    ("mae_raw", "-Infinity"),
    ("rank", "5.0"),
    ("rank", "0"),
    ("rank", "true"),
    ("rank", "1" + "0" * 30),
    ("sample_index", "4.0"),
    ("sample_index", '"a:b"'),
    ("sample_index", "1" + "0" * 30),
    ("weather", '{"sky": "rain"}'),
    ("weather", "7"),
    ("generated_text", '"x\\u003ay"'),
    ("parse_error", "false"),
]


@pytest.mark.usefixtures("every_file_large")
@pytest.mark.parametrize(("field", "text"), EDGES)
def test_a_value_at_the_edge_is_read_as_the_line_reader_reads_it(
    tmp_path: Path, field: str, text: str
) -> None:
    row = json.dumps(ROW | {field: "@@"}).replace('"@@"', text)
    path = tmp_path / "hard_cases.valid.jsonl"
    path.write_text(row + "\n" + json.dumps(ROW) + "\n", encoding="utf-8")
    ws = Workspace(tmp_path)
    got = flat_blocks(hardcases.hard_case_blocks(ws, path, "r", max_line_bytes=1 << 20))
    want = hardcases.stream_hard_cases(ws, path, "r", max_line_bytes=1 << 20)
    assert got == [repr(item) for item in want]


_BYTES = st.lists(st.sampled_from([b"\\", b"u", b"0", b"3", b"a", b"\n", b"\\u003", b":"]))


@settings(max_examples=300)
@given(_BYTES.map(b"".join))
def test_the_escape_finder_and_the_line_views_are_the_plain_bytes_tests(data: bytes) -> None:
    assert escape_finder()(data) == (_ESCAPE in data)
    chunk = data + b"\n"
    assert [bytes(view) for view in split_lines(chunk)] == chunk.split(b"\n")[:-1]
