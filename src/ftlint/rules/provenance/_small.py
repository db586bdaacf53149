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
from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from ftlint.model import HardCase
from ftlint.rules.provenance._block_keys import normal
from ftlint.rules.provenance._references import reference_key
from ftlint.rules.provenance._tables import _Table

M64 = (1 << 64) - 1
M63 = (1 << 63) - 1
PACKED = -1  # a run's path index when its columns hold packed codes
NONE = -1  # a reference column's "no reference" (no hash is -1 in CPython)

#: distinct examples kept in the set and dict (~26 MB); past it, the arrays
SMALL_MAX = 1 << 17


class Small:
    """The set-and-dict state (see the module). Keys are raw hashes (`hash(...) or 1`:
    the arrays' key is that `& M64`, one to one); a reference is a raw hash or a
    `reference_key`, both compared `& M63`, or NONE."""

    __slots__ = ("firsts", "his", "los", "order", "refs", "seen", "starts", "wheres")

    def __init__(self) -> None:
        self.seen: set[int] = set()  # example keys
        self.order = array("q")  # the same, in the order first met
        self.firsts: dict[int, int] = {}  # input key -> index of its first row's columns
        self.refs = array("q")
        # the first row: its line and int(sample id) as `block_keys` gave them, or the
        # halves of its packed code; which, by runs: from index `starts[i]` on, the
        # path index `wheres[i]` (`_EvidencePacker.paths`), or PACKED
        self.los = array("Q")
        self.his = array("Q")
        self.starts: list[int] = []
        self.wheres: list[int] = []

    def run(self, where: int) -> None:
        """The columns appended next are of path index `where` (or PACKED)."""
        if not self.wheres or self.wheres[-1] != where:
            self.starts.append(len(self.refs))
            self.wheres.append(where)

    def code(self, key: int) -> int:
        """The packed first row (`_EvidencePacker.pack`) of an input."""
        return self.code_at(self.firsts[key])

    def code_at(self, at: int) -> int:
        where = self.wheres[bisect_right(self.starts, at) - 1]
        if where == PACKED:
            return self.his[at] << 64 | self.los[at]
        # `pack` of a JSONL row: ((number << 68 | line + 1) << 18 | where) << 1 | 1
        return (((self.his[at] + 1) << 68 | self.los[at] + 1) << 18 | where) << 1 | 1


def _register(visitor: Any, path: str) -> int:
    paths = visitor.packer.paths
    return paths.setdefault(path, len(paths))


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
                small.run(_register(visitor, path) if where is None else where)
                small.order.extend(examples)
                small.refs.extend(refs)
                small.los.extend(lines)
                small.his.extend(numbers)
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
                where = _register(visitor, path)
            small.run(where)
            firsts[key] = len(small.refs)
            small.refs.append(refs[i])
            small.los.append(lines[i])
            small.his.append(numbers[i])
            continue
        _repeat(visitor, key, refs[i], small.refs[at], cases[i].evidence)


def _repeat(visitor: Any, key: int, ref: int, first: int, evidence: Any) -> None:
    """A repeat of an input seen before: `_new_example`'s count, conflict, evidence."""
    counts = visitor.counts
    counts[key] = counts.get(key, 1) + 1
    if ref != NONE and first != NONE and (ref ^ first) & M63:
        visitor.conflicting.add(key)
    visitor.repeat_evidence.setdefault(key, evidence)


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
        example = example or 1  # `example_key`, raw
        if example in seen:
            continue
        seen.add(example)
        order.append(example)
        key = hash(norm) or 1  # `input_key`, raw
        ref = reference_key(case)
        at = firsts.get(key)
        if at is None:
            code = pack(key, ev)
            small.run(PACKED)
            firsts[key] = len(small.refs)
            small.refs.append(NONE if ref is None else ref)
            small.los.append(code & M64)
            small.his.append(code >> 64)
            continue
        _repeat(visitor, key, NONE if ref is None else ref, small.refs[at], ev)


def materialize(visitor: Any) -> None:
    """Turn the set and dict into the `_Table`s `row` would have built (the keys
    inserted in the order first met), and the raw keys of the repeats' dicts and of the
    packer's kept evidence into the arrays' keys."""
    small: Small = visitor.small
    visitor.small = None
    examples = _Table(0)
    for raw in small.order:
        key = raw & M64
        keys, mask = examples.keys, examples.mask
        at = key & mask
        while keys[at]:
            at = (at + 1) & mask
        examples.put_key(at, key)
    inputs = _Table(3)
    refs, code_at = small.refs, small.code_at
    for raw, at in small.firsts.items():
        key = raw & M64
        keys, mask = inputs.keys, inputs.mask
        slot = key & mask
        while keys[slot]:
            slot = (slot + 1) & mask
        code, ref = code_at(at), refs[at]
        inputs.put3(slot, key, 0 if ref == NONE else (ref & M63) + 1, code & M64, code >> 64)
    visitor._examples, visitor._inputs = examples, inputs
    visitor.counts = {k & M64: v for k, v in visitor.counts.items()}
    visitor.repeat_evidence = {k & M64: v for k, v in visitor.repeat_evidence.items()}
    visitor.conflicting = {k & M64 for k in visitor.conflicting}
    kept = visitor.packer.kept
    visitor.packer.kept = {k & M64: v for k, v in kept.items()}
