"""PRV008's tables over a later range of rows folded into the driver's (`--jobs` on one
big file, `ftlint.rule.MergeableVisitor`), exactly as if one visitor had read both.

Exact when no example key is in both ranges (a row of the later range would have been
skipped here) and neither side nor their union reaches `MAX_EXAMPLES` (where counting
stops depends on the order); and when an input seen here repeats in the later range
whose own first row has no reference (its later rows' references are unknown here).
Otherwise `merge` returns False and the engine feeds the range's rows here.
"""

from __future__ import annotations

from itertools import compress
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
    later = list(compress(examples.keys, examples.keys))
    mine = v.examples
    if any(mine.keys[mine.slot(k)] for k in later):
        return False
    same_codes = packer.paths == v.packer.paths and packer.prefixes == v.packer.prefixes
    staged: list[tuple[int, int, int, int, int]] = []  # key, slot there, known here, known there
    for slot in compress(range(len(inputs.keys)), inputs.keys):
        key = inputs.keys[slot]
        known_w = inputs.cols[0][slot]
        at = v.inputs.slot(key)
        known_d = v.inputs.cols[0][at] if v.inputs.keys[at] else -1
        if known_d > 0 and not known_w and key in counts:
            return False
        staged.append((key, slot, at, known_d, known_w))
    for k in later:
        mine.put_key(mine.slot(k), k)
    fresh: list[tuple[int, int, Evidence]] = []  # (line of the first repeat, key, its row)
    for key, slot, _, known_d, known_w in staged:
        code = inputs.cols[1][slot] | inputs.cols[2][slot] << 64
        if known_d < 0:  # first seen in the later range: its row and its repeats there
            if not same_codes:
                code = v.packer.pack(key, packer.unpack(key, code))
            elif not code & 1:
                v.packer.kept[key] = packer.kept[key]
            v.inputs.put3(v.inputs.slot(key), key, known_w, code & M64, code >> 64)
            if key in counts:
                v.counts[key] = counts[key]
                fresh.append((_line(repeat_ev[key]), key, repeat_ev[key]))
                if key in conflicting:
                    v.conflicting.add(key)
            continue
        # seen here first: every row of it in the later range is a repeat
        v.counts[key] = v.counts.get(key, 1) + counts.get(key, 1)
        if key not in v.repeat_evidence:
            first = packer.unpack(key, code)
            fresh.append((_line(first), key, first))
        if known_d and (
            (known_w and known_w != known_d) or (known_w == known_d and key in conflicting)
        ):
            v.conflicting.add(key)
    fresh.sort(key=lambda item: item[0])  # the order in which a single pass met them
    for _, key, ev in fresh:
        v.repeat_evidence[key] = ev
    return True


def _line(ev: Evidence) -> int:
    return ev.line if ev.line is not None else -1
