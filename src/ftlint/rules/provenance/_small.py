"""PRV008's tables while a run's rows are few: Python sets and lists (C-level probes,
inserts and growth) where the `_Table` arrays cost a Python loop a row.

Up to `SMALL_MAX` distinct examples the visitor keeps the example keys in a set and a
list (their order), the input keys in a set and a list, and each input's first row in
lists beside it (its reference, line and sample id as `block_keys` gave them, packed
only when needed (`Small.code`: `_EvidencePacker.pack` of the same Evidence), or
its packed code; the path index by runs). A block whose rows are all new examples of
new inputs (the common case) is four set calls and a few list extends; a block of new
examples some of whose inputs repeat appends its new inputs in a few C calls too and
counts the repeats in a short loop (`_new_examples`); any other block
`block_keys` keyed goes row by row over the sets, and a row `block_keys` cannot key
takes `small_rows` (the row path on the sets). An input's position in the lists is
found through an index built only once an input repeats (`Small.position`), so a run
without repeats never pays for it.

The lists hold the objects the block made (keys, references, lines, ids: ~300 bytes a
row, ~20 MB at the bound). Memory freed when the sets turn into the arrays is mostly
kept by the allocator, so the bound adds to the arrays' peak (40 MB at `MAX_EXAMPLES`):
the 512 MB benchmark file peaked at 92 MB RSS (79 before; 116 with a bound of 2**17),
so a file that big starts on the arrays instead (`BIG_BYTES`: 67 MB).
Past the bound, or before a merge, or for `row`, the visitor turns to the arrays
(`materialize`): it inserts the keys into `_Table`s in the order the rows first met
them, which leaves the very slots, sizes and values that `row` of every row would have
left (tests compare them).
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from typing import Any

from ftlint.model import Evidence, HardCase
from ftlint.rules.provenance._block_keys import _decimals, example_hash, normal
from ftlint.rules.provenance._references import reference_key
from ftlint.rules.provenance._tables import LIMIT34, _decimal, _Table

M64 = (1 << 64) - 1
M63 = (1 << 63) - 1
PACKED = -1  # a run's path index when its columns hold packed codes
NONE = -1  # a reference column's "no reference" (no hash is -1 in CPython)

#: distinct examples kept in the sets and lists (~20 MB); past it, the arrays
SMALL_MAX = 1 << 16


class Small:
    """The sets-and-lists state (see the module). Keys are raw hashes (`hash(...) or
    1`: the arrays' key is that `& M64`, one to one); a reference is a raw hash or a
    `reference_key`, both compared `& M63`, or NONE."""

    __slots__ = (
        "his", "index", "inputs", "keys", "los", "order", "refs", "seen", "starts", "wheres",
    )  # fmt: skip

    def __init__(self) -> None:
        self.seen: set[int] = set()  # example keys
        self.order: list[int] = []  # the same, in the order first met
        self.inputs: set[int] = set()  # input keys
        self.keys: list[int] = []  # the same, in the order first met
        self.refs: list[int] = []  # the first row's reference
        # the first row: its line and sample id as `block_keys` gave them (packed when
        # needed), or the halves of its packed code; which, by runs: from position
        # `starts[i]` on, the path index `wheres[i]` (`_EvidencePacker.paths`), or PACKED
        self.los: list[int] = []
        self.his: list[Any] = []
        self.starts: list[int] = []
        self.wheres: list[int] = []
        self.index: dict[int, int] = {}  # input key -> position, for the first keys

    def run(self, where: int) -> None:
        """The columns appended next are of path index `where` (or PACKED)."""
        if not self.wheres or self.wheres[-1] != where:
            self.starts.append(len(self.keys))
            self.wheres.append(where)

    def position(self, key: int) -> int:
        """Where an input is in the lists (the index is caught up first)."""
        index, keys = self.index, self.keys
        done = len(index)
        if done < len(keys):
            # (a slice, not `islice`, which would step over the `done` keys each time)
            index.update(zip(keys[done:], range(done, len(keys)), strict=True))
        return index[key]

    def code(self, key: int, packer: Any) -> int:
        """The packed first row (`_EvidencePacker.pack`) of an input: packed now for a
        row of a block (the packer may keep its Evidence, by `key`)."""
        at = self.position(key)
        where = self.wheres[bisect_right(self.starts, at) - 1]
        if where == PACKED:
            return self.his[at] << 64 | self.los[at]
        path = next(path for path, index in packer.paths.items() if index == where)
        # all a plain row's Evidence holds (`block_keys`): the same code, or kept
        return packer.pack(key, Evidence(path, self.los[at], None, self.his[at], None))


def _register(visitor: Any, path: str) -> int:
    paths = visitor.packer.paths
    return paths.setdefault(path, len(paths))


def small_block(visitor: Any, cases: Sequence[HardCase], keys: tuple[Any, ...]) -> None:
    """`row` of each row of a block `block_keys` keyed, on the sets."""
    examples, inputs, refs, lines, ids, where, path = keys
    small: Small = visitor.small
    seen = small.seen
    if seen.isdisjoint(examples):
        before = len(seen)
        seen.update(examples)
        if len(seen) == before + len(examples):  # every row a new example
            small.order += examples
            _new_examples(visitor, cases, keys)
            return
        seen.difference_update(examples)
    known, order, new = small.inputs, small.order, small.keys
    for i, example in enumerate(examples):
        if example in seen:
            continue  # the same example again
        seen.add(example)
        order.append(example)
        key = inputs[i]
        if key in known:
            _repeat(visitor, key, refs[i], cases[i].evidence)
            continue
        if where is None:
            where = _register(visitor, path)
        small.run(where)
        known.add(key)
        new.append(key)
        small.refs.append(refs[i])
        small.los.append(lines[i])
        small.his.append(ids[i])


def _new_examples(visitor: Any, cases: Sequence[HardCase], keys: tuple[Any, ...]) -> None:
    """The inputs of a block whose rows are all new examples (`small_block`): the
    inputs new to the run are appended at once, in the order the rows first meet them
    (as the row loop appends them), then the other rows count as repeats, in row
    order (a repeat's first row is then in the lists, whether it is in this block or
    an earlier one)."""
    _, inputs, refs, lines, ids, where, path = keys
    small: Small = visitor.small
    known = small.inputs
    n = len(inputs)
    if known.isdisjoint(inputs):
        before = len(known)
        known.update(inputs)
        if len(known) == before + n:  # every row a new input
            small.run(_register(visitor, path) if where is None else where)
            small.keys += inputs
            small.refs += refs
            small.los += lines
            small.his += ids
            return
        known.difference_update(inputs)  # (none was there before)
    # the first row of each input in the block (a later row overwrites an earlier one)
    first = dict(zip(reversed(inputs), range(n - 1, -1, -1), strict=True))
    fresh = sorted(map(first.__getitem__, first.keys() - known))  # rows of new inputs
    if fresh:
        small.run(_register(visitor, path) if where is None else where)
        added = list(map(inputs.__getitem__, fresh))
        known.update(added)
        small.keys += added
        small.refs += map(refs.__getitem__, fresh)
        small.los += map(lines.__getitem__, fresh)
        small.his += map(ids.__getitem__, fresh)
    counts, conflicting = visitor.counts, visitor.conflicting
    evidence, firsts = visitor.repeat_evidence, small.refs
    small.position(inputs[0])  # (the index caught up: every repeat's first row is in it)
    position = small.index.__getitem__
    for i in sorted(set(range(n)).difference(fresh)):  # `_repeat` of each, inlined
        key, ref = inputs[i], refs[i]
        counts[key] = counts.get(key, 1) + 1
        got = firsts[position(key)]
        if ref != NONE and got != NONE and (ref ^ got) & M63:
            conflicting.add(key)
        if key not in evidence:
            evidence[key] = cases[i].evidence


def _repeat(visitor: Any, key: int, ref: int, evidence: Any) -> None:
    """A repeat of an input seen before: `_new_example`'s count, conflict, evidence."""
    small: Small = visitor.small
    counts = visitor.counts
    counts[key] = counts.get(key, 1) + 1
    first = small.refs[small.position(key)]
    if ref != NONE and first != NONE and (ref ^ first) & M63:
        visitor.conflicting.add(key)
    visitor.repeat_evidence.setdefault(key, evidence)


def small_rows(visitor: Any, cases: Sequence[HardCase]) -> None:
    """`row` of each row of any block, on the sets (a row `block_keys` cannot key: no
    sample id, a pointer or trace URL, a blank text, ...)."""
    small: Small = visitor.small
    seen, known, order, pack = small.seen, small.inputs, small.order, visitor.packer.pack
    for case in cases:
        text = case.request_text
        if not isinstance(text, str):
            continue
        norm = normal(text)
        if not norm:
            continue  # blank
        ev = case.evidence
        example = example_hash(ev, case.sample_id)
        if example in seen:
            continue
        seen.add(example)
        order.append(example)
        key = hash(norm) or 1  # the input's raw key
        ref = reference_key(case, visitor.encode)
        if key in known:
            _repeat(visitor, key, NONE if ref is None else ref, ev)
            continue
        code = pack(key, ev)
        small.run(PACKED)
        known.add(key)
        small.keys.append(key)
        small.refs.append(NONE if ref is None else ref)
        small.los.append(code & M64)
        small.his.append(code >> 64)


def materialize(visitor: Any) -> None:
    """Turn the sets into the `_Table`s `row` would have built (the keys inserted in the
    order first met), and the raw keys of the repeats' dicts and of the packer's kept
    evidence into the arrays' keys."""
    small: Small = visitor.small
    visitor.small = None
    examples = _Table(0)
    _fill_keys(examples, _unsigned(small.order))
    packer = visitor.packer
    packer.kept = {k & M64: v for k, v in packer.kept.items()}
    names = {index: path for path, index in packer.paths.items()}
    inputs = _Table(3)
    _fill_inputs(inputs, _unsigned(small.keys), small.refs, *_codes(small, packer, names))
    visitor._examples, visitor._inputs = examples, inputs
    visitor.counts = {k & M64: v for k, v in visitor.counts.items()}
    visitor.repeat_evidence = {k & M64: v for k, v in visitor.repeat_evidence.items()}
    visitor.conflicting = {k & M64 for k in visitor.conflicting}


def _fill_keys(table: _Table, keys: Iterable[int]) -> None:
    """`put_key` of each of `keys` (new, distinct) in order into a table of no values,
    inlined: the same slots, growths and size."""
    data, mask, size = table.data, table.mask, table.size
    grow = (mask + 1) * 3 // 4  # `put_key` grows when size * 4 > slots * 3
    for key in keys:
        at = key & mask
        while data[at]:
            at = (at + 1) & mask
        data[at] = key
        size += 1
        if size > grow:
            table.size = size
            table._grow()
            data, mask = table.data, table.mask
            grow = (mask + 1) * 3 // 4
    table.size = size


def _fill_inputs(
    table: _Table, keys: Iterable[int], refs: list[int], lows: Iterable[int], highs: Iterable[int]
) -> None:
    """`put3` of each input (new, distinct) in order, its reference as the arrays hold
    it (+ 1, 0 for none) and its packed first row, inlined as `_fill_keys`."""
    data, mask, size = table.data, table.mask, table.size
    wrap, grow = len(data) - 1, (mask + 1) * 3 // 4
    # (arrays, not lists: the transient columns of `MAX_EXAMPLES` inputs stay ~0.5 MB
    # each instead of ~3, at the peak of the pass)
    if NONE in refs:
        stored = array("Q", [0 if ref == NONE else (ref & M63) + 1 for ref in refs])
    else:
        stored = array("Q", map(_ONE.__add__, map(M63.__and__, refs)))
    for key, ref, lo, hi in zip(keys, stored, lows, highs, strict=True):
        at = (key & mask) << 2
        while data[at]:
            at = (at + 4) & wrap
        data[at] = key
        data[at + 1] = ref
        data[at + 2] = lo
        data[at + 3] = hi
        size += 1
        if size > grow:
            table.size = size
            table._grow()
            data, mask = table.data, table.mask
            wrap, grow = len(data) - 1, (mask + 1) * 3 // 4
    table.size = size


def _unsigned(hashes: list[int]) -> Any:
    """Raw hashes `& M64`, as a sequence of ints (a view of their 64-bit words)."""
    return memoryview(array("q", hashes)).cast("B").cast("Q")


def _codes(small: Small, packer: Any, names: dict[int, str]) -> tuple[Any, Any]:
    """The two 64-bit halves of every input's packed first row, in list order:
    `Small.code` of each, walking the runs instead of bisecting them, a run of rows
    that all pack in C calls, and with `_EvidencePacker.pack` of a JSONL row inlined
    for a line and a sample id it packs (its other rows, kept as Evidence, still go
    through it)."""
    los, his, keys = small.los, small.his, small.keys
    lows, highs = array("Q"), array("Q")  # (not lists: see `_fill_inputs`)
    ends = [*small.starts[1:], len(keys)] if small.starts else []
    for start, end, where in zip(small.starts, ends, small.wheres, strict=True):
        lines, sids = los[start:end], his[start:end]
        if where == PACKED:
            lows.extend(lines)
            highs.extend(sids)
            continue
        if lines and _packs(lines, sids):
            base = 1 << 19 | where << 1 | 1  # (line + 1) << 19 | where << 1 | 1
            lows.extend(map(base.__add__, map(_LINE.__mul__, lines)))
            highs.extend(map(_ID.__mul__, map(_ONE.__add__, map(int, sids))))  # (id + 1) << 23
            continue
        path = names[where]
        for at in range(start, end):
            line, sid = los[at], his[at]
            number = _decimal(sid)
            if line.__class__ is int and 0 <= line < LIMIT34 - 1 and number >= 0:
                lows.append((line + 1) << 19 | where << 1 | 1)
                highs.append(number << 23)
            else:
                code = packer.pack(keys[at] & M64, Evidence(path, line, None, sid, None))
                lows.append(code & M64)
                highs.append(code >> 64)
    return lows, highs


_LINE, _ID, _ONE = 1 << 19, 1 << 23, 1


def _packs(lines: list[Any], sids: list[Any]) -> bool:
    """Whether every line is an int `pack` takes and every id a decimal it packs (the
    lines and ids `block_keys` gave a run's rows: any, with `packs=False`)."""
    return (
        list(map(type, lines)).count(int) == len(lines)
        and min(lines) >= 0
        and max(lines) < LIMIT34 - 1
        and _decimals(sids)
    )
