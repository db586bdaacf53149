"""PRV008's fast paths leave exactly what `row` of each row leaves: the block keys
(`_block_keys`), the set-and-dict tables while small (`_small`, turned into the arrays
on first use), the arrays' block loop (`_block_rows`), and the block reference keys
(`_references.block_references`), on rows of every shape: int, float (-0.0, NaN,
infinities, 0.5 against 2.0**60), big-int, bool, nested and string targets, choice
labels, missing and repeated ids, ids that do not pack, trace URLs and pointers,
whitespace variants, blank and non-str texts; in blocks of any size, past the small
bound and past the cap."""

from __future__ import annotations

import json
import math
import struct
from typing import Any

import pytest
from helpers import feed, prv008_visitor
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.model import Evidence, HardCase
from ftlint.rules.provenance import _references, _small
from ftlint.rules.provenance import duplicate_eval_rows as prv

M63 = (1 << 63) - 1
TEXTS = ["a b", "a  b", " a b", "a b ", "a\tb", "a\nb", "a\u00a0b", "é d", "c", "", "  ", None, 5]
IDS = [None, "0", "1", "2", "3", "12", "007", "", "x1", "1" * 13, "\uff11", 5]
_FLOAT = st.sampled_from(
    [0.0, -0.0, 0.5, 2.0**60, 1.0, 95.0, -1.0, -2.0, 1e300, math.nan, math.inf, -math.inf]
)
_INT = st.one_of(st.integers(-3, 100), st.sampled_from([10**30, 2**63, -(2**63) - 1, -1, -2]))
_KEY = st.sampled_from(["energy", "warmth", "a"])
TARGETS = st.one_of(
    st.none(),
    st.dictionaries(_KEY, _INT, min_size=1, max_size=3),
    st.dictionaries(_KEY, _FLOAT, min_size=1, max_size=3),
    st.dictionaries(_KEY, st.one_of(_INT, _FLOAT, st.booleans(), st.none()), max_size=3),
    st.sampled_from(
        [{}, "label", {"a": {"b": [1, 2.0]}}, {"a": "x"}, [1, 2], 3, {1: 2}, {"a": 1, 2: 3}]
    ),
)
RAWS = st.sampled_from(
    [{}, {}, {"contract": "choice", "label": "yes"}, {"contract": "choice", "label": 3}]
)


@st.composite
def rows(draw: Any, size: int = 40) -> list[HardCase]:
    """Rows mostly of the plain shape (so that blocks take the fast paths), with odd
    ones mixed in."""
    out = []
    for line in range(draw(st.integers(0, size))):
        plain = draw(st.integers(0, 3)) > 0
        sid = draw(st.sampled_from(IDS[1:7] if plain else IDS))
        ev_sid = sid if plain or draw(st.booleans()) else draw(st.sampled_from(IDS[:-1]))
        ev_sid = ev_sid if isinstance(ev_sid, str | None) else str(ev_sid)  # (typed str)
        text = draw(st.sampled_from(TEXTS[:9] if plain else TEXTS))
        path = "h.jsonl" if plain else draw(st.sampled_from(["h.jsonl", "g.jsonl"]))
        ev_line = line if plain else draw(st.sampled_from([line, None, -1, 2**34 - 1, True]))
        pointer = None if plain else draw(st.sampled_from([None, None, "/data/3"]))
        url = None if plain else draw(st.sampled_from([None, None, "https://x"]))
        ev = Evidence(path, ev_line, pointer, ev_sid, url)
        target = draw(TARGETS)
        raw = draw(RAWS)
        out.append(HardCase(1, sid, text, None, target, None, None, None, None, None, ev, raw))
    return out


def state(cases: list[HardCase], sizes: list[int] | None) -> Any:
    """Everything the visitor holds after `cases` (`row_batch` in blocks of `sizes`, or
    `row` each when None): its finding first (computed on the small tables when it is
    still on them), then the arrays, dicts and packer."""
    made: dict[str, Any] = {}
    visitor = prv008_visitor(made)
    feed(visitor, cases, sizes, sizes is not None)
    small = visitor.small is not None
    found = list(visitor.finish())
    return small, (
        repr(found),
        repr(made),
        list(visitor.examples.keys),
        visitor.examples.size,
        list(visitor.inputs.keys),
        [list(col) for col in visitor.inputs.cols],
        list(visitor.counts.items()),
        list(visitor.repeat_evidence.items()),
        visitor.conflicting,
        visitor.packer.paths,
        visitor.packer.kept,
        (visitor.capped, visitor.more_rows, visitor.more_inputs),
    )


@settings(max_examples=300, deadline=None)
@given(rows(), st.lists(st.integers(1, 12), min_size=1, max_size=3))
def test_blocks_on_the_small_tables_are_rows(cases: list[HardCase], sizes: list[int]) -> None:
    assert state(cases, sizes)[1] == state(cases, None)[1]


@settings(max_examples=200, deadline=None)
@given(
    rows(60),
    st.lists(st.integers(1, 12), min_size=1, max_size=3),
    st.integers(1, 12),
    st.integers(3, 40),
)
def test_blocks_past_the_small_bound_and_the_cap_are_rows(
    cases: list[HardCase], sizes: list[int], small_max: int, cap: int
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_small, "SMALL_MAX", small_max)
        patch.setattr(prv, "SMALL_MAX", small_max)
        patch.setattr(prv, "MAX_EXAMPLES", cap)
        assert state(cases, sizes)[1] == state(cases, None)[1]


def test_plain_rows_take_the_fast_paths_and_still_match() -> None:
    """Thousands of plain rows (some inputs repeated, floats and ints): the blocks stay
    on the set and dict, then on the arrays' block loop past a small bound."""
    cases = []
    for i in range(3000):
        zero = -0.0 if i % 2 else 0.0
        target = {"energy": float(i % 7), "warmth": i % 5} if i % 3 else {"a": zero}
        ev = Evidence("outputs/r/hard_cases.valid.jsonl", i + 1, None, str(i), None)
        text = f"input {i % 2200}"
        case = HardCase(1, str(i), text, None, target, None, None, None, None, None, ev, {})
        cases.append(case)
    small, batched = state(cases, [128, 7])
    assert small
    assert batched == state(cases, None)[1]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(prv, "SMALL_MAX", 700)
        assert state(cases, [128, 7])[1] == batched


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(TARGETS, RAWS), min_size=1, max_size=8))
def test_block_references_are_reference_keys(items: list[tuple[Any, Any]]) -> None:
    ev = Evidence("h.jsonl", 1, None, "1", None)
    cases = [HardCase(1, "1", "q", None, t, None, None, None, None, None, ev, r) for t, r in items]
    got = _references.block_references(cases)
    if got is not None:
        assert [h & M63 for h in got] == [_references.reference_key(c) for c in cases]


def _key(target: Any) -> Any:
    ev = Evidence("h.jsonl", 1, None, "1", None)
    case = HardCase(1, "1", "q", None, target, None, None, None, None, "", ev, {})
    return prv.reference_key(case)


@pytest.mark.parametrize("encoder", ["msgspec", "none"])
@settings(max_examples=300, deadline=None)
@given(a=TARGETS, b=TARGETS)
def test_reference_keys_meet_exactly_when_the_json_does(encoder: str, a: Any, b: Any) -> None:
    with pytest.MonkeyPatch.context() as patch:
        if encoder == "none":
            patch.setattr(_references, "ENCODE", None)
        ka, kb = _key(a), _key(b)
    try:
        ja, jb = (json.dumps(t, sort_keys=True) for t in (a, b))
    except TypeError:
        return  # (keys json cannot sort: no claim)
    if a is None or b is None:
        return
    assert (ka == kb) == (ja == jb), (a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"a": math.nan}, {"a": None}),  # (msgspec's JSON writes both as null)
        ({"a": math.inf}, {"a": -math.inf}),
        ({"a": math.inf}, {"a": math.nan}),
        ({"a": 10**30}, {"a": 10**30 + 1}),
        ({"a": True}, {"a": 1}),
        ({"a": 1}, {"a": 1.0}),
        ({"a": -0.0}, {"a": 0.0}),
        ({"a": 0.5}, {"a": 2.0**60}),
        ({"a": [1, 2]}, {"a": [2, 1]}),
    ],
)
def test_references_msgspec_cannot_tell_apart_stay_apart(a: Any, b: Any) -> None:
    assert _key(a) != _key(b)
    assert _key(a) == _key(dict(a))


def test_two_nans_meet_as_their_json_does() -> None:
    assert _key({"a": float("nan"), "b": 1.5}) == _key({"b": 1.5, "a": float("nan")})
    # (a NaN's sign and payload bits differ in MessagePack, not in JSON)
    payload = struct.unpack("<d", struct.pack("<Q", 0x7FF8_0000_0000_0001))[0]
    assert _key({"a": math.nan}) == _key({"a": -math.nan}) == _key({"a": payload})
    big = {"a": 2.0**1010, "b": -(2.0**1020)}  # (the float64's first byte is 0x7f or 0xff)
    assert _key(big) == _key(dict(big)) != _key({"a": 2.0**1010, "b": 2.0**1020})


@pytest.mark.parametrize("columns", [0, 1, 3])
@settings(max_examples=100, deadline=None)
@given(keys=st.lists(st.integers(1, 2**64 - 1) | st.integers(1, 5000), max_size=4000))
def test_tables_of_every_width_grow_as_dicts(columns: int, keys: list[int]) -> None:
    """`_Table._grow`'s unrolled loops (no value, three values) keep every key's values
    and put the keys where the general loop does."""
    from ftlint.rules.provenance._tables import _Table

    table, model = _Table(columns, slots=4), {}
    general = _Table(columns, slots=4)
    for n, key in enumerate(keys):
        slot = table.slot(key)
        if key in model:
            assert table.keys[slot] == key
            continue
        values = [n * 3 + c for c in range(columns)]
        table.put(slot, key, *values)
        general.keys[general.slot(key)] = key  # the same inserts, grown the general way
        for col, value in zip(general.cols, values, strict=True):
            col[general.slot(key)] = value
        general.size += 1
        if general.size * 4 > (general.mask + 1) * 3:
            _grow_generally(general)
        model[key] = values
    assert table.size == len(model)
    assert {k: [c[table.slot(k)] for c in table.cols] for k in model} == model
    assert list(table.keys) == list(general.keys)
    assert [list(c) for c in table.cols] == [list(c) for c in general.cols]


def _grow_generally(table: Any) -> None:
    """`_Table._grow` as it was before its unrolled loops: the reference layout."""
    from itertools import compress

    from ftlint.rules.provenance._tables import FULL_SLOTS, GROWTH, _Table

    old_keys, old_cols = table.keys, table.cols
    slots = GROWTH * len(old_keys)
    _Table.__init__(table, len(old_cols), FULL_SLOTS if slots * 4 == FULL_SLOTS else slots)
    keys, mask = table.keys, table.mask
    pairs = tuple(zip(table.cols, old_cols, strict=True))
    for i in compress(range(len(old_keys)), old_keys):
        slot = old_keys[i] & mask
        while keys[slot]:
            slot = (slot + 1) & mask
        keys[slot] = old_keys[i]
        for col, old in pairs:
            col[slot] = old[i]
        table.size += 1


def test_a_table_past_a_quarter_of_full_size_grows_to_full_size_once() -> None:
    """Past 49,152 keys the next growth is to FULL_SLOTS, which holds MAX_EXAMPLES at
    most 3/4 full: a big run's tables never grow (nor re-insert their keys) again."""
    from ftlint.rules.provenance._tables import FULL_SLOTS, _Table

    assert prv.MAX_EXAMPLES * 4 <= FULL_SLOTS * 3
    table = _Table(0)
    sizes = []
    for n in range(1, FULL_SLOTS // 16 * 3 + 2):
        key = n * 0x9E3779B97F4A7C15 & (1 << 64) - 1  # (odd multiplier: distinct, nonzero)
        table.put_key(table.slot(key), key)
        if not sizes or sizes[-1] != table.mask + 1:
            sizes.append(table.mask + 1)
    assert sizes == [1024, 4096, 16384, 65536, FULL_SLOTS]
