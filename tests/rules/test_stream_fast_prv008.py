"""PRV008's `row_batch` leaves the tables `row` leaves on adversarial targets (values
whose hashes meet, bools, floats, huge ints, non-str keys, choice labels): the
reference keys of its inline new-example path are `reference_key`'s."""

from __future__ import annotations

from typing import Any

from helpers import feed
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.model import Evidence, HardCase
from ftlint.rules.provenance.duplicate_eval_rows import HASH_MODULUS, _Repeats

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


def _state(cases: list[HardCase], sizes: list[int], batched: bool) -> Any:
    visitor = _Repeats(None, None, None)  # type: ignore[arg-type]
    feed(visitor, cases, sizes, batched)
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
