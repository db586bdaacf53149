"""`_tables.shared_keys`: the keys two PRV008 tables share, found a part of the slots at a
time (the `--jobs` driver never builds a set of every key), must be exactly the
intersection of the tables' key sets: tables of any sizes (a fitted worker table is
smaller than the driver's), keys that pile up in runs, runs that wrap round a table's
end and runs longer than a part."""

from __future__ import annotations

from itertools import compress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.rules.provenance import _tables
from ftlint.rules.provenance._tables import _Table, shared_keys


def _table(keys: list[int], width: int, slots: int) -> _Table:
    table = _Table(width - 1, slots)
    for key in keys:
        at = table.slot(key)
        if not table.keys[at]:
            table.put(at, key, *range(width - 1))
    return table


def _keys(table: _Table) -> set[int]:
    return set(compress(table.keys, table.keys))


#: keys that share their low bits (one run of linear probing), near the end of a table
#: of any size up to 2**12 slots (runs that wrap), random ones, and tiny ones
_clustered = st.builds(lambda high, low: high << 12 | low, st.integers(0, 2**52 - 1),
                       st.integers(4000, 4095))  # fmt: skip
_keys_st = st.one_of(st.integers(1, 2**64 - 1), _clustered, st.integers(1, 64))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_keys_st, max_size=400),
    st.lists(_keys_st, max_size=400),
    st.lists(_keys_st, max_size=60),
    st.sampled_from([1, 4]),
    st.sampled_from([1024, 2048, 4096]),
    st.sampled_from([1024, 4096, 8192]),
    st.sampled_from([64, 256, 1 << 14]),
)
def test_shared_keys_is_the_set_intersection(
    mine: list[int],
    theirs: list[int],
    both: list[int],
    width: int,
    slots_a: int,
    slots_b: int,
    part: int,
) -> None:
    a = _table(mine + both, width, slots_a)
    b = _table(both + theirs, width, slots_b)
    found: list[int] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_tables, "PART_SLOTS", part)
        found = list(shared_keys(a, b))
        assert sorted(found) == sorted(shared_keys(b, a))
    assert len(found) == len(set(found))  # each once
    assert set(found) == _keys(a) & _keys(b)


def test_a_run_round_the_end_longer_than_a_part(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys whose home is the last slot: their run wraps to slot 0 and is longer than
    a part, in both tables; they are found once each."""
    monkeypatch.setattr(_tables, "PART_SLOTS", 4)
    last = [k << 10 | 1023 for k in range(1, 40)]
    a, b = _table(last, 4, 1024), _table([*last[::3], 5, 6], 4, 4096)
    got = sorted(shared_keys(a, b))
    assert got == sorted(set(last[::3]))
    assert next(shared_keys(a, _table([5, 6], 1, 1024)), None) is None


def test_a_half_size_table_grows_to_full_size_not_past_it() -> None:
    """A split's visitor starts on tables of half the full size (`begin_split`); one
    that outgrows them grows to the full size, which holds `MAX_EXAMPLES` keys, not to
    4x (twice the full size: 80 MB for PRV008's two tables)."""
    from ftlint.rules.provenance import duplicate_eval_rows as prv

    table = _Table(0, _tables.FULL_SLOTS // 2)
    table.size = _tables.FULL_SLOTS * 3 // 8  # 3/4 of the half size: the next key grows it
    table.put_key(table.slot(12345), 12345)
    assert table.mask + 1 == _tables.FULL_SLOTS
    assert table.size == 1 and table.keys[table.slot(12345)] == 12345
    assert prv.MAX_EXAMPLES * 4 <= _tables.FULL_SLOTS * 3


def test_begin_split_halves_only_empty_full_size_tables() -> None:
    from helpers import prv008_visitor

    from ftlint.rules.provenance import _repeats_merge

    visitor = prv008_visitor({})
    _repeats_merge.begin(visitor)  # on its sets (a small file): nothing to halve
    assert visitor.small is not None
    visitor.on_arrays(1 << 12)
    _repeats_merge.begin(visitor)
    assert visitor.examples.mask + 1 == visitor.inputs.mask + 1 == 1 << 11
    visitor.inputs.put3(visitor.inputs.slot(7), 7, 0, 1, 0)
    _repeats_merge.begin(visitor)  # a row read already: the tables stay
    assert visitor.inputs.mask + 1 == 1 << 11 and visitor.inputs.size == 1


@pytest.mark.parametrize("driver_inputs", [700, 760, 768])
@pytest.mark.parametrize("last", [False, True])
def test_a_merge_that_grows_the_table_counts_as_one_process(driver_inputs: int, last: bool) -> None:
    """The driver's range fills its 1,024-slot input table to near 3/4; the later range
    adds 40 inputs it alone repeats: inserting them grows the table mid-merge. The last
    merge (`_merge_last`) read the table's old array after that (an IndexError at 760
    and 768 inputs); both merges now leave what one process reading every row leaves."""
    from helpers import prv008_visitor

    from ftlint.model import Evidence, HardCase

    def case(line: int, text: str) -> HardCase:
        ev = Evidence("h.jsonl", line, None, str(line), None)
        return HardCase(line, str(line), text, None, None, None, None, None, None, None, ev, {})

    driver_rows = [case(i, f"driver text {i}") for i in range(driver_inputs)]
    later_rows = [case(100_000 + k, f"later repeated {k // 2}") for k in range(80)]
    made: dict = {}
    driver = prv008_visitor(made)
    driver.on_arrays(1024)
    for row in driver_rows:
        driver.row(row)
    later = prv008_visitor({})
    later.on_arrays(1024)
    for row in later_rows:
        later.row(row)
    state = later.export_state()
    if last:
        driver.merge_ahead([state])
    assert driver.merge_state(state)
    one: dict = {}
    alone = prv008_visitor(one)
    alone.on_arrays(1024)
    for row in driver_rows + later_rows:
        alone.row(row)
    assert repr(list(driver.finish())) == repr(list(alone.finish()))
    assert made == one and made["measurements"]["repeated_inputs"] == 40
    assert driver.inputs.size == alone.inputs.size == driver_inputs + 40
    assert dict(driver.counts) == dict(alone.counts)
