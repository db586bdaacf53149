"""PRV008's compact tables: 64-bit keys in open-addressing `array('Q')` columns
(`_Table`) and a row's Evidence packed into one int (`_EvidencePacker`), so a run of
millions of rows keeps 8 bytes a slot instead of a dict entry of ~130."""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from itertools import compress
from typing import Any

from ftlint.model import Evidence

LIMIT34 = 1 << 34
#: how many times larger a `_Table` gets when it is 3/4 full (from 1024 slots: 4**5 of
#: them is 2**20, the slots 750,000 keys need)
GROWTH = 4
#: The slots of a full-size table (`MAX_EXAMPLES` keys at most 3/4 full). A table that
#: would grow to a quarter of it grows to it at once: past 49,152 keys a run is a big
#: one, and the step to 2**18 slots would be followed by one more re-insertion of
#: 196,608 keys (~0.3 us a row of a 512 MB file for each table), with probes at up to
#: 3/4 load in between (~8 slots looked at per new key instead of ~2). 40 MB for the
#: two tables, reached at ~200,000 keys before.
FULL_SLOTS = 1 << 20


class _EvidencePacker:
    """Packs a row's Evidence into one int and back, exactly: the path and the pointer's
    non-numeric prefix are interned (a handful per run), the line, the pointer's
    trailing index (`/data/<i>`) and a decimal sample id are numbers. Any other form (a
    trace URL, a non-decimal id) is kept as the Evidence itself, by input key."""

    def __init__(self) -> None:
        self.paths: dict[str, int] = {}
        self.prefixes: dict[str | None, int] = {None: 0}
        self.kept: dict[int, Evidence] = {}

    def pack(self, key: int, ev: Evidence) -> int:
        if ev.pointer is None and ev.url is None:  # a JSONL row (every hard case), inlined
            line = ev.line
            line = _number(line) if line.__class__ is not int or line < 0 else line + 1
            sid = _decimal(ev.sample_id)
            path = self.paths.get(ev.path)
            if path is None:
                path = self.paths[ev.path] = len(self.paths)
            if line < LIMIT34 and sid >= 0 and line >= 0 and path < 512:
                return ((sid << 68 | line) << 18 | path) << 1 | 1  # index 0, prefix 0 (None)
            self.kept[key] = ev
            return 0
        line, sid = _number(ev.line), _decimal(ev.sample_id)
        prefix, index = _split_pointer(ev.pointer)
        path = self.paths.setdefault(ev.path, len(self.paths))
        pre = self.prefixes.setdefault(prefix, len(self.prefixes))
        if ev.url is not None or min(line, sid, index) < 0 or max(path, pre) >= 512:
            self.kept[key] = ev
            return 0
        return ((((sid << 34 | index) << 34 | line) << 9 | pre) << 9 | path) << 1 | 1

    def unpack(self, key: int, code: int) -> Evidence:
        if not code & 1:
            return self.kept[key]
        code >>= 1
        path, pre = code & 511, code >> 9 & 511
        line, index, sid = code >> 18 & LIMIT34 - 1, code >> 52 & LIMIT34 - 1, code >> 86
        paths = {v: k for k, v in self.paths.items()}
        prefixes = {v: k for k, v in self.prefixes.items()}
        prefix = prefixes[pre]
        pointer = prefix if index == 0 else f"{prefix or ''}{index - 1}"
        return Evidence(
            paths[path],
            None if line == 0 else line - 1,
            pointer,
            None if sid == 0 else str(sid - 1),
            None,
        )


def _number(value: int | None) -> int:
    """0 for None, value + 1 for an int below 2**34 - 1, else -1 (not packable)."""
    if value is None:
        return 0
    if type(value) is int and 0 <= value < LIMIT34 - 1:
        return value + 1
    return -1


def _decimal(text: str | None) -> int:
    """0 for None, n + 1 for the canonical decimal `str(n)` (n < 10**12), else -1."""
    if text is None:
        return 0
    if (
        0 < len(text) <= 12
        and text.isascii()
        and text.isdigit()
        and (text[0] != "0" or len(text) == 1)  # canonical: no leading zero
    ):
        return int(text) + 1
    return -1


def _split_pointer(pointer: str | None) -> tuple[str | None, int]:
    """(prefix, 0) for a pointer without a trailing canonical index, else (the part
    before the index, index + 1); (None, 0) for no pointer."""
    if pointer is None:
        return None, 0
    head = pointer.rstrip("0123456789")
    tail = pointer[len(head) :]
    number = _decimal(tail) if tail else 0
    if number <= 0 or number >= LIMIT34:
        return pointer, 0
    return head, number


class _Table:
    """An open-addressing hash table of nonzero 64-bit keys with `cols` 64-bit values
    (linear probing, at most 3/4 full): 8 bytes a slot per column, where a dict of
    Python ints costs ~130 bytes an entry.

    One `array('Q')` holds each slot's key and values side by side (`width` words a
    slot: the key at `slot * width`): a new input of PRV008 (a key and three values, 32
    bytes) then touches one cache line, not four, which on a big run's 32 MB table was
    ~0.35 us a row of memory latency. `keys` and `cols` are strided views of it (the
    keys' array itself when there is no value), for the code that is not hot."""

    __slots__ = ("data", "mask", "size", "width")

    def __init__(self, cols: int, slots: int = 1024) -> None:
        self.width = cols + 1
        self.data = array("Q", [0]) * (slots * self.width)
        self.mask = slots - 1
        self.size = 0

    @property
    def keys(self) -> Any:
        """The keys by slot (a view: writes go to the table)."""
        if self.width == 1:
            return self.data
        return memoryview(self.data)[:: self.width]

    @property
    def cols(self) -> list[Any]:
        """The value columns by slot (views: writes go to the table)."""
        view, width = memoryview(self.data), self.width
        return [view[col::width] for col in range(1, width)]

    def value(self, slot: int, col: int) -> int:
        """`cols[col][slot]`, without the views."""
        return self.data[slot * self.width + 1 + col]

    def slot(self, key: int) -> int:
        """Where `key` is, or the empty slot where it goes."""
        data, mask, width = self.data, self.mask, self.width
        i = key & mask
        while True:
            found = data[i * width]
            if found == key or not found:
                return i
            i = (i + 1) & mask

    def put(self, slot: int, key: int, *values: int) -> None:
        """Store a new key at the empty `slot` that `slot(key)` returned."""
        data, at = self.data, slot * self.width
        if len(values) != self.width - 1:
            raise ValueError(f"{len(values)} values for {self.width - 1} columns")
        data[at] = key
        for col, value in enumerate(values, start=at + 1):
            data[col] = value
        self.size += 1
        if self.size * 4 > (self.mask + 1) * 3:
            self._grow()

    def put_key(self, slot: int, key: int) -> None:
        """`put` of a table without values (one call per row: no argument tuple)."""
        self.data[slot] = key
        self.size += 1
        if self.size * 4 > (self.mask + 1) * 3:
            self._grow()

    def put3(self, slot: int, key: int, a: int, b: int, c: int) -> None:
        """`put` of a table with three value columns, unrolled."""
        data, at = self.data, slot << 2
        data[at] = key
        data[at + 1] = a
        data[at + 2] = b
        data[at + 3] = c
        self.size += 1
        if self.size * 4 > (self.mask + 1) * 3:
            self._grow()

    def _grow(self) -> None:
        """Quadruple the slots and re-insert every key in slot order. Only the filled
        slots are visited (`compress`), and a key is known to be new, so the probe only
        looks for an empty slot. Four times, not twice: each key is re-inserted about
        a third as often (growing by doubling was ~1 us a row of the whole pass,
        amortised); a table is then at most 3/16 full after a growth, and never larger
        than doubling would make it at `MAX_EXAMPLES` (2**20 slots)."""
        old = self.data
        slots = GROWTH * (self.mask + 1)
        if slots * 4 == FULL_SLOTS or self.mask + 1 < FULL_SLOTS < slots:
            slots = FULL_SLOTS  # (the second: a range's half-size table, `begin_split`)
        self.__init__(self.width - 1, slots)  # type: ignore[misc]
        self._refill(old)

    def fitted(self) -> _Table:
        """This table, or, when a quarter of its slots or fewer would hold its keys (at
        most 3/4 full, from 1024 slots), a copy in that many: what a `--jobs` worker
        sends for its range. A table grows to full size past 49,152 keys (`FULL_SLOTS`,
        40 MB for PRV008's two), so every worker's range of a big file had that size
        whatever it held, and the driver holds every worker's state at once before it
        merges: 443 MB at `--jobs 8` on a 537 MB file, ~140 MB with the copies. Two
        ranges of that file fill a half of the slots each: they are sent as they are
        (no re-insertion on the critical path for 21 MB)."""
        slots = 1024
        while self.size * 4 > slots * 3:
            slots *= 2
        if slots * 4 > self.mask + 1:
            return self
        copy = _Table(self.width - 1, slots)
        copy._refill(self.data)
        return copy

    def _refill(self, old: array[int]) -> None:
        """Insert every filled slot of `old` (the data of a table of this width) into
        this empty table, in slot order: a key is known to be new, so the probe only
        looks for an empty slot."""
        width = self.width
        data, mask = self.data, self.mask
        filled = 0
        if width == 1:  # (PRV008's examples: keys alone)
            for key in compress(old, old):
                slot = key & mask
                while data[slot]:
                    slot = (slot + 1) & mask
                data[slot] = key
                filled += 1
            self.size = filled
            return
        if width == 4:  # (PRV008's inputs: the copies unrolled)
            for i in compress(range(0, len(old), 4), old[::4]):
                key = old[i]
                at = (key & mask) << 2
                while data[at]:
                    at = (at + 4) & (len(data) - 1)
                data[at], data[at + 1], data[at + 2], data[at + 3] = old[i : i + 4]
                filled += 1
            self.size = filled
            return
        for i in compress(range(0, len(old), width), old[::width]):
            key = old[i]
            slot = key & mask
            while data[slot * width]:
                slot = (slot + 1) & mask
            at = slot * width
            data[at : at + width] = old[i : i + width]
            filled += 1
        self.size = filled


#: The slots of the smaller table that `shared_keys` compares at a time: the one set it
#: builds holds at most 3/4 of these keys (~1 MB), never every key of a table.
PART_SLOTS = 1 << 14


def shared_keys(a: _Table, b: _Table) -> Iterator[int]:
    """The keys that both tables hold, each once (in no set order), without a set of
    every key of either: the `--jobs 2` driver built one of each of its PRV008 tables
    (36 MB at 2**20 slots) beside the worker's received tables.

    The smaller table's slots are cut into parts of `PART_SLOTS`. A key whose home slot
    (`key & mask`) is in a part sits in the run of filled slots from its home on (linear
    probing): within the part's slots extended up to the first empty one, and a run
    that reaches the table's end goes on at slot 0. In the larger table (a power-of-two
    multiple of the slots) its home is that slot plus a multiple of the smaller's size:
    the same part of every stripe, extended alike. A part's keys of the smaller table
    become a set, the larger's slices are looked up in it (C-level both: ~40 ms for two
    tables of 2**20 slots a quarter full, against ~20 for the lookups alone once a set
    of every key is built), and a key is yielded only by the part that holds its home
    (extended slices overlap)."""
    if a.mask > b.mask:
        a, b = b, a
    small, large = a.mask + 1, b.mask + 1
    step = min(small, PART_SLOTS)
    for lo in range(0, small, step):
        hi = lo + step
        part = set(_run(a, lo, hi))
        part.discard(0)
        if not part:
            continue
        found: set[int] = set()
        for base in range(0, large, small):
            found.update(part.intersection(_run(b, lo + base, hi + base)))
        for key in found:
            if lo <= key & (small - 1) < hi:
                yield key


def _run(table: _Table, lo: int, hi: int) -> Any:
    """The keys in slots `lo`..`hi` extended up to the first empty slot (an array):
    where every key whose home is in `lo`..`hi` sits; a run that reaches the table's
    end goes on at slot 0 (`_run(table, 0, 0)`: the slots before the first empty one)."""
    data, width, size = table.data, table.width, table.mask + 1
    end = hi
    while end < size and data[end * width]:
        end += 1
    keys = data[lo * width : end * width : width]
    if end == size and hi:
        keys += _run(table, 0, 0)
    return keys
