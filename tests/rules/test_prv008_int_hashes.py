"""PRV008's reference keys: two targets are the same reference exactly when they are the
same JSON. A {str: int} fast path once hashed the pairs, and CPython hashes an int modulo
2**61 - 1, so targets holding integers that far out (as rare as -1, fixed earlier) met a
small value and hid a conflicting reference; keys are encodings now (`_references`), and
these cases stay here so that no later shortcut brings it back."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ftlint.model import Evidence, HardCase
from ftlint.rules.provenance import duplicate_eval_rows as prv008

P = (1 << 61) - 1  # the modulus of CPython's int hash


def _case(target: Any) -> HardCase:
    ev = Evidence("outputs/r/hard_cases.valid.jsonl", 3, None, "7", None)
    return HardCase(1, "7", "req", None, target, None, None, None, None, "", ev, {})


def test_ints_one_modulus_apart_are_different_references() -> None:
    for small, big in [(0, P), (1, P + 1), (5, 2 * P + 5), (-3, -P - 3), (0, -P), (7, 10**400)]:
        a = prv008.reference_key(_case({"energy": small, "warmth": 2}))
        b = prv008.reference_key(_case({"energy": big, "warmth": 2}))
        assert a is not None and b is not None and a != b, (small, big)


def test_large_ints_still_equal_to_themselves() -> None:
    one = prv008.reference_key(_case({"a": P, "b": -P - 1}))
    assert one == prv008.reference_key(_case({"b": -P - 1, "a": P}))


@given(
    st.dictionaries(st.sampled_from("abc"), st.integers(), min_size=1),
    st.dictionaries(st.sampled_from("abc"), st.integers(), min_size=1),
)
def test_same_key_exactly_when_same_pairs(x: dict[str, int], y: dict[str, int]) -> None:
    same = prv008.reference_key(_case(x)) == prv008.reference_key(_case(y))
    assert same == (x == y)
