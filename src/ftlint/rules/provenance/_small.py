"""PRV008's tables while a run's rows are few: a Python set and dict (C-level probes,
inserts and growth) where the `_Table` arrays cost a Python loop a row.

Up to `SMALL_MAX` distinct examples the visitor keeps the example keys in a set (and
their order in an array), each new input's key in a dict to its index in four columns
(stored reference, line, sample number, path index): ~200 bytes a row where the arrays
take ~40, so 26 MB at the bound, below what the arrays take at `MAX_EXAMPLES`. A block
whose rows are all new examples of new inputs (the common case) is added in a few
C-level calls; any other block `block_keys` keyed goes row by row over the set and
dict. Past the bound, or for a block of rows `block_keys` cannot key, or before a
merge, the visitor turns to the arrays (`materialize`): it inserts the keys into
`_Table`s in the order the rows first met them, which leaves the very slots, sizes and
values that `row` of every row would have left (tests compare them).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any

from ftlint.model import HardCase
from ftlint.rules.provenance._block_keys import normal
from ftlint.rules.provenance._references import reference_key
from ftlint.rules.provenance._tables import _Table

M64 = (1 << 64) - 1
_LINE = 1 << 19  # (line + 1) << 19 == line * _LINE + (1 << 19)
_NUMBER = 1 << 23

#: distinct examples kept in the set and dict (26 MB); past it, the arrays
SMALL_MAX = 1 << 17


class Small:
    """The set-and-dict state (see the module)."""

    __slots__ = ("firsts", "his", "los", "order", "refs", "seen")

    def __init__(self) -> None:
        self.seen: set[int] = set()  # example keys
        self.order = array("Q")  # the same, in the order first met
        self.firsts: dict[int, int] = {}  # input key -> index of its first row's columns
        self.refs = array("Q")  # reference + 1 (0: none)
        self.los = array("Q")  # the first row packed (`_EvidencePacker.pack`): low half
        self.his = array("Q")  # ... high half

    def code(self, key: int) -> int:
        """The packed first row of an input."""
        at = self.firsts[key]
        return self.his[at] << 64 | self.los[at]


def small_block(visitor: Any, cases: Sequence[HardCase], keys: tuple[Any, ...]) -> None:
    """`row` of each row of a block `block_keys` keyed, on the set and dict."""
    examples, inputs, refs, lines, numbers, where, path = keys
    small: Small = visitor.small
    seen, firsts = small.seen, small.firsts
    n = len(examples)
    if seen.isdisjoint(examples) and firsts.keys().isdisjoint(inputs):
        before = len(seen)
        seen.update(examples)
        if len(seen) == before + n:  # every row a new example ...
            m = len(firsts)
            firsts.update(zip(inputs, range(m, m + n), strict=True))
            if len(firsts) == m + n:  # ... of a new input
                if where is None:
                    where = visitor.packer.paths.setdefault(path, len(visitor.packer.paths))
                small.order.extend(examples)
                small.refs.extend(refs)
                # `pack` of a JSONL row, halves: (line + 1) << 19 | where << 1 | 1, number << 23
                small.los.extend(map((1 << 19 | where << 1 | 1).__add__, map(_LINE.__mul__, lines)))
                small.his.extend(map(_NUMBER.__mul__, numbers))
                return
            for key in inputs:  # (none was there before)
                firsts.pop(key, None)
        seen.difference_update(examples)
    order = small.order
    for i, example in enumerate(examples):
        if example in seen:
            continue  # the same example again
        seen.add(example)
        order.append(example)
        key = inputs[i]
        at = firsts.get(key)
        if at is None:
            if where is None:
                where = visitor.packer.paths.setdefault(path, len(visitor.packer.paths))
            firsts[key] = len(small.refs)
            small.refs.append(refs[i])
            small.los.append(lines[i] * _LINE + (1 << 19 | where << 1 | 1))
            small.his.append(numbers[i] * _NUMBER)
            continue
        counts = visitor.counts
        counts[key] = counts.get(key, 1) + 1
        ref, first = refs[i], small.refs[at]
        if ref and first and ref != first:
            visitor.conflicting.add(key)
        visitor.repeat_evidence.setdefault(key, cases[i].evidence)


def materialize(small: Small) -> tuple[_Table, _Table]:
    """The `_Table`s `row` would have built: the keys inserted in the order first met."""
    examples = _Table(0)
    for key in small.order:
        keys, mask = examples.keys, examples.mask
        at = key & mask
        while keys[at]:
            at = (at + 1) & mask
        examples.put_key(at, key)
    inputs = _Table(3)
    refs, los, his = small.refs, small.los, small.his
    for key, at in small.firsts.items():
        keys, mask = inputs.keys, inputs.mask
        slot = key & mask
        while keys[slot]:
            slot = (slot + 1) & mask
        inputs.put3(slot, key, refs[at], los[at], his[at])
    return examples, inputs


def small_rows(visitor: Any, cases: Sequence[HardCase]) -> None:
    """`row` of each row of any block, on the set and dict (a row `block_keys` cannot
    key: no sample id, a pointer or trace URL, odd whitespace, ...)."""
    small: Small = visitor.small
    seen, firsts, order, pack = small.seen, small.firsts, small.order, visitor.packer.pack
    for case in cases:
        text = case.request_text
        if not isinstance(text, str):
            continue
        norm = normal(text)
        if not norm:
            continue  # blank
        ev = case.evidence
        ident = case.sample_id
        if ident is None:
            ident = ev.location()
        example = hash((ev.path, ident) if isinstance(ident, str) else (ev.path, "r", repr(ident)))
        example = example & M64 or 1  # `example_key`
        if example in seen:
            continue
        seen.add(example)
        order.append(example)
        key = hash(norm) & M64 or 1  # `input_key`
        ref = reference_key(case)
        at = firsts.get(key)
        if at is None:
            code = pack(key, ev)
            firsts[key] = len(small.refs)
            small.refs.append(0 if ref is None else ref + 1)
            small.los.append(code & M64)
            small.his.append(code >> 64)
            continue
        counts = visitor.counts
        counts[key] = counts.get(key, 1) + 1
        first = small.refs[at]
        if ref is not None and first and ref + 1 != first:
            visitor.conflicting.add(key)
        visitor.repeat_evidence.setdefault(key, ev)
