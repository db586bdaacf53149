"""QLT004's failed rows of one block counted at once (`_count_constants`, `_one_constant`):
the counter's keys (by `float.hex`: a -0.0 first row keeps its sign), counts and sampled
rows held to the row loop's `_constant` of each row, with `--jobs` range merges too."""

from __future__ import annotations

import math
from typing import Any

import pytest
from helpers import feed
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.model import Campaign, Evidence, HardCase, Provenance, Run
from ftlint.rule import RuleContext
from ftlint.rules.quality import contaminated_quality_metric as qlt004
from ftlint.rules.quality._placeholder import _constant, _one_constant


class _Dict(dict):  # a plugin's mapping: `_constant` takes it, the block path declines it
    pass


_VALUE = st.sampled_from(
    [50.0, 50.0, 50.0, 0.0, -0.0, 1.0, 2.5, 1e308, -1e308, math.nan, math.inf, 50, True, 10**400]
)


@st.composite
def _vector(draw: Any) -> Any:
    kind = draw(st.sampled_from(["same", "same", "same", "mixed", "none", "sub", "one", "back"]))
    if kind == "none":
        return None
    keys = ["energy", "warmth", "calm"][: draw(st.integers(2, 3))]
    if kind == "one":
        return {"energy": draw(_VALUE)}
    if kind == "mixed":
        return {k: draw(_VALUE) for k in keys}
    value = draw(_VALUE)
    if kind == "back":  # the same keys in another order: equal dicts, one constant
        return {k: value for k in reversed(keys)}
    return (_Dict if kind == "sub" else dict)((k, value) for k in keys)


def _case(i: int, vector: Any, mae: float) -> HardCase:
    ev = Evidence("h.jsonl", i, None, str(i), None)
    return HardCase(i, str(i), "x", None, None, vector, None, mae, "x", "no object", ev, {})


def _bits(x: Any) -> Any:
    return ("nan" if math.isnan(x) else x.hex()) if isinstance(x, float) else x


def _visitor(logged: bool = False, samples: int = 3) -> Any:
    run = Run(name="r", hard_cases_path="h.jsonl", provenance=Provenance(target_keys=("energy",)))
    rule = qlt004.ContaminatedQualityMetric()
    params = {**rule.param_defaults(), "max_samples": samples}
    visitor = rule.hard_case_visitor(
        run, RuleContext(rule, params, None, {}, Campaign(".", (run,)))
    )
    if logged:
        visitor.begin_range()
    return visitor


def _state(visitor: Any) -> Any:
    return (
        [(_bits(k), n) for k, n in visitor.constants.items()],
        [(_bits(k), [c.rank for c in v]) for k, v in visitor.samples.cases.items()],
        visitor.failed,
        _bits(visitor.failed_sum),
        [repr(f) for f in visitor.finish()],
    )


def _fed(cases: list[HardCase], sizes: list[int] | None, **kw: Any) -> Any:
    visitor = _visitor(**kw)
    feed(visitor, cases, sizes, sizes is not None)
    return _state(visitor)


_ROWS = st.lists(st.tuples(_vector(), st.sampled_from([1.5, 0.25, 40.0])), max_size=40)
_SIZES = st.lists(st.integers(1, 40), min_size=1, max_size=3)


@settings(max_examples=400, deadline=None)
@given(_ROWS, _SIZES, st.integers(1, 4))
def test_a_block_of_failed_rows_counts_as_the_row_loop(
    rows: list[Any], sizes: list[int], samples: int
) -> None:
    cases = [_case(i, *row) for i, row in enumerate(rows)]
    assert _fed(cases, sizes, samples=samples) == _fed(cases, None, samples=samples)


@settings(max_examples=150, deadline=None)
@given(_ROWS, _SIZES, st.integers(1, 39))
def test_ranges_merged_as_jobs_2_merges_them(rows: list[Any], sizes: list[int], cut: int) -> None:
    """`--jobs 2`: the later range's counter and samples merge into the earlier one's
    as one pass gives them (or the merge declines, and then for both paths alike)."""
    cases = [_case(i, *row) for i, row in enumerate(rows)]
    results = []
    for batched in (True, False):
        first, later = _visitor(logged=True), _visitor(logged=True)
        feed(first, cases[:cut], sizes, batched)
        feed(later, cases[cut:], sizes, batched)
        merged = first.merge_state(later.export_state())
        results.append((merged, _state(first)))
    assert results[0] == results[1]


def test_signed_zero_keeps_the_first_rows_key() -> None:
    cases = [_case(i, {"e": v, "w": v}, 1.0) for i, v in enumerate([-0.0, 0.0, -0.0, 0.0])]
    state = _fed(cases, [4])
    assert state == _fed(cases, None) and state[0] == [((-0.0).hex(), 4)]


def test_a_full_counter_admits_no_new_placeholder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(qlt004, "_MAX_CONSTANTS", 2)
    cases = [_case(i, {"e": float(i // 4), "w": float(i // 4)}, 1.0) for i in range(16)]
    for sizes in ([4], [3], [16], [1, 7]):
        state = _fed(cases, sizes)
        assert state == _fed(cases, None) and [n for _, n in state[0]] == [4, 4]


@settings(max_examples=400, deadline=None)
@given(st.lists(_vector(), max_size=6))
def test_one_constant_is_each_rows_constant(vectors: list[Any]) -> None:
    value = _one_constant(vectors)
    if value is not None:
        assert all(_constant(v) == value for v in vectors)
    same = [
        type(v) is dict and len(v) >= 2 and all(type(x) is float for x in v.values())
        and len(v) == len(vectors[-1] or ())
        for v in vectors
    ]  # fmt: skip
    constants = {_constant(v) for v in vectors}
    if vectors and all(same) and len(constants) == 1 and None not in constants:
        assert value == constants.pop()  # the block path is taken when it can be


def test_a_placeholder_block_skips_the_row_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    visitor = _visitor()
    monkeypatch.setattr(qlt004, "_constant", lambda v: pytest.fail("row loop"))
    visitor.row_batch([_case(i, {"e": 50.0, "w": 50.0}, 1.5) for i in range(30)])
    assert list(visitor.constants.items()) == [(50.0, 30)]


@pytest.mark.parametrize("value", [1.0, 0.0, -0.0])
def test_bools_equal_to_the_placeholder_are_no_constant(value: float) -> None:
    """True == 1.0 and False == 0.0: a row of bools equals a 1.0 (0.0) placeholder as a
    dict, but `_constant` gives it None, and so does the block path."""
    flag = bool(value)
    for vectors in (
        [{"e": value, "w": value}, {"e": flag, "w": flag}],
        [{"e": value, "w": value}, {"e": value, "w": flag}],
        [{"e": value, "w": value}, {"e": 1 if flag else 0, "w": value}],
    ):
        cases = [_case(i, v, 1.0) for i, v in enumerate(vectors * 3)]
        assert _fed(cases, [6]) == _fed(cases, None)


def test_ints_and_reordered_keys_equal_to_the_placeholder_count() -> None:
    vectors = [
        {"e": 50.0, "w": 50.0},
        {"w": 50.0, "e": 50.0},
        {"e": 50, "w": 50.0},
        {"e": 50, "w": 50},
    ]
    cases = [_case(i, v, 1.0) for i, v in enumerate(vectors * 2)]
    assert _one_constant(vectors) == 50.0
    state = _fed(cases, [8])
    assert state == _fed(cases, None) and state[0] == [((50.0).hex(), 8)]
