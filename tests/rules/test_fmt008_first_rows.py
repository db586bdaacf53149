"""FMT008 keeps a text's first row as its bare `Evidence` (no list, no tuple per new
text) and makes the `first` table of lists only when it is read: the table read back
(`first`, `export_state`, a `merge_state` into a visitor fed before) equals the one a
plain reference keeps, row by row, with lists from the start: any sample limit, labels
from sample ids or ranks, evidence whose sample_id is another object or another value,
tables small enough for Misra-Gries steps, blocks and single rows, with and without the
block scan (`ahocorasick-rs`)."""

from __future__ import annotations

from typing import Any

from helpers import feed, fmt008_reference, fmt008_visitor
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.model import Evidence, HardCase
from ftlint.rules.format import degenerate_output as fmt008
from ftlint.rules.security import _block_hints

TEXTS = st.sampled_from(["a", "b", "c", "d", "e", " a", "a\nb", "a  b", "", "\t", "x y"])
#: a row's sample id, and how its evidence names it: the same object, an equal copy,
#: another id, or none
SIDS = st.tuples(st.sampled_from([None, "s1", "s2"]), st.sampled_from(["same", "copy", "other"]))


def _case(line: int, text: Any, sid: str | None, how: str) -> HardCase:
    named = sid
    if sid is not None and how == "copy":
        named = "".join(list(sid))  # equal, not the same object
    elif how == "other":
        named = f"ev{line}"
    ev = Evidence("h.jsonl", line, None, named, None)
    return HardCase(line, sid, None, None, None, None, None, None, None, text, ev, {})


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.tuples(TEXTS, SIDS), max_size=50),
    limit=st.sampled_from([1, 2, 5]),
    table=st.sampled_from([2, 3, 1024]),
    sizes=st.one_of(st.none(), st.lists(st.integers(1, 9), min_size=1, max_size=3)),
    scan=st.booleans(),
)
def test_first_rows_equal_the_reference(
    rows: list[Any], limit: int, table: int, sizes: list[int] | None, scan: bool
) -> None:
    cases = [_case(i + 1, text, sid, how) for i, (text, (sid, how)) in enumerate(rows)]
    counts, first, _ = fmt008_reference(cases, limit, table)
    saved_table, saved_search = fmt008._HEAVY_HITTERS, _block_hints._SEARCH[:]
    fmt008._HEAVY_HITTERS = table
    if not scan:
        _block_hints._SEARCH[:] = [None]
    try:
        visitor = fmt008_visitor(limit)
        feed(visitor, cases, sizes)
        state = visitor.export_state()
        assert list(state[3].items()) == list(counts.items())
        assert list(state[4].items()) == list(first.items())
        assert all(type(kept) is list for kept in state[4].values())
        assert list(visitor.first.items()) == list(first.items())
    finally:
        fmt008._HEAVY_HITTERS = saved_table
        _block_hints._SEARCH[:] = saved_search


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.tuples(TEXTS, SIDS), max_size=40),
    cut=st.integers(0, 40),
    limit=st.sampled_from([1, 2, 5]),
    sizes=st.lists(st.integers(1, 9), min_size=1, max_size=3),
)
def test_merge_into_a_fed_visitor_equals_the_reference(
    rows: list[Any], cut: int, limit: int, sizes: list[int]
) -> None:
    """A driver fed its range by blocks (bare evidence in its table) merges a worker's
    exported range as one pass over both would keep them (the table is large enough:
    no step, so the merge is exact)."""
    cases = [_case(i + 1, text, sid, how) for i, (text, (sid, how)) in enumerate(rows)]
    driver, worker = fmt008_visitor(limit), fmt008_visitor(limit)
    feed(driver, cases[:cut], sizes)
    feed(worker, cases[cut:], sizes)
    driver.merge_ahead([worker.export_state()])
    assert driver.merge_state(worker.export_state())
    counts, first, _ = fmt008_reference(cases, limit, 1024)
    assert dict(driver.counts) == counts
    assert {key: kept for key, kept in driver.first.items()} == first
    one = fmt008_visitor(limit)
    feed(one, cases, None)
    assert [repr(f) for f in driver.finish()] == [repr(f) for f in one.finish()]
