"""FMT008's fast Misra-Gries step (a table whose counts are all 1 is emptied in place,
without the comprehensions) and `finish`'s commonest text (taken in C, without a key
function per entry) are the code they replace: the step's comprehensions, and `min`
over (-count, text). The step is held to them on all-ones tables with a `first` that is
within `counts` or not (set from outside: the fast path must then look), and through
the row and block paths on streams of distinct texts that fill a small table again and
again."""

from __future__ import annotations

from typing import Any

from helpers import feed, fmt008_reference, fmt008_visitor
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.model import Evidence, HardCase
from ftlint.rules.format import degenerate_output as fmt008

KEYS = st.sampled_from(["a", "b", "c", "d", "e", "f", "g"])


def _case(line: int, text: Any) -> HardCase:
    ev = Evidence("h.jsonl", line, None, f"s{line}", None)
    return HardCase(line, f"s{line}", None, None, None, None, None, None, None, text, ev, {})


def _reference_step(counts: dict[str, int], first: dict[str, Any]) -> None:
    """The step as the comprehensions write it (a key of `first` that `counts` lacks
    is kept)."""
    kept = {key: count - 1 for key, count in counts.items() if count > 1}
    held = {k: v for k, v in first.items() if k in kept or k not in counts}
    first.clear()
    first.update(held)
    counts.clear()
    counts.update(kept)


def _stepped(counts: dict[str, int], first: dict[str, Any]) -> tuple[Any, ...]:
    visitor = fmt008_visitor()
    visitor.counts = dict(counts)
    visitor.first = dict(first)
    saved = fmt008._HEAVY_HITTERS
    fmt008._HEAVY_HITTERS = len(counts)
    try:
        visitor._text(_case(1, "a text no table holds"), "a text no table holds")
    finally:
        fmt008._HEAVY_HITTERS = saved
    return list(visitor.counts.items()), list(visitor._first.items()), visitor.evicted


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(KEYS, st.sampled_from([1, 1, 1, 1, 2, 3, 4]), min_size=1),
    st.lists(KEYS, unique=True),
)
def test_a_step_is_the_comprehensions(counts: dict[str, int], order: list[str]) -> None:
    """All-ones tables (the fast path) and others, with a `first` set from outside in
    any order: within `counts` or holding keys it lacks (those stay)."""
    first = {key: [(key, None)] for key in order}
    want_counts, want_first = dict(counts), dict(first)
    _reference_step(want_counts, want_first)
    assert _stepped(counts, first) == (list(want_counts.items()), list(want_first.items()), 1)


def test_a_table_of_distinct_texts_empties_in_place() -> None:
    visitor = fmt008_visitor()
    saved = fmt008._HEAVY_HITTERS
    fmt008._HEAVY_HITTERS = 3
    try:
        visitor.row_batch([_case(i + 1, text) for i, text in enumerate("xyz")])
        counts, first = visitor.counts, visitor._first
        visitor.row_batch([_case(4, "w")])  # a step: every count was 1
        assert visitor.counts is counts and visitor._first is first  # (held by the loop)
        assert counts == {} and first == {} and visitor.evicted == 1
    finally:
        fmt008._HEAVY_HITTERS = saved


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(0, 40), max_size=80),
    st.sampled_from([1, 2, 3, 5]),
    st.one_of(st.none(), st.lists(st.integers(1, 9), min_size=1, max_size=3)),
)
def test_streams_of_mostly_distinct_texts(
    numbers: list[int], table: int, sizes: list[int] | None
) -> None:
    """Mostly new texts fill a small table and empty it again (the fast path), now
    and then a repeat keeps a count above 1 (the comprehensions): the tables, the
    steps and the samples of `first` are the reference's, by rows and by blocks."""
    texts = [f"text {n}" if n % 7 else "" for n in numbers]
    cases = [_case(i + 1, text) for i, text in enumerate(texts)]
    counts, first, steps = fmt008_reference(cases, 5, table)
    saved = fmt008._HEAVY_HITTERS
    fmt008._HEAVY_HITTERS = table
    try:
        visitor = fmt008_visitor()
        feed(visitor, cases, sizes)
        assert list(visitor.counts.items()) == list(counts.items())
        assert visitor.evicted == steps
        assert list(visitor.first) == list(counts)  # a counted text's rows, no other
        assert dict(visitor.first) == first
    finally:
        fmt008._HEAVY_HITTERS = saved


#: the texts FMT008 counts are in normal form (`" ".join(text.split())`): never two
#: spaces in a row, which a message would show collapsed (hypothesis once drew '  ')
_NORMAL_TEXTS = st.text(max_size=4).map(lambda text: " ".join(text.split()))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_NORMAL_TEXTS, st.integers(1, 4), min_size=1))
def test_the_commonest_text_is_min_over_count_then_text(counts: dict[str, int]) -> None:
    """`finish` names the text `min(items, key=(-count, text))` names (a tie: the
    least text), with its count, in the message and the measurements."""
    text, count = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    visitor = fmt008_visitor()
    visitor.rows = count  # (a share of 1: reported whenever count reaches the minimum)
    visitor.counts = dict(counts)
    visitor.first = {key: [] for key in counts}
    found = [f for f in visitor.finish() if f.measurements.get("identical") is not None]
    if count < 2:  # identical_min_count
        assert found == []
        return
    (finding,) = found
    assert finding.measurements["identical"] == count
    shown = text if len(text) <= 80 else text[:77] + "..."
    assert f"the same text {shown!r}" in finding.message
