"""The block shortcuts of the quality visitors give exactly what their `row`s give:
QLT006's key cache by stem (`STEMS`) and QLT002/QLT008's column-wise sums."""

from __future__ import annotations

import types
from typing import Any

from helpers import feed
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.model import Evidence, HardCase
from ftlint.rules.quality.request_pattern_cluster import (
    STEMS,
    RequestPatternCluster,
    _TemplateVisitor,
    template_key,
)

_PIECES = ["sample", "Sample", "example", "item", "row", "variant", "Variant-", "var", "#", " ",
           "  ", ",", "(", ")", "]", "ΑΣ", "Σ", "İ", "ß", "x", "12", "٣", "²", "_", ".", ":",
           "-", "\t", "calm piano", "a" * 30]  # fmt: skip
_STEM = st.lists(st.sampled_from(_PIECES), max_size=8).map(lambda p: "".join(p) + " ")
_DIGITS = st.text(alphabet=st.sampled_from(STEMS), min_size=1, max_size=45)


@settings(max_examples=1500, deadline=None)
@given(_STEM, _DIGITS, st.data())
def test_a_stem_key_depends_on_the_digit_count_only(stem: str, digits: str, data: Any) -> None:
    other = data.draw(st.text(alphabet=st.sampled_from(STEMS), min_size=len(digits),
                              max_size=len(digits)))  # fmt: skip
    assert template_key(stem + digits) == template_key(stem + other)


def _case(i: int, text: Any, mae: Any, error: Any) -> HardCase:
    ev = Evidence("h.jsonl", i, None, str(i), None)
    return HardCase(i, str(i), text, None, None, None, None, mae, error, None, ev, {})


def _clusters(
    cases: list[HardCase], sizes: list[int], batched: bool, logged: bool = False, **params: Any
) -> Any:
    ctx = types.SimpleNamespace(params={**RequestPatternCluster.param_defaults(), **params})
    visitor = _TemplateVisitor(None, ctx)  # type: ignore[arg-type]
    if logged:
        visitor.begin_range()  # a worker's range under --jobs: MAE addends logged too
    feed(visitor, cases, sizes, batched)
    out = {
        k: (c.first, c.count, c.unparsed, c.err_n, c.err_sum, c.members)
        for k, c in visitor.clusters.items()
    }
    log = None if visitor.log is None else {k: list(v) for k, v in visitor.log.items()}
    return out, visitor.total, visitor.distinct, visitor.pruned, log


#: few stems, so that texts of one stem meet a cluster another made (a wrong cache hit)
_FEW = st.sampled_from(["calm piano, sample ", "a" * 27 + " sample ", "x", "calm piano", "Σ "])
_NUMBER = st.sampled_from(["1", "2", "12", "123", "1234", "12345678901234"])
_TEXT = st.one_of(
    st.builds(lambda s, d: s + d, _STEM, _DIGITS),
    st.builds(lambda s, d: s + d, _FEW, _NUMBER),
    st.sampled_from(["", "  ", "7", " 7", "x" * 2001 + " 3", "calm 3 piano", None, 5]),
    st.text(alphabet=st.sampled_from(["a", " ", "1", "Σ", "s"]), max_size=10),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            _TEXT,
            st.sampled_from([None, 1.5, 2.0, float("nan"), 3]),
            st.sampled_from([None, "x"]),
        ),
        max_size=40,
    ),
    st.lists(st.integers(1, 9), min_size=1, max_size=3),
    st.sampled_from([100, 20000]),
    st.booleans(),
)
def test_qlt006_row_batch_is_row(
    rows: list[Any], sizes: list[int], most: int, logged: bool
) -> None:
    cases = [_case(i, *row) for i, row in enumerate(rows)]
    assert _clusters(cases, sizes, True, logged, max_templates=most) == _clusters(
        cases, sizes, False, logged, max_templates=most
    )


def test_qlt006_row_batch_logs_as_row_does_up_to_the_cap(monkeypatch: Any) -> None:
    """A worker's range logs each MAE addend in row order; at the cap the log is
    dropped (the driver then reads the range itself), from the same row either way."""
    from ftlint.rules.quality import _common

    cases = [_case(i, f"calm piano, sample {i}", i / 7, None) for i in range(300)]
    full = _clusters(cases, [64, 7], True, True)
    assert full == _clusters(cases, [64, 7], False, True)
    assert sum(map(len, full[4].values())) == 300
    monkeypatch.setattr(_common, "RANGE_LOG_CAP", 150)  # (`log_addend`'s bound)
    capped = _clusters(cases, [64, 7], True, True)
    assert capped == _clusters(cases, [64, 7], False, True)
    assert capped[4] is None and capped[:4] == full[:4]


def test_qlt006_many_stems_clear_the_cache_and_count_as_row_does() -> None:
    cases = [_case(i, f"request {i % 5000} sample {i}", 1.0, None) for i in range(12000)]
    assert _clusters(cases, [256], True) == _clusters(cases, [256], False)


def test_qlt006_stems_of_other_shapes_and_lengths_keep_their_keys() -> None:
    window = "a" * 27 + " sample "  # the suffix window ends inside these digits
    texts = ["calm piano7", "calm piano8", window + "1", window + "1" * 40, window + "2",
             window + "3" * 40, "x" * 1997 + " 3", "x" * 1997 + " 34", "x" * 1999 + " 3",
             "x" * 1998 + " 34", "," * 9 + "y 3", "," * 1998 + "y 3"]  # fmt: skip
    cases = [_case(i, texts[i % len(texts)], 1.0, None) for i in range(5 * len(texts))]
    batched = _clusters(cases, [4, 9], True)
    assert batched == _clusters(cases, [4, 9], False)
    assert len(batched[0]) == 9


# -- QLT002/QLT008: the column-wise sums of a block ---------------------------------------

_DIMS = ("energy", "warmth", "brightness")
_NUM = st.one_of(
    st.integers(0, 100),
    st.sampled_from([True, False, 1.5, None, "7", -3, 10**400, 2**60, 2.0, 95.0, -3.0, 2.0**60]),
)
#: the real writer's vectors: `float(...)` of integers
_WHOLE = st.integers(0, 100).map(float)
_VEC = st.one_of(
    st.fixed_dictionaries({d: st.integers(0, 100) for d in _DIMS}),
    st.fixed_dictionaries({d: _WHOLE for d in _DIMS}),
    st.fixed_dictionaries({d: st.one_of(_WHOLE, st.sampled_from([0.5, 2.25])) for d in _DIMS}),
    st.fixed_dictionaries({d: st.integers(0, 100) for d in _DIMS[:2]}),
    st.dictionaries(st.sampled_from([*_DIMS, "other"]), _NUM, max_size=4),
    st.none(),
)


def _dim_state(
    cases: list[HardCase], sizes: list[int], batched: bool, keys: Any, split: bool = False
) -> Any:
    from ftlint.model import Provenance, Run
    from ftlint.rules.quality._common import DimCollector

    collector = DimCollector(Run(name="r", provenance=Provenance(target_keys=keys)))
    if split:
        collector.begin_split()  # a range of a split file: 95.0 keeps the sums exact
    feed(collector, cases, sizes, batched)
    dims = {
        d: (s.abs_n, s.n, s.pos, s.neg, s.floor, s.worst, s.sums())
        for d, s in collector.dims.items()
    }
    return dims, collector.rows, collector.unparsed, collector.inexact


def _dim_case(i: int, p: Any, t: Any, e: Any, error: Any) -> HardCase:
    ev = Evidence("h.jsonl", i, None, str(i), None)
    return HardCase(i, str(i), "x", None, t, p, e, None, error, None, ev, {})


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(_VEC, _VEC, _VEC, st.sampled_from([None, None, "bad"])), max_size=30),
    st.lists(st.integers(1, 12), min_size=1, max_size=3),
    st.sampled_from([_DIMS, _DIMS[:1], None]),
    st.booleans(),
)
def test_dimension_columns_of_a_block_are_the_row_sums(
    rows: list[Any], sizes: list[int], keys: Any, split: bool
) -> None:
    cases = [_dim_case(i, *row) for i, row in enumerate(rows)]
    batched = _dim_state(cases, sizes, True, keys, split)
    assert batched == _dim_state(cases, sizes, False, keys, split)
    if not split:  # telling whole floats apart changes nothing but the flag
        return
    plain = _dim_state(cases, sizes, True, keys)
    assert batched[:3] == plain[:3] and (plain[3] or not batched[3])


def _whole_rows(n: int, offset: int = 0, half: bool = False) -> list[HardCase]:
    return [
        _dim_case(
            i + offset,
            {d: float((i * 7) % 101) + (0.5 if half and i == n // 2 else 0.0) for d in _DIMS},
            {d: float((i * 3) % 97) for d in _DIMS},
            {d: float(abs((i * 7) % 101 - (i * 3) % 97)) for d in _DIMS},
            None,
        )
        for i in range(n)
    ]


def test_whole_float_ranges_of_a_split_file_merge_as_one_pass() -> None:
    """Two ranges of the real writer's vectors (integer-valued floats) merge into what
    one pass over both gives; one non-integer value declines the merge (the driver
    then reads that range itself), and without `begin_split` floats always decline."""
    from ftlint.model import Provenance, Run
    from ftlint.rules.quality._common import DimCollector

    def collector(cases: list[HardCase], split: bool = True) -> Any:
        c = DimCollector(Run(name="r", provenance=Provenance(target_keys=_DIMS)))
        if split:
            c.begin_split()
        feed(c, cases, [128], True)
        return c

    def state(c: Any) -> Any:
        return {d: (s.abs_n, s.n, s.pos, s.neg, s.worst, s.sums()) for d, s in c.dims.items()}

    first, later = _whole_rows(700), _whole_rows(500, offset=700)
    whole = collector(first + later)
    merged = collector(first)
    assert merged.merge_state(collector(later).export_state())
    assert state(merged) == state(whole) and merged.rows == whole.rows
    halves = collector(first)
    assert not halves.merge_state(collector(_whole_rows(500, 700, half=True)).export_state())
    assert not collector(first, split=False).merge_state(collector(later).export_state())


def test_many_int_rows_keep_the_worst_rows_as_row_does() -> None:
    cases = [
        _dim_case(
            i,
            {d: (i * 7) % 101 for d in _DIMS},
            {d: (i * 3) % 97 for d in _DIMS},
            {d: (i * 13) % 89 for d in _DIMS},
            None,
        )
        for i in range(3000)
    ]
    assert _dim_state(cases, [256, 5], True, _DIMS) == _dim_state(cases, [256, 5], False, _DIMS)


def _types(cases: list[HardCase], sizes: list[int], batched: bool, logged: bool) -> Any:
    from ftlint.rules.quality.source_type_concentration import SourceTypeConcentration

    rule = SourceTypeConcentration()
    ctx = types.SimpleNamespace(params=rule.param_defaults())
    run = types.SimpleNamespace(name="r")
    visitor = rule.hard_case_visitor(run, ctx)  # type: ignore[arg-type]
    if logged:
        visitor.begin_range()
    feed(visitor, cases, sizes, batched)
    log = None if visitor.log is None else {k: list(v) for k, v in visitor.log.items()}
    counts = {
        k: (t.count, t.unparsed, t.err_sum, t.err_n, t.evidence) for k, t in visitor.types.items()
    }
    return counts, log


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["request_text", "rule_prompt", "", None, 5]),
            st.sampled_from([None, 1.5, 2.0, float("nan"), 3, 0.1]),
            st.sampled_from([None, "x"]),
        ),
        max_size=40,
    ),
    st.lists(st.integers(1, 9), min_size=1, max_size=3),
    st.booleans(),
)
def test_qlt005_row_batch_is_row(rows: list[Any], sizes: list[int], logged: bool) -> None:
    cases = []
    for i, (source, mae, error) in enumerate(rows):
        ev = Evidence("h.jsonl", i, None, str(i), None)
        cases.append(HardCase(i, str(i), "q", source, None, None, None, mae, error, None, ev, {}))
    assert _types(cases, sizes, True, logged) == _types(cases, sizes, False, logged)
