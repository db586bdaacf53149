"""QLT002/QLT008's block path over columns (`_dimblock.block_columns`, `add_block`): the
float columns of the real writer's vectors summed left to right in one pass per sum,
held to the row-by-row path bit for bit (sums compared by `float.hex`, NaN by name)."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from types import MappingProxyType
from typing import Any

import pytest
from helpers import feed
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.model import Evidence, HardCase, Provenance, Run
from ftlint.rules.quality import _dimblock
from ftlint.rules.quality._common import DimCollector
from ftlint.rules.quality._dimblock import _reduce_sum, block_columns, seq_sum

_DIMS = ("energy", "warmth", "brightness")


def _bits(x: Any) -> Any:
    """A value as it must match bit for bit (-0.0 and 0.0 apart, NaNs alike)."""
    if isinstance(x, float):
        return "nan" if math.isnan(x) else x.hex()
    return x


def _state(cases: list[HardCase], sizes: list[int] | None, batched: bool, keys: Any) -> Any:
    collector = DimCollector(Run(name="r", provenance=Provenance(target_keys=keys)))
    feed(collector, cases, sizes, batched)
    dims = {
        d: (
            s.abs_n,
            s.n,
            s.pos,
            s.neg,
            _bits(s.floor),
            [(_bits(e), i, ev) for e, i, ev in s.worst],
            [_bits(x) for x in s.sums()],
        )
        for d, s in collector.dims.items()
    }
    return dims, collector.rows, collector.unparsed, collector.inexact


def _case(i: int, p: Any, t: Any, e: Any, error: Any = None) -> HardCase:
    ev = Evidence("h.jsonl", i, None, str(i), None)
    return HardCase(i, str(i), "x", None, t, p, e, None, error, None, ev, {})


def _same(cases: list[HardCase], sizes: list[int], keys: Any = _DIMS) -> None:
    assert _state(cases, sizes, True, keys) == _state(cases, sizes, False, keys)


_FLOAT = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(-100, 100).map(lambda x: round(x, 1)),
    st.integers(0, 100).map(float),
    st.sampled_from([0.0, -0.0, 0.1, 1e16, -1e16, 1e308, -1e308, 5e-324, 2.0**53 + 2]),
)
_ODD = st.sampled_from([None, True, False, 7, -3, 2**60, 10**400, "7", float("nan"), math.inf])
_VALUE = st.one_of(_FLOAT, _FLOAT, _FLOAT, _ODD)


def _vector(value: Any) -> Any:
    full = st.fixed_dictionaries({d: value for d in _DIMS})
    return st.one_of(
        full,
        full,
        full,
        full.map(lambda v: dict(reversed(v.items()))),  # another key order
        full.map(lambda v: {**v, "other": 1.0}),  # an extra key
        st.fixed_dictionaries({d: value for d in _DIMS[:2]}),  # a missing key
        full.map(MappingProxyType),  # a mapping that is no dict
        full.map(lambda v: defaultdict(float, v)),  # `[]` differs from `.get` on a miss
        st.none(),
    )


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(
            _vector(_FLOAT), _vector(_FLOAT), _vector(_FLOAT), st.sampled_from([None, None, "x"])
        ),
        max_size=40,
    ),
    st.lists(st.integers(1, 40), min_size=1, max_size=3),
    st.sampled_from([_DIMS, _DIMS[:1], ("energy", "energy", "warmth"), None]),
)
def test_float_columns_are_the_row_sums_bit_for_bit(
    rows: list[Any], sizes: list[int], keys: Any
) -> None:
    cases = [_case(i, *row) for i, row in enumerate(rows)]
    _same(cases, sizes, keys)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.fixed_dictionaries({d: _VALUE for d in _DIMS}),
            st.fixed_dictionaries({d: _VALUE for d in _DIMS}),
            st.fixed_dictionaries({d: _VALUE for d in _DIMS}),
        ),
        max_size=30,
    ),
    st.lists(st.integers(1, 30), min_size=1, max_size=3),
)
def test_mixed_values_in_plain_dicts_are_the_row_sums(rows: list[Any], sizes: list[int]) -> None:
    cases = [_case(i, *row) for i, row in enumerate(rows)]
    _same(cases, sizes)


def _floats(i: int, p: float, t: float, e: float) -> HardCase:
    return _case(i, {d: p for d in _DIMS}, {d: t for d in _DIMS}, {d: e for d in _DIMS})


def test_order_dependent_float_sums_match_the_row_loop() -> None:
    """Sums whose float depends on the order of the additions (1e16 + 1.0 + 1.0 is not
    1e16 + 2.0): a compensated or reordered sum fails here."""
    values = [1e16, 1.0, 1.0, -1e16, 0.1, 0.2, 0.3, 1e-300, 3.0, 2.0**-60, -0.0]
    cases = [_floats(i, v, -v / 3, abs(v) * 1.5) for i, v in enumerate(values * 13)]
    _same(cases, [60, 7, 120])


def test_signed_zeros_and_equal_values_count_as_the_row_loop() -> None:
    pairs = [(0.0, -0.0), (-0.0, 0.0), (1.5, 1.5), (2.0, 1.0), (1.0, 2.0), (5e-324, 0.0)]
    cases = [_floats(i, p, t, abs(p - t)) for i, (p, t) in enumerate(pairs * 20)]
    _same(cases, [50, 70])
    dims, *_ = _state(cases, [120], True, _DIMS)
    _, _, pos, neg, *_ = dims["energy"]
    assert (pos, neg) == (40, 20)


def test_huge_floats_that_overflow_a_sum_take_the_row_path() -> None:
    cases = [_floats(i, 1e200 * (i % 3), 1e200, 1e300) for i in range(90)]
    _same(cases, [30, 60])


def test_int_blocks_then_float_blocks_then_int_blocks() -> None:
    ints = [_case(i, {d: i % 7 for d in _DIMS}, {d: 3 for d in _DIMS}, {d: i % 5 for d in _DIMS})
            for i in range(60)]  # fmt: skip
    floats = [_floats(60 + i, 0.1 * i, 0.3, 0.7 * i) for i in range(60)]
    _same(ints + floats + ints, [40])
    _same(floats + ints, [40])


def test_float_blocks_take_the_column_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer's float vectors never reach the row-by-row code (else this file tests
    nothing new)."""

    def boom(*args: Any) -> None:
        raise AssertionError("row path")

    monkeypatch.setattr("ftlint.rules.quality._common.add_rows", boom)
    cases = [_floats(i, float(i % 101), 50.0, float(abs(i % 101 - 50))) for i in range(240)]
    _state(cases, [120], True, _DIMS)


@settings(max_examples=300, deadline=None)
@given(st.lists(_FLOAT, max_size=50), _FLOAT)
def test_seq_sum_adds_left_to_right(values: list[float], start: float) -> None:
    expected = start
    for x in values:
        expected += x
    assert seq_sum(values, start).hex() == expected.hex()
    assert _reduce_sum(values, start).hex() == expected.hex()


def test_seq_sum_is_not_compensated() -> None:
    assert seq_sum([1e100, 1.0, -1e100], 0.0) == 0.0
    assert _dimblock._sequential()([1e100, 1.0, -1e100], 0.0) == 0.0


def test_block_columns_reads_plain_dicts_only() -> None:
    a, b = {"x": 1.0, "y": 2.0}, {"y": 4.0, "x": 3.0}
    assert block_columns(("x", "y"), [a, b]) == [[(1.0, 3.0), (2.0, 4.0)]]
    assert block_columns(("x",), [a, b]) == [[(1.0, 3.0)]]
    assert block_columns(("x", "z"), [a, b]) is None
    assert block_columns(("x",), [a, None]) is None
    assert block_columns(("x",), [a, MappingProxyType(b)]) is None
    assert block_columns(("x",), [a, defaultdict(float, b)]) is None
    assert block_columns((), [a]) is None


def test_int_errors_whose_partial_sums_pass_2_to_53_take_the_row_path() -> None:
    """Each error below the int path's bound alone, their running sum far above 2**53:
    row by row the float sum rounds, so the block must not sum them exactly."""
    rng = random.Random(1)
    big = [rng.randrange(1, 2**50) for _ in range(64)]  # each below 2**50
    loop = 0.0
    for x in big:
        loop += x
    assert loop != float(sum(big))  # (the rounding this test is about)
    cases = [
        _case(i, {d: 1 for d in _DIMS}, {d: 2 for d in _DIMS}, {d: big[i] for d in _DIMS})
        for i in range(64)
    ]
    _same(cases, [64])
