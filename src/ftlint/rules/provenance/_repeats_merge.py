"""PRV008's tables over a later range of rows folded into the driver's (`--jobs` on one
big file, `ftlint.rule.MergeableVisitor`), exactly as if one visitor had read both.

Exact when no example key is in both ranges (a row of the later range would have been
skipped here) and neither side nor their union reaches `MAX_EXAMPLES` (where counting
stops depends on the order); and when an input seen here repeats in the later range
whose own first row has no reference (its later rows' references are unknown here).
Otherwise `merge` returns False and the engine feeds the range's rows here.

This runs on the driver while nothing else does (the critical path of `--jobs`), so
the tables are compared as sets and new keys are probed inline, in a scrambled order.
"""

from __future__ import annotations

from itertools import chain, compress
from typing import Any

from ftlint.model import Evidence

M64 = (1 << 64) - 1


def export(visitor: Any) -> tuple[Any, ...]:
    v = visitor
    return (v.examples, v.inputs, v.counts, v.repeat_evidence, v.conflicting, v.capped,
            v.packer)  # fmt: skip


def merge(visitor: Any, state: tuple[Any, ...], max_examples: int) -> bool:
    examples, inputs, counts, repeat_ev, conflicting, capped, packer = state
    v = visitor
    if v.capped or capped or v.examples.size + examples.size >= max_examples:
        return False
    later = [examples.keys[i] for i in _slots(examples.keys)]
    if not set(compress(v.examples.keys, v.examples.keys)).isdisjoint(later):
        return False
    for key in counts:  # a decline is decided before anything changes
        if not inputs.cols[0][inputs.slot(key)]:  # its later rows' references unknown
            at = v.inputs.slot(key)
            if v.inputs.keys[at] and v.inputs.cols[0][at]:
                return False
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
            known_w, known_d = col0[slot], to0[i]
            v.counts[key] = v.counts.get(key, 1) + counts.get(key, 1)
            if key not in v.repeat_evidence:
                first = packer.unpack(key, col2[slot] << 64 | col1[slot])
                fresh.append((_line(first), key, first))
            if known_d and (
                (known_w and known_w != known_d) or (known_w == known_d and key in conflicting)
            ):
                v.conflicting.add(key)
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
