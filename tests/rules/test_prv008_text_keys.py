"""PRV008's reference keys without msgspec (`_text_keys`) meet exactly when the JSON
texts they replace (`json.dumps(sort_keys=True, default=str)`) do: flat references keyed
from their values, any other through the text, the two kinds meeting where a text
parses back into a flat reference; the block keys are the row keys; and the sets'
block path with repeated inputs (`_small._new_examples`) leaves what `row` leaves."""

from __future__ import annotations

import json
import math
import struct
from typing import Any

import pytest
from helpers import feed, prv008_visitor
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.model import Evidence, HardCase
from ftlint.rules.provenance import _small, _text_keys

NAN_BITS = struct.unpack("<d", struct.pack("<Q", 0x7FF8_0000_0000_0001))[0]


class _Float(float):
    """A float subclass: JSON prints it as the float it is."""


class _Str(str):
    """A str subclass: JSON prints it as the str it is."""


_FLOATS = [0.0, -0.0, 0.5, 1.0, 95.0, 2.0**60, 2.0**61, 1e300, 1e-300, -2.0, math.inf,
           -math.inf, math.nan, -math.nan, NAN_BITS]  # fmt: skip
_INTS = [0, 1, -1, 2, 95, 2**61 - 1, 2**61, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 10**30]
_NAMES = ["a", "b", "energy", "1.5", "1", "true", "null", "é", "\ud83d\ude00", "😀", "a\x00"]
_KEYS = st.one_of(
    st.sampled_from(_NAMES),
    st.sampled_from([1.5, 1, True, None]),  # (JSON prints them as "1.5", "1", "true", "null")
    st.sampled_from(_NAMES).map(_Str),
)
_SCALARS = st.one_of(
    st.sampled_from(_FLOATS),
    st.sampled_from(_INTS),
    st.sampled_from(_FLOATS[:10]).map(_Float),
    st.booleans(),
    st.none(),
    st.sampled_from(["x", "1.0"]),
)
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=2), max_leaves=4)
TARGETS = st.one_of(
    st.dictionaries(st.sampled_from(_NAMES[:3]), st.sampled_from(_FLOATS), min_size=2),
    st.dictionaries(st.sampled_from(_NAMES[:3]), st.sampled_from(_INTS), min_size=2),
    st.dictionaries(_KEYS, _VALUES, max_size=4),
    _VALUES,
)


def _text(target: Any) -> str | None:
    """The JSON text the keys stand for (what `reference_key` keyed before)."""
    try:
        return json.dumps(target, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return None


def _variant(target: Any, order: list[int]) -> Any:
    """The same reference in another key order (so that equal texts come up often)."""
    if not isinstance(target, dict):
        return target
    items = list(target.items())
    return dict(items[i % len(items)] for i in order) if items else {}


@settings(max_examples=1500, deadline=None)
@given(a=TARGETS, b=TARGETS, order=st.permutations(range(4)))
def test_keys_meet_exactly_when_the_json_does(a: Any, b: Any, order: list[int]) -> None:
    for x, y in ((a, b), (a, _variant(a, order)), (a, json.loads(_text(a) or "0"))):
        tx, ty = _text(x), _text(y)
        kx, ky = _text_keys.key(x), _text_keys.key(y)
        assert (kx is None) == (tx is None)
        if tx is not None and ty is not None:
            assert (kx == ky) == (tx == ty), (x, y)


@settings(max_examples=500, deadline=None)
@given(TARGETS)
def test_a_flat_key_is_the_key_of_its_text(target: Any) -> None:
    """The value path gives what the text path gives (the two kinds of keys never
    meet unless the texts do)."""
    flat = _text_keys.flat_key(target)
    if flat is not None:
        assert flat == _text_keys.text_key(target)


@settings(max_examples=500, deadline=None)
@given(st.lists(TARGETS, min_size=1, max_size=6), st.booleans())
def test_block_keys_are_flat_keys(targets: list[Any], same: bool) -> None:
    if same:  # (all of the first one's shape: the block path's case)
        targets = [_variant(targets[0], [i, i + 1, i + 2]) for i in range(len(targets))]
    got = _text_keys.block_text_keys(targets)
    if got is not None:
        assert got == [_text_keys.flat_key(t) for t in targets]


@pytest.mark.parametrize(
    "targets",
    [
        [{"energy": 95.0, "warmth": -0.0}, {"warmth": 1e300, "energy": math.inf}],
        [{"a": 1, "b": 2**63 - 1}, {"b": -(2**63), "a": 0}],
    ],
)
def test_flat_blocks_take_the_block_path(targets: list[dict[str, Any]]) -> None:
    assert _text_keys.block_text_keys(targets) == [_text_keys.flat_key(t) for t in targets]
    assert None not in _text_keys.block_text_keys(targets)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"a": 0.0, "b": 1.0}, {"a": -0.0, "b": 1.0}),
        ({"a": 1.0, "b": 1.0}, {"a": 2.0**61, "b": 1.0}),  # (equal float hashes)
        ({"a": 1, "b": 1}, {"a": 2**61, "b": 1}),  # (equal int hashes)
        ({"a": 1.0, "b": 2.0}, {"a": 1, "b": 2}),
        ({"a": 1.0, "b": 2.0}, {"a": 1.0, "c": 2.0}),
        ({"a": 1.0, "b": 2.0}, {"b": 2.0, "a": 1.0, "c": 3.0}),  # (the first one's keys and more)
        ({"a": math.inf, "b": 0.0}, {"a": -math.inf, "b": 0.0}),
    ],
)
def test_references_apart_as_json(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert _text_keys.key(a) != _text_keys.key(b)
    assert _text_keys.block_text_keys([a, b]) in (None, [_text_keys.key(a), _text_keys.key(b)])


def test_references_together_as_json() -> None:
    key = _text_keys.key
    assert key({"a": math.nan, "b": 1.0}) == key({"b": 1.0, "a": NAN_BITS})
    assert key({"a": 1.5, "b": 2.0}) == key({"b": _Float(2.0), "a": 1.5})
    assert key({"1.5": 2.0, "2": 3.0}) == key({1.5: 2.0, 2: 3.0}) is not None
    assert key({"a": 1, "b": 2}) == key({_Str("b"): 2, "a": 1})


def _plain(i: int, text: str, target: Any) -> HardCase:
    ev = Evidence("outputs/r/hard_cases.valid.jsonl", i + 1, None, str(i), None)
    return HardCase(1, str(i), text, None, target, None, None, None, None, None, ev, {})


def _state(cases: list[HardCase], sizes: list[int] | None) -> Any:
    made: dict[str, Any] = {}
    visitor = prv008_visitor(made)
    feed(visitor, cases, sizes, sizes is not None)
    found = repr(list(visitor.finish()))
    return (found, repr(made), list(visitor.inputs.keys), [list(c) for c in visitor.inputs.cols],
            list(visitor.counts.items()), list(visitor.repeat_evidence.items()),
            visitor.conflicting, visitor.packer.paths)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3)), max_size=60),
    st.lists(st.integers(1, 20), min_size=1, max_size=3),
)
def test_blocks_of_new_examples_with_repeated_inputs_are_rows(
    rows: list[tuple[int, int]], sizes: list[int]
) -> None:
    """Every row a new example, inputs from a handful (repeats within a block and across
    blocks, references that differ or not): `_new_examples` leaves what `row` does."""
    targets = [{"a": 1.0, "b": 2.0}, {"a": 1.0, "b": -0.0}, {"b": 2.0, "a": 1.0}, None]
    cases = [_plain(i, f"input {t}", targets[r]) for i, (t, r) in enumerate(rows)]
    assert _state(cases, sizes) == _state(cases, None)


def test_the_repeat_block_path_is_taken() -> None:
    calls = []
    real = _small._new_examples
    cases = [_plain(i, f"input {i % 5}", {"a": float(i % 2), "b": 0.0}) for i in range(40)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_small, "_new_examples", lambda *a: calls.append(1) or real(*a))
        batched = _state(cases, [16])
    assert len(calls) == 3
    assert batched == _state(cases, None)


@pytest.mark.parametrize("first", ["subclass", "plain"])
def test_a_key_does_not_depend_on_what_was_keyed_before(first: str) -> None:
    """The shapes are remembered by key order, found by equality: a str subclass's
    order must not leave an answer that a plain order of equal keys then finds (the
    same reference was keyed through its text or not, by history, and changed key when
    the cache was cleared between two rows: a hypothesis example caught it once)."""
    sub, plain = {_Str("a"): 1.0, "b": 2.0}, {"a": 1.0, "b": 2.0}
    _text_keys._SHAPES.clear()
    before = _text_keys.key(sub if first == "subclass" else plain)
    _text_keys._SHAPES.clear()
    after = _text_keys.key(plain if first == "subclass" else sub)
    assert before == after == _text_keys.flat_key(plain)
