"""PRV008's `row_batch` of a block `block_keys` keyed: each row's two probes and its
inserts, with every key computed already, so the loop is a dozen bytecodes a row.

It leaves the tables exactly as `_Repeats.row` of each row in order does (same keys,
values, sizes, growth points, hence the same slots): a row whose example is known is
skipped; a new example is inserted and its input probed; a new input stores its
reference and its first row packed as `_EvidencePacker.pack` packs a JSONL row; a known
one counts a repeat. The caller sends only blocks that cannot reach `MAX_EXAMPLES`
(no row of the block is past the cap) and whose path has its index already.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any

from ftlint.model import HardCase

M64 = (1 << 64) - 1
M63 = (1 << 63) - 1
_ONE = 1


def table_keys(keys: tuple[Any, ...]) -> tuple[Any, ...]:
    """`block_keys`' raw hashes as the arrays hold them: keys `& M64` (the signed hashes'
    own 64 bits, read unsigned: a view of them, ~50 ns a key less than masking each),
    references `(& M63) + 1` (0 for none, -1 there)."""
    examples, inputs, refs, *rest = keys
    masked = _unsigned(examples), _unsigned(inputs)
    if -1 in refs:  # (no reference: no hash is -1)
        return (*masked, [0 if r == -1 else (r & M63) + 1 for r in refs], *rest)
    return (*masked, list(map(_ONE.__add__, map(M63.__and__, refs))), *rest)


def _unsigned(hashes: list[int]) -> Any:
    """The hashes `& M64`, as a sequence of ints (a view of their 64-bit words)."""
    return memoryview(array("q", hashes)).cast("B").cast("Q")


def insert_block(visitor: Any, cases: Sequence[HardCase], keys: tuple[Any, ...]) -> None:
    examples_, inputs_, refs, lines, ids, where, _ = keys
    examples, inputs = visitor.examples, visitor.inputs
    ekeys, emask, esize = examples.data, examples.mask, examples.size
    egrow = (emask + 1) * 3 // 4  # `put_key` grows when size * 4 > slots * 3
    # the inputs' slots side by side, 4 words each (`_Table`): `at` is 4 * the slot
    idata, isize = inputs.data, inputs.size
    imask, iwrap = inputs.mask, len(inputs.data) - 1
    igrow = (imask + 1) * 3 // 4
    # `pack` of a JSONL row: ((number << 68 | line + 1) << 18 | where) << 1 | 1, in its
    # two 64-bit halves: lo = (line + 1) << 19 | where << 1 | 1, hi = number << 23 (number:
    # int(id) + 1)
    base = 1 << 19 | where << 1 | 1
    for i, example in enumerate(examples_):
        at = example & emask
        found = ekeys[at]
        while found:
            if found == example:
                break
            at = (at + 1) & emask
            found = ekeys[at]
        if found:
            continue  # the same example again (another filter or view of it)
        ekeys[at] = example
        esize += 1
        if esize > egrow:
            examples.size = esize
            examples._grow()
            ekeys, emask = examples.data, examples.mask
            egrow = (emask + 1) * 3 // 4
        key = inputs_[i]
        at = (key & imask) << 2
        known = idata[at]
        while known:
            if known == key:
                break
            at = (at + 4) & iwrap
            known = idata[at]
        if known:  # a repeat of an input seen before
            inputs.size = isize
            counts = visitor.counts
            counts[key] = counts.get(key, 1) + 1
            ref, first = refs[i], idata[at + 1]
            if ref and first and ref != first:
                visitor.conflicting.add(key)
            visitor.repeat_evidence.setdefault(key, cases[i].evidence)
            continue
        idata[at] = key
        idata[at + 1] = refs[i]
        idata[at + 2] = lines[i] * 524288 + base  # (line + 1) << 19 | where << 1 | 1
        idata[at + 3] = (int(ids[i]) + 1) << 23
        isize += 1
        if isize > igrow:
            inputs.size = isize
            inputs._grow()
            idata, imask, iwrap = inputs.data, inputs.mask, len(inputs.data) - 1
            igrow = (imask + 1) * 3 // 4
    examples.size = esize
    inputs.size = isize
