"""PRV008's fast paths of a big run held to their exact forms: the printable check and
the decimal-id check of `_block_keys`, the unsigned view of the block keys, the packed
first rows `materialize` computes a run at a time (`_small._codes`), and the
interleaved `_Table` (its views, `value`, `put3` and growth) against a dict."""

from __future__ import annotations

import math
import struct
from pathlib import Path
from typing import Any

from helpers import feed, prv008_visitor
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_prv008_block_keys import rows

from ftlint.model import Evidence, HardCase
from ftlint.rules.provenance import _block_keys, _block_rows, _references, _small
from ftlint.rules.provenance._tables import (
    FULL_SLOTS,
    LIMIT34,
    _decimal,
    _EvidencePacker,
    _Table,
)

M64 = (1 << 64) - 1
M63 = (1 << 63) - 1
_TEXT = st.text(st.sampled_from("ab 0\t\n\x00\x1f\x7f\x80\xa0é\u2028\u200b"), max_size=12)


@settings(max_examples=500, deadline=None)
@given(st.one_of(_TEXT, st.text(max_size=12)))
def test_printable_is_isprintable(text: str) -> None:
    assert _block_keys._printable(text) == text.isprintable()


_ID = st.one_of(
    st.sampled_from(["0", "00", "01", "10", "7", "007", "", "1" * 12, "1" * 13, "\uff11", "x"]),
    st.integers(0, 10**13).map(str),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_ID, min_size=1, max_size=6))
def test_decimals_is_each_id_packing(ids: list[str]) -> None:
    assert _block_keys._decimals(ids) == all(_decimal(i) > 0 for i in ids)


@given(st.lists(st.integers(-(2**63), 2**63 - 1), max_size=20))
def test_unsigned_view_is_the_mask(hashes: list[int]) -> None:
    assert list(_block_rows._unsigned(hashes)) == [h & M64 for h in hashes]
    assert list(_small._unsigned(hashes)) == [h & M64 for h in hashes]


_LINE = st.one_of(st.integers(0, 50), st.sampled_from([None, -1, LIMIT34 - 2, LIMIT34 - 1, True]))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(_LINE, _ID, st.integers(0, 2)), min_size=1, max_size=12),
    st.booleans(),
)
def test_codes_of_a_run_are_packed_rows(rows: list[tuple[Any, str, int]], packed: bool) -> None:
    """`_codes` gives each first row's `_EvidencePacker.pack` code, whether a run is
    packed in C calls (every row packs) or row by row."""
    packer = _EvidencePacker()
    paths = ["p0", "p1", "p2"]
    for path in paths:
        packer.paths[path] = len(packer.paths)
    small = _small.Small()
    for n, (line, sid, where) in enumerate(rows):
        small.run(where)
        small.keys.append(n + 1)
        small.los.append(line)
        small.his.append(sid)
    if packed:  # (a run of already packed codes too)
        small.run(_small.PACKED)
        small.keys.append(len(rows) + 1)
        small.los.append(5)
        small.his.append(7)
    lows, highs = _small._codes(small, packer, dict(enumerate(paths)))
    model = _EvidencePacker()
    model.paths = dict(packer.paths)
    want = [
        model.pack(n + 1, Evidence(paths[where], line, None, sid, None))
        for n, (line, sid, where) in enumerate(rows)
    ]
    if packed:
        want.append(7 << 64 | 5)
    assert [hi << 64 | lo for lo, hi in zip(lows, highs, strict=True)] == want
    assert packer.kept == model.kept


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 2**64 - 1) | st.integers(1, 3000), max_size=3000))
def test_interleaved_table_is_a_dict(keys: list[int]) -> None:
    table: _Table = _Table(3, slots=4)
    model: dict[int, tuple[int, int, int]] = {}
    for n, key in enumerate(keys):
        slot = table.slot(key)
        if key in model:
            assert table.keys[slot] == key
            continue
        model[key] = (n, n * 7 % 5, M64 - n)
        table.put3(slot, key, *model[key])
    assert table.size == len(model) == sum(1 for k in table.keys if k)
    cols = table.cols
    for key, values in model.items():
        slot = table.slot(key)
        assert tuple(c[slot] for c in cols) == values
        assert tuple(table.value(slot, c) for c in range(3)) == values
        assert list(table.data[slot * 4 : slot * 4 + 4]) == [key, *values]


NEG_NAN = struct.unpack("<d", struct.pack("<Q", 0xFFF8_0000_0000_0001))[0]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["a", "b"]),
            st.sampled_from([95.0, -2.0, -math.inf, math.inf, math.nan, NEG_NAN, -(2.0**1020)]),
            min_size=1,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_block_references_with_maybe_nans_are_reference_keys(targets: list[Any]) -> None:
    """The block's NaN check (a byte 0x7f or 0xff, then the float64 marker before it)
    sends exactly the blocks `reference_key` would key by their JSON text row by row."""
    ev = Evidence("h.jsonl", 1, None, "1", None)
    cases = [HardCase(1, "1", "q", None, t, None, None, None, None, None, ev, {}) for t in targets]
    got = _references.block_references(cases)
    if got is not None:
        assert [h & M63 for h in got] == [_references.reference_key(c) for c in cases]
    floats = [v for t in targets for v in t.values()]
    assert (got is None) == any(v != v or abs(v) > 2.0**1000 for v in floats)


def test_a_big_file_starts_on_full_size_arrays(tmp_path: Path) -> None:
    """The visitor of a hard-case file of `BIG_BYTES` or more skips the sets."""
    from types import SimpleNamespace

    from ftlint.rules.provenance import duplicate_eval_rows as prv

    made = {}
    for size, big in ((prv.BIG_BYTES, True), (prv.BIG_BYTES - 1, False), (None, False)):
        run = SimpleNamespace(
            hard_cases_path="h.jsonl", hard_cases_bytes=size, row_files=(), provenance=None
        )
        ctx = SimpleNamespace(campaign=SimpleNamespace(root=tmp_path), params=made)
        visitor = prv._Repeats(prv.DuplicateEvalRows(), run, ctx)  # type: ignore[arg-type]
        assert (visitor.small is None) == big
        assert (visitor.examples.mask + 1 == FULL_SLOTS) == big
        assert (visitor.inputs.mask + 1 == FULL_SLOTS) == big


@settings(max_examples=200, deadline=None)
@given(
    rows(60),
    st.lists(st.integers(1, 12), min_size=1, max_size=3),
    st.sampled_from([4, 16, 1024]),
)
def test_blocks_on_arrays_from_the_start_are_rows(
    cases: list[HardCase], sizes: list[int], slots: int
) -> None:
    """A visitor started on arrays (`on_arrays`) leaves after blocks what `row` of each
    row leaves on the same start."""
    assert _arrays_state(cases, sizes, slots) == _arrays_state(cases, None, slots)


def _arrays_state(cases: list[HardCase], sizes: list[int] | None, slots: int) -> Any:
    made: dict[str, Any] = {}
    visitor = prv008_visitor(made)
    visitor.on_arrays(slots)
    feed(visitor, cases, sizes, sizes is not None)
    found = repr(list(visitor.finish()))
    return (found, repr(made), list(visitor.examples.keys), list(visitor.inputs.keys),
            [list(c) for c in visitor.inputs.cols], list(visitor.counts.items()),
            list(visitor.repeat_evidence.items()), visitor.conflicting, visitor.packer.kept,
            visitor.examples.size, visitor.inputs.size)  # fmt: skip


#: 768 keys, then one whose probe wraps to slot 0 of the 1,024-slot table: which of it
#: and 1023 comes first in the 4,096-slot one depends on when the table grew
WRAPS = [*range(1, 768), 1023, 1023 + 4096, *range(5000, 5100)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 2**64 - 1) | st.integers(1, 4000), min_size=700, max_size=3500))
@example(WRAPS)
def test_materialize_fills_tables_as_puts_do(keys: list[int]) -> None:
    """`_small._fill_keys` and `_fill_inputs` (materialize's inlined inserts) leave the
    slots, sizes and growths that `put_key` and `put3` of each key leave."""
    keys = list(dict.fromkeys(keys))  # (new, distinct keys, as materialize has them)
    filled, putted = _Table(0), _Table(0)
    _small._fill_keys(filled, keys)
    for key in keys:
        putted.put_key(putted.slot(key), key)
    assert (filled.size, filled.mask) == (putted.size, putted.mask)
    assert filled.data == putted.data
    refs = [_small.NONE if k % 3 == 0 else k * 7 - (1 << 62) for k in keys]
    lows, highs = [k % 1000 for k in keys], [k % 77 for k in keys]
    filled, putted = _Table(3), _Table(3)
    _small._fill_inputs(filled, keys, refs, lows, highs)
    for key, ref, lo, hi in zip(keys, refs, lows, highs, strict=True):
        stored = 0 if ref == _small.NONE else (ref & M63) + 1
        putted.put3(putted.slot(key), key, stored, lo, hi)
    assert (filled.size, filled.mask) == (putted.size, putted.mask)
    assert filled.data == putted.data


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 2**64 - 1) | st.integers(1, 3000), max_size=1500), st.data())
def test_a_fitted_table_holds_the_same_keys_and_values(keys: list[int], data: Any) -> None:
    """`fitted` (what a `--jobs` worker sends): the same keys and values, in the fewest
    slots from 1024 that hold them at most 3/4 full when that is a quarter or less of
    the slots; else the table itself."""
    width = data.draw(st.sampled_from([0, 3]))
    table: _Table = _Table(width, slots=data.draw(st.sampled_from([1024, 4096, 1 << 14])))
    model: dict[int, tuple[int, ...]] = {}
    for n, key in enumerate(keys):
        slot = table.slot(key)
        if key not in model:
            model[key] = (n, n * 7 % 5, M64 - n)[:width]
            table.put(slot, key, *model[key])
    fitted = table.fitted()
    slots = 1024
    while len(model) * 4 > slots * 3:
        slots *= 2
    if slots * 4 > table.mask + 1:
        assert fitted is table
        return
    assert fitted is not table and fitted.mask + 1 == slots and fitted.size == len(model)
    assert sum(1 for k in fitted.keys if k) == len(model)
    for key, values in model.items():
        slot = fitted.slot(key)
        assert fitted.keys[slot] == key
        assert tuple(fitted.value(slot, c) for c in range(width)) == values


def test_a_big_files_arrays_are_made_on_first_use(monkeypatch: Any) -> None:
    """A big file's visitor promises full-size arrays and makes them when the first row
    comes: a `--jobs 2` split halves the promise first, so the driver never makes (and
    drops) the 40 MB full-size arrays before the fork; the rows leave what they leave
    on arrays made at once."""
    from ftlint.rules.provenance import duplicate_eval_rows as prv

    monkeypatch.setattr(prv, "_starts_big", lambda run: True)
    visitor = prv008_visitor({})
    assert visitor.small is None and visitor.pending == FULL_SLOTS
    assert visitor._examples.mask + 1 < FULL_SLOTS  # (the small first tables only)
    visitor.begin_split()
    assert visitor.pending == FULL_SLOTS // 2
    visitor.begin_split()  # (a second hook halves the promise again, as it would a table)
    assert visitor.pending == FULL_SLOTS // 4
    ev = Evidence("h.jsonl", 0, None, "7", None)
    case = HardCase(1, "7", "same text", None, None, None, None, None, None, None, ev, {})
    visitor.row(case)
    assert visitor.pending == 0 and visitor.examples.mask + 1 == FULL_SLOTS // 4
    assert visitor.examples.size == 1 and visitor.inputs.size == 1
    unsplit = prv008_visitor({})
    assert unsplit.pending == FULL_SLOTS and unsplit.inputs.mask + 1 == FULL_SLOTS
    assert unsplit.pending == 0
