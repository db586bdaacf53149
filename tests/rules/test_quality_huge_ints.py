"""QLT002/QLT008's shared sums and QLT004 on JSON integers too large for a float.

JSON allows integers of any length and the readers keep them as Python ints, so a
hard case can hold `"nostalgia": 10**400`. Added to the float sums such an int raised
OverflowError (an internal FTL001 error: QLT002 lost its findings, and QLT008 read the
sums of whatever rows came before the crash, which differed between the row and the
block paths). Now a row holding one is added as the floats it stands for: 10**400 is
Infinity (skipped as a non-finite value), 10**200 is 1e200 (its square overflows to
Infinity, so the spread is unknown, as for a float 1e200)."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.model import Evidence, HardCase, Provenance, Run
from ftlint.rules.quality._common import DimCollector
from ftlint.rules.quality.contaminated_quality_metric import _constant

KEYS = ("a", "b", "c")
RUN = Run(name="r", provenance=Provenance(target_keys=KEYS, target_scale=100.0))
HUGE = (10**400, -(10**400), 10**200, 2**1023 * 3 // 2)


def _case(i: int, p: dict[str, Any], t: dict[str, Any], a: dict[str, Any]) -> HardCase:
    ev = Evidence("outputs/r/hard_cases.valid.jsonl", i + 1, None, str(i), None)
    return HardCase(i + 1, str(i), "q", None, t, p, a, None, None, "", ev, {})


def _as_float(v: Any) -> Any:
    if type(v) is not int:
        return v
    try:
        return float(v)
    except OverflowError:
        return math.inf if v > 0 else -math.inf


def _floats(case: HardCase) -> HardCase:
    vec = [
        {k: _as_float(v) for k, v in d.items()}
        for d in (case.predicted_vector, case.target_vector, case.abs_error_raw)
    ]
    return _case(case.rank - 1, *vec)


def _state(col: DimCollector) -> list[tuple[Any, ...]]:
    out = []
    for s in col.dims.values():
        sums = tuple("nan" if math.isnan(x) else x for x in s.sums())
        worst = [(float(w[0]), w[1], w[2]) for w in s.worst]
        out.append((s.abs_n, s.n, s.pos, s.neg, sums, worst))
    return out


def _feed(cases: list[HardCase], size: int) -> DimCollector:
    col = DimCollector(RUN)
    for i in range(0, len(cases), size):
        block = cases[i : i + size]
        col.row_batch(block) if len(block) > 1 else col.row(block[0])
    return col


VALUE = st.one_of(st.integers(-50, 150), st.sampled_from(HUGE), st.sampled_from([1.5, None]))
ROW = st.tuples(*(st.fixed_dictionaries({k: VALUE for k in KEYS}) for _ in range(3)))


@settings(max_examples=150, deadline=None)
@given(st.lists(ROW, min_size=1, max_size=12), st.sampled_from([1, 2, 5, 64]))
def test_huge_ints_add_as_the_floats_they_stand_for(rows: list[Any], size: int) -> None:
    cases = [_case(i, p, t, a) for i, (p, t, a) in enumerate(rows)]
    got = _feed(cases, size)  # never raises
    assert _state(got) == _state(_feed(cases, 1))  # blocks add what rows add
    want = _feed([_floats(c) for c in cases], 1)
    assert got.rows == want.rows == len(cases)
    for mine, theirs in zip(_state(got), _state(want), strict=True):
        assert mine[:4] == theirs[:4]  # the same rows counted in each sum
        for x, y in zip(mine[4], theirs[4], strict=True):
            assert x == y or math.isclose(x, y, rel_tol=1e-12)  # (an int added exactly)


def test_a_huge_int_in_one_row_keeps_the_other_rows() -> None:
    cases = [
        _case(i, {"a": 50, "b": 50, "c": 50}, {"a": i, "b": i, "c": i}, {"a": 1, "b": 1, "c": 1})
        for i in range(40)
    ]
    cases[20] = _case(20, {"a": 50, "b": 50, "c": 10**400}, {"a": 3, "b": 3, "c": 3}, {})
    for size in (1, 7, 40):
        col = _feed(cases, size)
        assert [s.n for s in col.dims.values()] == [40, 40, 39]
        assert col.dims["c"].pred_std == 0.0


def test_qlt004_constant_prediction_of_huge_ints() -> None:
    assert _constant({"a": 10**400, "b": 10**400}) is None
    assert _constant({"a": 10**200, "b": 10**200}) == 1e200
    assert _constant({"a": 7, "b": 7}) == 7.0
