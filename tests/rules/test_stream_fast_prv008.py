"""PRV008's block test of {str: int} targets (`int_targets`) holds exactly when the
per-row `reference_key` is the hash of the target's pairs, and `row_batch` with it
leaves the tables `row` leaves, on random and adversarial targets."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.model import Evidence, HardCase
from ftlint.rules.provenance.duplicate_eval_rows import (
    HASH_MODULUS,
    M63,
    _Repeats,
    int_targets,
    reference_key,
)

_EDGE = [-1, -2, 0, 1, True, False, 1.0, 2.5, HASH_MODULUS, HASH_MODULUS - 1, -HASH_MODULUS,
         1 - HASH_MODULUS, 10**400, None, "1", [1]]  # fmt: skip
_VALUE = st.one_of(st.integers(-3, 100), st.sampled_from(_EDGE))
_KEY = st.one_of(st.sampled_from(["energy", "warmth", "a"]), st.sampled_from([1, ("t",)]))
_TARGET = st.one_of(
    st.dictionaries(st.sampled_from(["energy", "warmth", "a"]), st.integers(0, 100), max_size=3),
    st.dictionaries(_KEY, _VALUE, max_size=3),
    st.sampled_from([None, "label", {}]),
)


def _case(i: int, target: Any, text: str, raw: dict[str, Any]) -> HardCase:
    ev = Evidence("h.jsonl", i, None, str(i), None)
    return HardCase(1, str(i), text, None, target, None, None, None, None, None, ev, raw)


_RAW = st.sampled_from([{}, {"contract": "choice", "label": "yes"}])
_CLEAN = st.dictionaries(st.sampled_from(["energy", "warmth", "a"]), st.integers(0, 9), max_size=3)


@st.composite
def _targets(draw: Any) -> list[Any]:
    """Clean {str: int} targets, one of them perhaps spoiled by one adversarial pair."""
    out = draw(st.lists(_CLEAN, min_size=1, max_size=8))
    if draw(st.booleans()):
        at = draw(st.integers(0, len(out) - 1))
        spoiled = draw(st.one_of(_TARGET, st.tuples(_KEY, _VALUE)))
        if isinstance(spoiled, tuple):
            out[at] = {**out[at], spoiled[0]: spoiled[1]}
        else:
            out[at] = spoiled
    return out


@settings(max_examples=600, deadline=None)
@given(_targets(), _RAW)
def test_int_targets_means_the_reference_key_is_the_pairs_hash(targets: Any, raw: Any) -> None:
    cases = [_case(i, target, "x", raw) for i, target in enumerate(targets)]
    if int_targets(cases):
        for case in cases:
            pairs = hash((2, frozenset(case.target_vector.items()))) & M63
            assert reference_key(case) == pairs


def _state(cases: list[HardCase], sizes: list[int], batched: bool) -> Any:
    visitor = _Repeats(None, None, None)  # type: ignore[arg-type]
    at = i = 0
    while at < len(cases):
        block = cases[at : at + sizes[i % len(sizes)]]
        at, i = at + len(block), i + 1
        if batched:
            visitor.row_batch(block)
        else:
            for one in block:
                visitor.row(one)
    return (
        list(visitor.examples.keys),
        visitor.examples.size,
        [list(col) for col in visitor.inputs.cols],
        list(visitor.inputs.keys),
        visitor.counts,
        visitor.repeat_evidence,
        visitor.conflicting,
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(_TARGET, _RAW, st.sampled_from(["a", "b", "c d", " e"]), st.integers(0, 30)),
        max_size=40,
    ),
    st.lists(st.integers(1, 12), min_size=1, max_size=3),
)
def test_row_batch_with_int_targets_is_row(rows: list[Any], sizes: list[int]) -> None:
    cases = [_case(i, t, text, raw) for t, raw, text, i in rows]
    assert _state(cases, sizes, True) == _state(cases, sizes, False)


def test_many_int_target_rows_grow_the_tables_as_row_does() -> None:
    cases = [
        _case(i, {"energy": i % 9, "warmth": i % 5}, f"input {i % 2000}", {}) for i in range(5000)
    ]
    assert _state(cases, [256, 7], True) == _state(cases, [256, 7], False)


@pytest.mark.parametrize("value", _EDGE)
@pytest.mark.parametrize("key", ["warmth", 1, ("t",)])
def test_one_spoiled_pair_takes_the_block_off_the_fast_key(key: Any, value: Any) -> None:
    clean = [_case(i, {"energy": i, "warmth": 2}, "x", {}) for i in range(5)]
    assert int_targets(clean)
    spoiled = _case(5, {"energy": 3, key: value}, "x", {})
    try:
        pairs = hash((2, frozenset(spoiled.target_vector.items()))) & M63
    except TypeError:  # an unhashable value: `reference_key` takes the JSON text
        pairs = -1  # (never a key)
    fast = int_targets([*clean, spoiled])
    assert fast == (reference_key(spoiled) == pairs)
    exact = type(value) is int and value != -1 and -HASH_MODULUS < value < HASH_MODULUS
    assert fast == (key == "warmth" and exact)
