"""QLT004's block of finite float MAEs (`_PlaceholderVisitor._float_block`): its sums,
counts, lowest MAE and constant vectors held to the row path bit for bit (floats by
`float.hex`), on order-dependent sums, signed zeros, huge and non-finite values."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import pytest
from helpers import feed
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.model import Campaign, Evidence, HardCase, Provenance, Run
from ftlint.rule import RuleContext
from ftlint.rules.quality import contaminated_quality_metric as qlt004

_MAE = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(0, 100).map(lambda x: round(x, 2)),
    st.sampled_from([0.0, -0.0, 0.1, 0.2, 1e16, -1e16, 1.0, 1e308, 5e-324]),
)
_ODD_MAE = st.sampled_from([None, 3, float("nan"), math.inf, True])
_VECTOR = st.sampled_from(
    [None, {"energy": 50, "warmth": 50}, {"energy": 50.0, "warmth": 50}, {"energy": 1, "warmth": 2},
     {"energy": True, "warmth": 1}, {"energy": float("nan"), "warmth": 1.0}, {"energy": 7}]
)  # fmt: skip
#: texts the views read as parsed (a flat object) or failed (prose: no_json)
_TEXT = st.sampled_from(['{"energy": 1, "warmth": 2}', "no object here", "", None])


def _bits(x: Any) -> Any:
    if isinstance(x, float):
        return "nan" if math.isnan(x) else x.hex()
    return x


def _case(i: int, mae: Any, vector: Any, text: Any, error: Any) -> HardCase:
    ev = Evidence("h.jsonl", i, None, str(i), None)
    return HardCase(i, str(i), "x", None, None, vector, None, mae, error, text, ev, {})


def _state(cases: list[HardCase], sizes: list[int], batched: bool, logged: bool = False) -> Any:
    run = Run(
        name="r",
        hard_cases_path="h.jsonl",
        provenance=Provenance(target_keys=("energy", "warmth"), target_scale=100.0),
    )
    rule = qlt004.ContaminatedQualityMetric()
    ctx = RuleContext(rule, rule.param_defaults(), None, {}, Campaign(".", (run,)))
    visitor = rule.hard_case_visitor(run, ctx)
    if logged:
        visitor.begin_range()  # a worker's range under --jobs: MAE addends logged too
    feed(visitor, cases, sizes, batched)
    log = visitor.log
    return (
        None if log is None else ([x.hex() for x in log[0]], [x.hex() for x in log[1]]),
        visitor.rows,
        visitor.failed,
        visitor.failed_n,
        visitor.parsed_n,
        _bits(visitor.failed_sum),
        _bits(visitor.parsed_sum),
        _bits(visitor.min_mae),
        list(visitor.constants.items()),
        {k: [c.rank for c in v] for k, v in visitor.samples.cases.items()},
        [repr(f) for f in visitor.finish()],
    )


_ERROR = st.sampled_from([None, None, "json_block_not_found"])


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.tuples(_MAE, _VECTOR, _TEXT, _ERROR), max_size=40),
    st.lists(st.integers(1, 40), min_size=1, max_size=3),
)
def test_float_maes_are_the_row_sums_bit_for_bit(rows: list[Any], sizes: list[int]) -> None:
    cases = [_case(i, *row) for i, row in enumerate(rows)]
    assert _state(cases, sizes, True) == _state(cases, sizes, False)
    assert _state(cases, sizes, True, True) == _state(cases, sizes, False, True)


def test_a_logged_range_drops_its_log_at_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """In a worker's range the block path logs what `_viewed` logs, and past the cap
    both drop the log (the driver then reads the range), with the same sums."""
    cases = [_case(i, i / 7, None, None, "x" if i % 3 else None) for i in range(200)]
    full = _state(cases, [64], True, True)
    assert full == _state(cases, [64], False, True) and full[0] is not None
    assert len(full[0][0]) + len(full[0][1]) == 200
    monkeypatch.setattr(qlt004, "RANGE_LOG_CAP", 100)
    capped = _state(cases, [64], True, True)
    assert capped[0] is None and capped == _state(cases, [64], False, True)
    assert capped[1:] == full[1:]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.one_of(_MAE, _ODD_MAE), _VECTOR, _TEXT, _ERROR), max_size=30),
    st.lists(st.integers(1, 30), min_size=1, max_size=3),
)
def test_other_maes_take_the_loop(rows: list[Any], sizes: list[int]) -> None:
    cases = [_case(i, *row) for i, row in enumerate(rows)]
    assert _state(cases, sizes, True) == _state(cases, sizes, False)


def test_order_dependent_sums_and_the_first_least_mae() -> None:
    """1e16 then blocks of 1.0s: added one by one each 1.0 is lost, added as a block
    sum they are not (a sum that is not left to right from the stored one fails)."""
    maes = [1e16, 1.0, 1.0, -1e16, 0.1, 0.2, 0.3, -0.0, 0.0, -0.0, 3.5]
    parsed, failed = '{"energy": 1, "warmth": 2}', "no object"
    for texts in ([failed], ["{}"], [parsed], [parsed, failed], [failed, parsed, parsed]):
        cases = [
            _case(i, m, {"energy": 50, "warmth": 50}, texts[i % len(texts)], None)
            for i, m in enumerate(maes)
        ]
        for sizes in ([120], [1, 2], [3], [5]):
            assert _state(cases * 12, sizes, True) == _state(cases * 12, sizes, False)


def test_a_float_block_skips_the_row_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    cases = [_case(i, 0.5 * i, None, "no object" if i % 2 else '{"e": 1}', None) for i in range(50)]
    run = Run(name="r", hard_cases_path="h.jsonl", provenance=Provenance(target_keys=("e",)))
    rule = qlt004.ContaminatedQualityMetric()
    ctx = RuleContext(rule, rule.param_defaults(), None, {}, Campaign(".", (run,)))
    visitor = rule.hard_case_visitor(run, ctx)
    monkeypatch.setattr(qlt004, "math", SimpleNamespace(isfinite=lambda x: pytest.fail("loop")))
    visitor.row_batch(cases)
    assert (visitor.failed, visitor.parsed_n) == (25, 25)
