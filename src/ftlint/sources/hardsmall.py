"""The block reader's decoder for a file under `io.FAST_MIN_BYTES` (no msgspec: importing
it costs ~20 ms, more than it saves on a few thousand rows), on the standard library.

`small_cases` answers for a block of whole lines of shallow rows (objects two deep at
most, no array: the HF Jobs writer's rows, `ftlint.sources.hardplain`'s docstring, and
rows with other keys or values beside them) with one `json.loads` of the block, and
refuses (None: the caller reads the block on the exact line reader) any other block;
when it answers, it yields exactly what the line reader yields (`jsonl_items` ->
`loads_checked` -> `_cases`), which decodes line by line with a Python hook per object
(~13-14.6 us a row in all on a 2,000-row file of plain rows, against ~7.5 here).

Why one decode of the block gives every line's value. The block's lines are joined as
the elements of one array: `[` + the lines, each newline written `,\\n`, + `]`. Every
line must open an object (its first byte is `{`: no leading whitespace, BOM or blank
line) and every decoded row must be shallow (`typed_block`'s `flat`, or
`shallow_colons`: no array anywhere). Then no joining comma sits inside an element: not
inside a string (the raw newline after it is no valid string character), not between
members of an object (the next line's `{` is no key), not between items of an array
(the rows hold none). So every joining comma separates two elements of the outer
array, each line holds one or more whole elements, and as many elements as lines means
one each: every element is its line's value, what `json.loads` of the line alone
returns (whitespace around a value, a CR before the newline, changes nothing). A line
that is no valid JSON value alone fails the decode or the count.

What the line reader would add: a duplicated key (its first value kept, a problem
reported; `json.loads` keeps the last one silently) is found by counting colons as
`hardplain.plain_cases` does: every member of a shallow row and every colon in its keys
and strings, against the block's colons (a block writing `\\u003` is refused: an
escaped colon would break the count). Encodings: `json.loads` of the bytes reads them
as UTF-8 with lone surrogates passed, as it reads each line (a line starting with `{`
is never taken for UTF-16 or UTF-32; invalid UTF-8 or a NUL byte fails the decode).
NaN, Infinity and integers too large for a float decode as on the line reader, and
`_cases` reports them (plain rows have none: `vectors_finite`, `typed_block`'s tests);
an integer over 4,300 digits, or nesting past the decoder's stack, raises.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from itertools import chain, count, repeat
from operator import itemgetter
from typing import Any

from ftlint.model import HardCase, Problem, TraceRow
from ftlint.sources.hardplain import plain_colons, typed_block
from ftlint.sources.hardrows import _cases

#: a line, after the first, that does not open an object (the last newline ends the block)
_OTHER_LINE = re.compile(rb"\n[^{]").search
#: a colon (or digit) written as an escape; `re` finds it ~1.5x faster than `in`
_ESCAPE = re.compile(rb"\\u003").search
_loads = json.loads
_VECTORS = itemgetter("target_vector", "predicted_vector", "abs_error_raw")


def small_cases(
    rel: str,
    run: str,
    first: int,
    chunk: bytes,
    max_line_bytes: int,
    traces: Mapping[int, TraceRow],
) -> tuple[list[HardCase | Problem] | None, bool, int]:
    """What the line reader yields for `chunk` (whole lines, numbered from `first`, each
    ended by a newline) when every line is a shallow row with no duplicated key, else
    None; whether that is rows only (no `Problem`); and the number of lines.

    The lines are joined as `[L1,\\nL2,\\n...Ln,\\n{}]`: one pass writes every newline
    as `,\\n` (and counts the lines: the bytes it adds), and the closing `{}` is one more
    line that opens an object (the proof above holds for it), decoded as the last
    element and dropped. Plain rows are typed by `typed_block` and counted by
    `plain_colons`; other shallow rows (a vector value that is no finite number, a key
    that is no field, a `weather` object, a row `_cases` reports) are counted by
    `shallow_colons` (~2 us a row more) and typed by `_cases`, as the line reader types
    them."""
    joined = chunk.replace(b"\n", b",\n")
    lines = len(joined) - len(chunk)
    if chunk[:1] != b"{" or _OTHER_LINE(chunk) is not None or _ESCAPE(chunk) is not None:
        return None, False, lines
    if len(chunk) > max_line_bytes and max(map(len, chunk.split(b"\n"))) > max_line_bytes:
        return None, False, lines  # (no line is longer than the block)
    try:
        values = _loads(b"".join((b"[", joined, b"{}]")))
    except Exception:  # ValueError (UnicodeDecodeError too), RecursionError
        return None, False, lines
    if len(values) != lines + 1:
        return None, False, lines
    del values[-1]  # (the `{}`)
    colons = chunk.count(b":")
    try:  # `hardvalues.vectors_finite`, with the vectors kept for the count
        vectors = list(chain.from_iterable(map(_VECTORS, values)))
        total = sum(chain.from_iterable(map(dict.values, vectors)), 0.0)
    except (TypeError, KeyError, OverflowError):  # (no dict, no vector, no number)
        total = math.nan
    typed = None
    if total - total == 0.0:  # (no NaN, Infinity or overflow)
        typed, clean, flat = typed_block(rel, run, first, values, traces)
        if flat and plain_colons(values, vectors) == colons:  # plain rows (`clean` too)
            return typed, True, lines
    if shallow_colons(values) != colons:
        return None, False, lines
    if typed is None:
        typed = list(_cases(rel, run, zip(count(first), values, repeat(None)), traces))
        clean = all(map(_IS_CASE, typed))
    return typed, clean, lines


def shallow_colons(rows: list[Any]) -> int | None:
    """The colons JSON text of `rows` holds (members, and colons in keys and strings),
    for objects whose values are no array and whose object values hold no object or
    array (two deep at most), or None for any other rows. The count walks every key and
    string of such rows (C-level passes: ~2.2 us a row of the HF Jobs shape)."""
    try:
        inner = list(chain.from_iterable(map(dict.values, rows)))
    except TypeError:  # a row that is no object
        return None
    objects = list(filter(_IS_DICT, inner))
    leaves = list(chain.from_iterable(map(dict.values, objects)))
    if list in set(map(type, inner)) or not _DEEP.isdisjoint(map(type, leaves)):
        return None
    found = sum(map(len, rows)) + sum(map(len, objects))
    keys = chain(chain.from_iterable(rows), chain.from_iterable(objects))
    strings = chain(filter(_IS_STR, inner), filter(_IS_STR, leaves))
    return found + "".join(chain(keys, strings)).count(":")


_IS_DICT = dict.__instancecheck__
_IS_STR = str.__instancecheck__
_IS_CASE = HardCase.__instancecheck__
_DEEP = frozenset((dict, list))
