"""The fenced-object fast path (`completion.fenced_object`) and the first object's
decode message (`completion._first_end`) equal the scan they stand in for.

Texts are drawn around the shape the fast path takes (prose, a fence and its tag, one
object, a closing fence) and everything near it: backticks and braces in the prose,
runs of four backticks, text between the fence and the object or after the closing
fence, a second fence, cut, invalid, nested, deep and multi-line objects, unicode
whitespace; each is analysed with the fast paths on and off (every object's end found
by the scan and the first decoded from its span, as before #19).
"""

from __future__ import annotations

import json
from typing import Any

import msgspec  # noqa: F401  (loaded: the fast paths decode with it, see fastobject)
from helpers import completion_scan_only
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftlint.analysis import completion
from ftlint.analysis.completion import analyze_completion
from ftlint.analysis.jsondepth import loads
from ftlint.rules.format._prose import prose_object

SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _fields(shape: Any) -> str:
    names = completion.CompletionShape.__dataclass_fields__
    return repr(tuple(getattr(shape, name) for name in names))


def _same(text: str) -> None:
    with completion_scan_only():
        old = analyze_completion(text)
    assert _fields(analyze_completion(text)) == _fields(old)


_PROSE = st.one_of(
    st.just(""),
    st.sampled_from(("Here is the JSON:\n", "  \n", "The listener asked for x.", "\u2003")),
    st.text(alphabet='ab `{}"\n\u00a0', max_size=12),
)
_FENCE = st.sampled_from(("```", "```", "````", "``", "```json", "```JSON5", "```c++", "~~~"))
_GAP = st.sampled_from(("", "\n", " \n ", "\u2028", "x", " x", "`", "``", "\n```\n", "{"))
_TAIL = st.sampled_from(("", "\n", "  \n", "\u3000", "x", " thanks", "\n{}", "`", "```", "{"))


@st.composite
def _objects(draw: st.DrawFn) -> str:
    value = draw(
        st.recursive(
            st.one_of(st.integers(-3, 200), st.text(max_size=4), st.none(), st.booleans()),
            lambda inner: st.one_of(
                st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)
            ),
            max_leaves=8,
        )
    )
    body = json.dumps(
        {"energy": value, "warmth": 3}, indent=draw(st.sampled_from((None, 2))), ensure_ascii=False
    )
    edit = draw(st.sampled_from(("none", "none", "comma", "quote", "cut", "brace", "nan")))
    if edit == "comma":
        body = body[:-1].rstrip() + ",\n}"
    elif edit == "quote":
        body = body.replace('"', "'", 1)
    elif edit == "cut":
        body = body[: draw(st.integers(0, len(body)))]
    elif edit == "brace":
        body = body.replace("3", "[3}", 1)
    elif edit == "nan":
        body = body.replace("3", "NaN", 1)
    return body


@SETTINGS
@given(_PROSE, _FENCE, _GAP, _objects(), _GAP, _FENCE, _TAIL)
def test_fenced_shapes_equal_the_scan(
    prose: str, fence: str, before: str, obj: str, after: str, close: str, tail: str
) -> None:
    _same(prose + fence + before + obj + after + close + tail)


@SETTINGS
@given(_PROSE, _objects(), _TAIL)
def test_fenced_object_with_plain_gaps_equals_the_scan(prose: str, obj: str, tail: str) -> None:
    """The fast path's own shape (whitespace gaps), drawn often."""
    for gap in ("", "\n"):
        _same(prose + "```json" + gap + obj + gap + "```" + tail)


def test_the_fast_path_is_taken() -> None:
    text = 'Sure.\n```json\n{\n  "energy": 1,\n}\n```\n'
    shape = completion.fenced_object(text)
    assert shape is not None and shape.fenced and shape.leading_text
    # json's trailing-comma message (Python 3.13 names the comma itself)
    assert shape.decode_error and any(
        words in shape.decode_error for words in ("double quotes", "trailing comma")
    )
    _same(text)


def test_deep_objects_equal_the_scan() -> None:
    """Past the level cap the message comes from decoding the span, as the scan's."""
    for inner in ("1", "1,", "]"):
        obj = '{"a":' + "[" * 450 + inner + "]" * 450 + "}"
        _same("x\n```json\n" + obj + "\n```")
        _same("x " + obj + " y")


def _loads_single(text: str) -> Any:
    """`_single_object` as first written: `loads` of the stripped text."""
    body = text.strip()
    if body[:1] != "{" or body[-1:] != "}":
        return None
    try:
        obj = loads(body)
    except Exception:
        return None
    if not isinstance(obj, dict):
        return None
    start = len(text) - len(text.lstrip())
    return (obj, (start, start + len(body)), len(text))


_SPACE = st.sampled_from(("", " ", "\n", "\t\r", "\u00a0", "\u2028 ", "\x1c", "\x0b"))


@SETTINGS
@given(_SPACE, _objects(), _SPACE, st.sampled_from(("", "", "{}", "}", " x", "\n{", "1")))
def test_single_object_equals_loads_of_the_stripped_text(
    before: str, obj: str, after: str, more: str
) -> None:
    text = before + obj + more + after
    shape = completion._single_object(text)
    old = _loads_single(text)
    if old is None:
        assert shape is None
    else:
        assert shape is not None
        got = (shape.first_object, shape.first_object_span, shape.length)
        assert repr(got) == repr(old)
    _same(text)


_AFTER = st.sampled_from(
    ("", " done", "\n{}", " {energy} ", " {", "```", "\n```\n", " `x` ", "``` {} ```", "}")
)


@SETTINGS
@given(_PROSE, _objects(), _AFTER, _AFTER)
def test_prose_object_equals_the_scan(prose: str, obj: str, after: str, more: str) -> None:
    """`prose_object` (FMT003's views), and the scan it hands a later object or fence
    to (`after_prose_object`), equal the scan from the start."""
    text = prose + obj + after + more
    shape = prose_object(text)
    if shape is not None:
        with completion_scan_only():
            old = analyze_completion(text)
        assert _fields(shape) == _fields(old)
    _same(text)


def test_prose_object_hands_a_later_object_to_the_scan() -> None:
    text = 'Here: {"energy": 1} and {"warmth": 2} then ```'
    shape = prose_object(text)
    assert shape is not None and shape.object_count == 2 and shape.fenced
    with completion_scan_only():
        assert _fields(shape) == _fields(analyze_completion(text))


@SETTINGS
@given(st.text(alphabet=" \t\n\x1c\x85\u00a0\u2028\u3000\u200bab{`", max_size=8))
def test_empty_is_a_blank_text(text: str) -> None:
    """`empty` is `not text.strip()`, read without the copy."""
    assert analyze_completion(text).empty == (not text.strip())


def test_backticks_that_are_no_fence_equal_the_scan() -> None:
    """The fast path finds fences by their first backtick: a run of one or two after the
    object, or before the fence, is inline code the scan reads as text."""
    for text in (
        '```json\n{"a": 1}\n`x`',
        '```json\n{"a": 1}\n``',
        '```json\n{"a": 1}\n`` ```',
        '```json\n{"a": 1,}\n`x` ```',
        '`x` ```json\n{"a": 1}\n```',
        '``json\n{"a": 1}\n```',
        '```json\n{"a": "```"}\n```',
        '```json\n{"a": 1}``` `',
    ):
        _same(text)
