"""The #19 fast paths of the completion analysis equal the paths they stand in for.

`analyze_completion` (one C decode per valid object), `classify_failure` and the one-pass
contract check (`ftlint.analysis.contract_check.violation`) are held to the same
modules with the fast paths switched off (`_reference`: every object's end found by the
scan and the first decoded from its span, as before #19; `contract_violation`) on
generated completions: prose, objects (valid, cut at every position, nested, escaped, unicode,
lone surrogates, huge numbers, NaN), fences, several objects, deep nesting, blanks and
control characters.
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
from collections.abc import Iterator
from typing import Any
from unittest import mock

import msgspec  # noqa: F401  (loaded: the fast paths decode with it, see fastobject)
import pytest
from helpers import PARSE_ERROR_HINTS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftlint.analysis import completion, taxonomy
from ftlint.analysis.completion import analyze_completion
from ftlint.analysis.contract_check import violation
from ftlint.analysis.jsondepth import MAX_DEPTH, TOO_DEEP, too_deep
from ftlint.analysis.vector_contract import VectorContract, contract_violation

KEYS = ("energy", "warmth", "brightness")
FIELDS = (
    "empty",
    "has_open_brace",
    "unterminated",
    "fenced",
    "leading_text",
    "trailing_text",
    "object_count",
    "first_object",
    "decode_error",
    "length",
    "first_object_span",
    "fence_language",
)
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _fields(shape: Any) -> str:
    """The shape's fields as text (repr: NaN in an object compares equal to itself)."""
    return repr(tuple(getattr(shape, name) for name in FIELDS))


def _scanned_end(text: str, start: int) -> tuple[None, int]:
    """`completion._object_end` as it was before #19: no decode, the end by the flat
    regex or the scan (the first object is then decoded from its span)."""
    flat = completion._FLAT_OBJECT.match(text, start)
    return None, flat.end() if flat else completion._scan_object(text, start)


def _scanned_first(text: str, start: int) -> tuple[None, int, None]:
    """`completion._first_end` as it was before #19: the end as `_scanned_end` finds
    it, and no message (the span is decoded again for it)."""
    return None, _scanned_end(text, start)[1], None


@contextlib.contextmanager
def _reference() -> Iterator[None]:
    """The analysis with its fast paths off: what they must equal."""
    with (
        mock.patch.object(completion, "_object_end", _scanned_end),
        mock.patch.object(completion, "_first_end", _scanned_first),
        mock.patch.object(completion, "fenced_object", lambda text: None),
        mock.patch.object(completion, "object_in", lambda text, start, end: None),
        mock.patch.object(completion, "comma_error", lambda text, start, end: None),
        mock.patch.object(taxonomy, "fast_violation", contract_violation),
    ):
        yield


def _reference_shape(text: Any) -> Any:
    with _reference():
        return completion.analyze_completion(text)


def _reference_class(*args: Any, **kw: Any) -> Any:
    with _reference():
        return taxonomy.classify_failure(*args, **kw)


def _same_shape(text: Any) -> None:
    assert _fields(analyze_completion(text)) == _fields(_reference_shape(text))


# -- generated completions ---------------------------------------------------------------

_scalars = st.one_of(
    st.integers(min_value=-5, max_value=150),
    st.integers(min_value=10**18, max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=8),
)
_keys = st.one_of(st.sampled_from((*KEYS, "hidden_params", "note", "a")), st.text(max_size=5))
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_keys, inner, max_size=4)),
    max_leaves=10,
)
_in_range = st.one_of(st.integers(min_value=0, max_value=100), st.floats(0, 100), _scalars)
_vectors = st.builds(  # the target keys (some dropped), maybe extra keys or a wrapper
    lambda vec, drop, extra: {k: v for k, v in {**vec, **extra}.items() if k not in drop},
    st.fixed_dictionaries({k: _in_range for k in KEYS}),
    st.sets(st.sampled_from(KEYS), max_size=1),
    st.dictionaries(_keys, _values, max_size=2),
)
_objects = st.one_of(
    st.dictionaries(_keys, _values, max_size=6),
    _vectors,
    st.builds(lambda v: {"hidden_params": v}, _vectors),
)


@st.composite
def _object_text(draw: st.DrawFn) -> str:
    """An object as a model writes it: valid, ASCII-escaped or not, indented or not,
    maybe broken (a trailing comma, single quotes, cut, a lone surrogate, NaN)."""
    obj = draw(_objects)
    text = json.dumps(
        obj,
        ensure_ascii=draw(st.booleans()),
        indent=draw(st.sampled_from((None, 2))),
    )
    edit = draw(st.sampled_from(("none", "none", "cut", "comma", "quote", "surrogate", "raw")))
    if edit == "cut":
        text = text[: draw(st.integers(min_value=0, max_value=len(text)))]
    elif edit == "comma" and text.endswith("}") and len(text) > 2:
        text = text[:-1] + ",}"
    elif edit == "quote":
        text = text.replace('"', "'", draw(st.integers(min_value=1, max_value=3)))
    elif edit == "surrogate":
        text = text.replace('"', '"\ud800', 1)
    elif edit == "raw":
        text = text.replace(": ", ': "a\nb" ', 1)
    return text


_prose = st.one_of(
    st.text(max_size=30),
    st.text(alphabet='ab {}[]"\\`\n\t\x00\x1f:,', max_size=20),
    st.sampled_from(("Here is the JSON:\n", "```json\n", "```", "\n```\n", "`x`", "``", " ")),
)


@st.composite
def completions(draw: st.DrawFn) -> str:
    """Prose, objects and fences in any order."""
    parts = draw(st.lists(st.one_of(_prose, _object_text()), max_size=5))
    return "".join(parts)


@SETTINGS
@given(completions())
def test_analyze_completion_equals_reference(text: str) -> None:
    _same_shape(text)


@SETTINGS
@given(_object_text(), st.data())
def test_every_cut_of_an_object_equals_reference(obj: str, data: st.DataObject) -> None:
    text = data.draw(_prose) + obj + data.draw(_prose)
    for end in range(len(text) + 1):
        _same_shape(text[:end])


_HINTS = st.one_of(st.none(), st.sampled_from(PARSE_ERROR_HINTS))
_TARGET_KEYS = st.one_of(
    st.none(), st.just(KEYS), st.just(("energy",)), st.just(["energy", "energy", "x"])
)
_SCALES = st.one_of(st.none(), st.sampled_from((1, 10, 100.0, math.nan, -1, True, 10**400)))


@SETTINGS
@given(completions(), _HINTS, _TARGET_KEYS, _SCALES, st.sampled_from((None, 20, 600)))
def test_classify_failure_equals_reference(
    text: str, hint: str | None, keys: Any, scale: Any, limit: int | None
) -> None:
    new = taxonomy.classify_failure(
        hint, text, target_keys=keys, target_scale=scale, text_limit=limit
    )
    old = _reference_class(hint, text, target_keys=keys, target_scale=scale, text_limit=limit)
    assert new == old


@SETTINGS
@given(completions(), _HINTS)
def test_classify_failure_with_the_shape_equals_reference(text: str, hint: str | None) -> None:
    shape = analyze_completion(text)
    new = taxonomy.classify_failure(hint, text, target_keys=KEYS, target_scale=100, shape=shape)
    assert new == _reference_class(hint, text, target_keys=KEYS, target_scale=100)


_CONTRACTS = st.one_of(
    st.builds(
        VectorContract.build,
        st.one_of(st.none(), st.just(KEYS), st.just(("energy", "energy")), st.just(("a",))),
        _SCALES,
    ),
    st.builds(  # by hand: duplicate keys, a scale build would refuse
        VectorContract,
        st.sampled_from((KEYS, ("energy", "energy"), ("energy", "warmth", "energy"), ())),
        st.sampled_from((100.0, 1.0, math.inf, -1.0)),
        st.booleans(),
    ),
)


@SETTINGS
@given(_objects, _CONTRACTS)
def test_contract_check_equals_reference(obj: dict[str, Any], contract: VectorContract) -> None:
    assert violation(obj, contract) == contract_violation(obj, contract)


# -- named cases -------------------------------------------------------------------------

_FLAT = '{"energy": 10, "warmth": 20, "brightness": 30}'
_NESTED = '{"hidden_params": {"energy": 10, "warmth": 20}, "reasoning": "x {y} [z]"}'
NAMED = [
    None,
    "",
    "   \n\t",
    "\x00\x01{\x1f}",
    "no json here",
    _FLAT,
    "  " + _FLAT + "  ",
    "Here you go:\n" + _FLAT,
    _FLAT + "\nThanks",
    _FLAT + _FLAT,
    _NESTED,
    "prose " + _NESTED + " more " + _NESTED,
    "```json\n" + _FLAT + "\n```",
    "```json\n" + _NESTED + "\n```\ntrailing",
    "```json\n" + _FLAT[:20],
    '```\n{\n  "energy": 90,\n}\n```',
    '{"energy": NaN, "warmth": Infinity, "brightness": -Infinity}',
    '{"energy": ' + "9" * 400 + "}",
    '{"energy": ' + "9" * 5000 + "}",  # beyond int's digit limit: a decode error
    '{"energy": 1e400}',
    '{"a": "\\ud800", "b": "\\u00e9\u00e9", "c": "\\"}\\\\"}',
    '{"a": "\ud800"}',
    '{"a": [1}',
    '{"a": {"b": 1]}',
    "{" * 1500,
    "{" * 1500 + "}" * 1500,
    '{"a":' * 1200 + "1" + "}" * 1200,
    "x " + '{"a":[' * 1100 + "]}" * 1100 + " y",
    "[" + _FLAT + "]",
    "[1, 2]",
    'prose {"a": 1} {"b": {"c": 2}} [3]',
    '{"energy": 1, "energy": 2}',
    "{}",
    "{} {}",
    '{"a": 1}}}',
    "}{",
]


@pytest.mark.parametrize("text", NAMED)
def test_named_completions_equal_reference(text: str | None) -> None:
    _same_shape(text)
    for limit in (None, 600, 10):
        for hint in (None, "json_decode_error:Expecting value", "missing_key:energy"):
            new = taxonomy.classify_failure(
                hint, text, target_keys=KEYS, target_scale=100, text_limit=limit
            )
            old = _reference_class(hint, text, target_keys=KEYS, target_scale=100, text_limit=limit)
            assert new == old


def test_non_str_input_equals_reference() -> None:
    for value in (None, 3, b"{}", ["{}"]):
        _same_shape(value)


def _at_stack_depth(frames: int, fn: Any, *args: Any) -> Any:
    """`fn(*args)` called `frames` Python frames deeper than here."""
    if frames <= 0:
        return fn(*args)
    return _at_stack_depth(frames - 1, fn, *args)


@pytest.mark.parametrize("prefix", ["", "prose ", "[1] "])
def test_nesting_up_to_the_cap_equals_reference(prefix: str) -> None:
    """Up to MAX_DEPTH levels the bounded decode is json's own (the reference)."""
    for depth in (*range(1, 6), *range(MAX_DEPTH - 3, MAX_DEPTH + 1)):
        text = prefix + '{"a":' * depth + "1" + "}" * depth + " tail"
        _same_shape(text)


@pytest.mark.parametrize("prefix", ["", "prose ", "[1] ", "```json\n"])
def test_deep_nesting_is_decided_the_same_at_any_stack_depth(prefix: str) -> None:
    """json's C decoder counts its nesting against the recursion limit together with
    the frames above it, so an object ~900 deep decoded in one caller and not one frame
    deeper: `--jobs 1` and `--jobs 2` (another stack) classified it differently. Beyond
    MAX_DEPTH it is a decode error wherever it is analysed."""
    limit = sys.getrecursionlimit()
    for depth in (MAX_DEPTH + 1, 600, limit - 130, limit - 40, limit + 5):
        text = prefix + '{"a":' * depth + "1" + "}" * depth + " tail"
        shapes = {repr(_at_stack_depth(frames, analyze_completion, text)) for frames in (0, 60)}
        assert len(shapes) == 1, depth
        shape = analyze_completion(text)
        assert shape.first_object is None and shape.object_count == 1
        assert shape.decode_error == TOO_DEEP
        classes = {
            _at_stack_depth(frames, taxonomy.classify_failure, "json_decode_error", text)
            for frames in (0, 60)
        }
        assert len(classes) == 1


def test_too_deep_reads_json_structure_not_brackets_in_strings() -> None:
    deep = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    assert too_deep(deep)
    assert not too_deep("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    in_string = '{"a": "' + "{" * 5000 + '"}'
    assert not too_deep(in_string) and json.loads(in_string) == {"a": "{" * 5000}
    closed_then_more = "[[]]" + "[" * 1000
    assert not too_deep(closed_then_more)
    assert too_deep(closed_then_more, 4)


_VEC = {"energy": 10, "warmth": 20.5, "brightness": 30}


@pytest.mark.parametrize(
    "obj",
    [
        _VEC,
        {**_VEC, "warmth": math.nan},
        {**_VEC, "warmth": math.inf},
        {**_VEC, "warmth": -math.inf},
        {**_VEC, "energy": 10**400},
        {**_VEC, "energy": -1},
        {**_VEC, "energy": 100.0000001},
        {**_VEC, "energy": True},
        {**_VEC, "energy": "10"},
        {**_VEC, "energy": None, "warmth": math.nan},
        {**_VEC, "note": 1},
        {"warmth": 1, "brightness": 2},
        {"hidden_params": _VEC},
        {"wrap": _VEC},
        {"a": {"b": {"c": _VEC}}},
        {"a": 1},
        {},
    ],
)
@pytest.mark.parametrize("limit", [100.0, 1.0, math.inf, -1.0])
def test_contract_check_named_equals_reference(obj: dict[str, Any], limit: float) -> None:
    for keys in (KEYS, ("energy", "energy"), ()):
        contract = VectorContract(keys, limit, True)
        assert violation(obj, contract) == contract_violation(obj, contract)
