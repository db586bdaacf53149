"""PRV008's tables over a later range of rows folded into the driver's (`--jobs` on one
big file, `ftlint.rule.MergeableVisitor`), exactly as if one visitor had read both.

Exact when no example key is in both ranges (a row of the later range would have been
skipped here) and neither side nor their union reaches `MAX_EXAMPLES` (where counting
stops depends on the order); and when an input seen here repeats in the later range
whose own first row has no reference (its later rows' references are unknown here).
Otherwise `merge` returns False and the engine feeds the range's rows here.

This runs on the driver while nothing else does (the critical path of `--jobs`), so
the tables' keys are compared a part of their slots at a time (`_tables.shared_keys`:
never a set of every key, which for both tables was 36 MB on the driver beside the
worker's 40 MB of tables) and new keys are probed inline, in a scrambled order. The
last merge (`ahead`: no range is fed here after it) inserts only the repeats
(`_merge_last`): only what `finish` reads is made whole.
"""

from __future__ import annotations

from itertools import chain, compress
from typing import Any

from ftlint.model import Evidence
from ftlint.rules.provenance._tables import shared_keys

M64 = (1 << 64) - 1


def export(visitor: Any) -> tuple[Any, ...]:
    """A worker's state: its tables in as few slots as hold them (`_Table.fitted`: the
    driver receives every worker's state before it merges any)."""
    v = visitor
    return (v.examples.fitted(), v.inputs.fitted(), v.counts, v.repeat_evidence,
            v.conflicting, v.capped, v.packer)  # fmt: skip


def begin(visitor: Any) -> None:
    """`begin_split`, on every range's visitor before any row: a visitor on full-size
    tables (a big file) starts on tables of half that size. A range holds at most ~half
    the file's rows (two ranges: the driver's share is about the worker's), which
    full-size tables would hold a quarter full, and the driver holds its own tables
    and the worker's at once: 40 MB less on the `--jobs 2` driver of a 537 MB file
    (20 on each worker). A range with more keys grows its tables to full size. The
    arrays are only promised until the first row (`on_arrays`), so halving the promise
    is all there is to do; a visitor on its sets (a small file) is left as it is."""
    if visitor.small is None and visitor.pending:
        visitor.pending //= 2


def ahead(visitor: Any, states: list[tuple[Any, ...] | None]) -> None:
    """`merge_ahead`: when every later range is merged (none is fed here), count the
    merges down, so that the last one knows nothing reads the tables after it but
    `finish` (`_merge_last`). Else every merge is whole."""
    visitor.merges_left = len(states) if all(s is not None for s in states) else None


def merge(visitor: Any, state: tuple[Any, ...], max_examples: int) -> bool:
    left = getattr(visitor, "merges_left", None)
    if left == 0:  # after a last merge the tables hold only what `finish` reads
        raise RuntimeError("a range merged after the last one `merge_ahead` announced")
    if left is not None:
        visitor.merges_left = left - 1
        if left == 1:
            return _merge_last(visitor, state, max_examples)
    examples, inputs, counts, repeat_ev, conflicting, _, packer = state
    v = visitor
    if not _exact(v, state, max_examples):
        return False
    later = [examples.keys[i] for i in _slots(examples.keys)]
    _reserve(v.examples, len(later))
    keys, mask = v.examples.keys, v.examples.mask
    for key in later:
        i = key & mask
        while keys[i]:
            i = (i + 1) & mask
        keys[i] = key
    v.examples.size += len(later)
    fresh: list[tuple[int, int, Evidence]] = []  # (line of the first repeat, key, its row)
    slots = _slots(inputs.keys)
    _reserve(v.inputs, len(slots))  # as if all were new: the layout is never observed
    same_codes = packer.paths == v.packer.paths and packer.prefixes == v.packer.prefixes
    table, kept = v.inputs, packer.kept
    keys, mask = table.keys, table.mask
    col0, col1, col2 = inputs.cols
    to0, to1, to2 = table.cols
    wkeys = inputs.keys
    added = 0
    for slot in slots:
        key = wkeys[slot]
        i = key & mask
        while True:  # one probe: the key here, or the empty slot where it goes
            found = keys[i]
            if found == key or not found:
                break
            i = (i + 1) & mask
        if found:  # seen here first: every row of it in the later range is a repeat
            _repeat_of_known(v, key, slot, to0[i], inputs, counts, conflicting, packer, fresh)
            continue
        lo, hi = col1[slot], col2[slot]  # first seen in the later range
        if not same_codes:
            code = v.packer.pack(key, packer.unpack(key, hi << 64 | lo))
            lo, hi = code & M64, code >> 64
        elif not lo & 1:
            v.packer.kept[key] = kept[key]
        keys[i] = key  # `put3`, inlined: `_reserve` made the room
        to0[i], to1[i], to2[i] = col0[slot], lo, hi
        added += 1
        if key in counts:
            v.counts[key] = counts[key]
            fresh.append((_line(repeat_ev[key]), key, repeat_ev[key]))
            if key in conflicting:
                v.conflicting.add(key)
    table.size += added
    fresh.sort(key=lambda item: item[0])  # the order in which a single pass met them
    for _, key, ev in fresh:
        v.repeat_evidence[key] = ev
    return True


def _capped(v: Any, state: tuple[Any, ...], max_examples: int) -> bool:
    """Whether either side or their union reaches the bound (where counting stops
    depends on the order: no exact merge)."""
    return bool(v.capped or state[5] or v.examples.size + state[0].size >= max_examples)


def _exact(v: Any, state: tuple[Any, ...], max_examples: int) -> bool:
    """Whether the merge is exact (see the module); decided before anything changes."""
    examples, inputs, counts, _, _, _, _ = state
    if _capped(v, state, max_examples):
        return False
    if next(shared_keys(v.examples, examples), None) is not None:
        return False
    col0 = inputs.cols[0]
    for key in counts:
        if not col0[inputs.slot(key)]:  # its later rows' references unknown
            at = v.inputs.slot(key)
            if v.inputs.keys[at] and v.inputs.value(at, 0):
                return False
    return True


def _repeat_of_known(
    v: Any,
    key: int,
    slot: int,
    known_d: int,
    inputs: Any,
    counts: dict[int, int],
    conflicting: set[int],
    packer: Any,
    fresh: list[tuple[int, int, Evidence]],
) -> None:
    """An input the driver's visitor `v` saw first that the later range (its table
    `inputs`, at `slot`) holds too: every later row of it is a repeat. Its copies add
    up, its first later row is noted for the repeat evidence (`fresh`) if `v` has none
    yet, and it conflicts when the two ranges' references differ (`known_d`: the
    driver's reference + 1, 0 for none) or the later range already found a conflict."""
    known_w = inputs.value(slot, 0)
    v.counts[key] = v.counts.get(key, 1) + counts.get(key, 1)
    if key not in v.repeat_evidence:
        first = packer.unpack(key, inputs.value(slot, 2) << 64 | inputs.value(slot, 1))
        fresh.append((_line(first), key, first))
    if known_d and (
        (known_w and known_w != known_d) or (known_w == known_d and key in conflicting)
    ):
        v.conflicting.add(key)


def _merge_last(visitor: Any, state: tuple[Any, ...], max_examples: int) -> bool:
    """`merge` of the last range: nothing probes the tables after it, and `finish`
    reads only their sizes and the first row of an input that repeats. So the later
    range's keys are compared a part at a time in C (`shared_keys`), only the inputs in
    both ranges or repeated in the later one are visited, and only those repeated in
    the later one alone are inserted (their first row is there): ~0.5 s less on the
    driver's critical path at 500,000 rows than inserting every key. The counts, first
    repeats and conflicts are those of `merge`."""
    if not _exact(visitor, state, max_examples):
        return False
    examples, inputs, counts, repeat_ev, conflicting, _, packer = state
    v, table = visitor, visitor.inputs
    col0, col1, col2 = inputs.cols
    to0 = table.cols[0]
    fresh: list[tuple[int, int, Evidence]] = []  # (line of the first repeat, key, its row)
    common = 0
    for key in shared_keys(table, inputs):  # seen here first: its later rows all repeat
        known = to0[table.slot(key)]
        _repeat_of_known(
            v, key, inputs.slot(key), known, inputs, counts, conflicting, packer, fresh
        )
        common += 1
    size = table.size + inputs.size - common
    same_codes = packer.paths == v.packer.paths and packer.prefixes == v.packer.prefixes
    width = table.width
    for key in counts:
        at = table.slot(key)
        if table.data[at * width]:  # seen here (before this loop: it inserts only its own;
            continue  # `data` is read anew, as `put3` may have grown the table)
        slot = inputs.slot(key)  # first seen in the later range, repeated there
        lo, hi = col1[slot], col2[slot]
        if not same_codes:
            code = v.packer.pack(key, packer.unpack(key, hi << 64 | lo))
            lo, hi = code & M64, code >> 64
        elif not lo & 1:
            v.packer.kept[key] = packer.kept[key]
        table.put3(at, key, col0[slot], lo, hi)
        v.counts[key] = counts[key]
        fresh.append((_line(repeat_ev[key]), key, repeat_ev[key]))
        if key in conflicting:
            v.conflicting.add(key)
    table.size = size  # the keys of both ranges, as if all were inserted
    v.examples.size += examples.size
    fresh.sort(key=lambda item: item[0])  # the order in which a single pass met them
    for _, key, ev in fresh:
        v.repeat_evidence[key] = ev
    return True


def _reserve(table: Any, more: int) -> None:
    """Grow `table` now so that `more` keys fit without growing on the way."""
    while (table.size + more) * 4 > (table.mask + 1) * 3:
        table._grow()


def _slots(keys: Any) -> list[int]:
    """The filled slots of a table, in a strided order (every 64th slot, 64 times):
    inserted in slot order, keys would pile up behind one growing run of linear
    probing (5 us a key instead of 1)."""
    n = len(keys)
    step = min(_STRIDE, n)
    every = (compress(range(s, n, step), keys[s::step]) for s in range(step))
    return list(chain.from_iterable(every))


_STRIDE = 64


def _line(ev: Evidence) -> int:
    return ev.line if ev.line is not None else -1
