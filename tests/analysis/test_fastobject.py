"""`fastobject`'s answers are json's: `object_in` is `raw_decode`'s object and end where it
answers, and `comma_error` the message the scan gives for the span.

Spans are drawn hostile: objects with NaN, Infinity, numbers past a float and past
json's digit limit, duplicated keys, escapes (surrogate pairs, lone surrogates escaped
and raw), raw control characters, CRLF, deep nesting, trailing commas, single quotes;
cut at every position, with prose and braces around them. Every `{` is tried against
every `}` after it.
"""

from __future__ import annotations

import json
import sys
from typing import Any
from unittest import mock

import msgspec  # noqa: F401  (the fast path answers only when msgspec is loaded)
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftlint.analysis import completion, fastobject
from ftlint.analysis.fastobject import EXPECTING_KEY, TRAILING_COMMA, comma_error, object_in
from ftlint.analysis.jsondepth import MAX_DEPTH, raw_decode

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_NUMBERS = (
    "0", "-0", "-0.0", "1e400", "-1e400", "1e-400", "NaN", "Infinity", "-Infinity",
    "123456789012345678901234567890", "18446744073709551616", "-9223372036854775809",
    "2.2250738585072011e-308", "0.1", "1E5", "1e+5", "01", "1.", ".5", "+1", "-", "4" * 4400,
    "17976931348623157e292", "9007199254740993", "1.7976931348623159e308",
)  # fmt: skip
_STRINGS = (
    '"a"', '"\\ud800"', '"\\udc00\\ud800"', '"\\ud83d\\ude00"', '"\ud800"', '"x\ty"',
    '"\\u00e9"', '"\\x"', '"\x00"', '"\x7f"', '"\\/"', '"é"', '"a\r\nb"', '"\\u0000"',
    "'a'", '"{"', '"}"', '","', '"```"',
)  # fmt: skip
_SPACE = ("", " ", "\n", "\r\n", "\t") * 4 + ("\u00a0", "\x0c", "\u2028")


def _scalar() -> st.SearchStrategy[str]:
    valid = st.one_of(
        st.sampled_from(("true", "false", "null", "[]", "{}", "0", "-0.0", '"a"', '"\\u00e9"')),
        st.floats(allow_nan=False).map(repr),
        st.integers().map(str),
        st.text(max_size=4).map(lambda s: json.dumps(s, ensure_ascii=False)),
    )
    hostile = st.sampled_from(_NUMBERS + _STRINGS + ("tru",))
    return st.one_of(valid, valid, valid, hostile)


@st.composite
def _value(draw: st.DrawFn, depth: int = 0) -> str:
    kind = draw(st.sampled_from(("scalar",) * 6 + ("object", "array", "deep")))
    if depth > 3 or kind == "scalar":
        return draw(_scalar())
    if kind == "deep":
        n = draw(st.sampled_from((MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 450)))
        opener = draw(st.sampled_from(("[", '{"a":')))
        closer = "]" if opener == "[" else "}"
        return opener * n + draw(_scalar()) + closer * n
    items = draw(st.lists(_value(depth + 1), max_size=3))
    if kind == "array":
        return "[" + ",".join(items) + "]"
    keys = draw(st.lists(st.sampled_from(('"a"', '"b"', '"energy"', '"\\u0061"') * 3 + ("'a'",)), min_size=len(items), max_size=len(items)))  # fmt: skip
    return _object(draw, [f"{k}:{v}" for k, v in zip(keys, items, strict=True)])


def _object(draw: st.DrawFn, members: list[str]) -> str:
    gap = st.sampled_from(_SPACE)
    body = "{" + draw(gap) + ("," + draw(gap)).join(members) + draw(gap)
    if draw(st.integers(0, 4)) == 0:
        body += "," + draw(gap)  # a trailing comma
    return body + "}"


@st.composite
def texts(draw: st.DrawFn) -> str:
    """Prose, objects (some cut at any position), braces and fences."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        members = [f'"{k}": {draw(_value(1))}' for k in draw(st.lists(st.sampled_from("abcab"), max_size=4))]  # fmt: skip
        obj = _object(draw, members)
        if draw(st.integers(0, 4)) == 0:
            obj = obj[: draw(st.integers(0, len(obj)))]
        parts.append(obj)
        parts.append(draw(st.sampled_from(("", " ", "\n```\n", "x {", "} y", "Here: ", "\r\n"))))
    return "".join(parts)


def _typed(value: Any) -> Any:
    """A value with every type shown: 1 and 1.0 and True, 0.0 and -0.0 differ."""
    if isinstance(value, dict):
        return ("dict", [(k, _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    if isinstance(value, float):
        return ("float", value.hex())
    return (type(value).__name__, value)


def _spans(text: str) -> list[tuple[int, int]]:
    opens = [i for i, c in enumerate(text) if c == "{"]
    closes = [i + 1 for i, c in enumerate(text) if c == "}"]
    return [(a, b) for a in opens for b in closes if b > a][:60]


def _json(text: str, start: int) -> Any:
    try:
        return raw_decode(text, start)
    except (ValueError, RecursionError) as exc:
        return exc


def _check(text: str) -> None:
    for start, end in _spans(text):
        got = object_in(text, start, end)
        if got is not None:
            want = _json(text, start)
            assert not isinstance(want, BaseException), (text[start:end], want)
            assert want[1] == end
            assert _typed(got) == _typed(want[0])
        error = comma_error(text, start, end)
        if error is not None:
            want = _json(text, start)
            assert isinstance(want, json.JSONDecodeError)
            # json's own message for the span alone (Python 3.13 names the comma)
            assert want.msg in (EXPECTING_KEY, TRAILING_COMMA)
            with pytest.raises(json.JSONDecodeError) as alone:
                json.loads(text[start:end])
            assert str(alone.value) == error
            # what the scan says for the span: its end, and its message
            assert completion._first_end(text, start)[1] == end
            assert completion._decode_span(text, (start, end)) == (None, error)


@SETTINGS
@given(texts())
def test_answers_are_json_s(text: str) -> None:
    _check(text)


@SETTINGS
@given(texts(), st.data())
def test_every_cut_is_json_s(text: str, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(text)))
    _check(text[:cut] + data.draw(st.sampled_from(("", "}", ",}", ", \n}", "\n}}"))))


@pytest.mark.parametrize(
    "span",
    [
        '{"a": 1}', '{"a": 1, "b": 2, "a": 3}', '{"a": 1e400}', '{"a": NaN}', '{"a": "\\ud800"}',
        '{"a": "\ud800"}', '{"a": "x\ty"}', '{"a": 01}', '{"a": ' + "4" * 4400 + "}",
        '{"a": 123456789012345678901234567890}', '{"a": -0.0}', '{"a": 1,}', "{,}", "{ , }",
        '{"a": 1,\r\n}', '{"a": 1,\u00a0}', '{"a": "x,"}', '{"a": "x, }', '{"a": [1,]}',
        '{"a": {"b": 1,}}', '{"a":' + "[" * 401 + "]" * 401 + "}", '{"a": 1 ,\n\t}',
    ],
)  # fmt: skip
def test_named_spans_are_json_s(span: str) -> None:
    _check(span)
    _check("Here it is: " + span + " done")


def test_answers_where_it_should() -> None:
    """The fast path is taken (a mutation that always declines fails here)."""
    assert object_in('x {"a": [1, 2.5], "b": "\\u00e9"} y', 2, 32) == {"a": [1, 2.5], "b": "é"}
    text = 'Sure:\n```json\n{\n  "energy": 1,\n  "warmth": 2,\n}\n```'
    start, end = text.index("{"), text.rindex("}") + 1
    expected = (
        f"{TRAILING_COMMA}: line 3 column 14 (char 30)"  # Python 3.13+: at the comma
        if sys.version_info >= (3, 13)
        else f"{EXPECTING_KEY}: line 4 column 1 (char 32)"
    )
    assert comma_error(text, start, end) == expected
    assert object_in('{"a": NaN}', 0, 10) is None  # json takes it: json decides
    assert comma_error("{ ,}", 0, 4) is None  # json stops at the comma, not the brace


def test_without_msgspec_nothing_is_answered() -> None:
    with (
        mock.patch.dict(sys.modules, {"msgspec": None}),
        mock.patch.object(fastobject, "_DECODER", [None]),
    ):
        assert object_in('{"a": 1}', 0, 8) is None
        assert comma_error('{"a": 1,}', 0, 9) is None
