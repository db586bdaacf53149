"""The block reader's decoder for a file under `io.FAST_MIN_BYTES` (no msgspec: importing
it costs ~20 ms, more than it saves on a few thousand rows), on the standard library.

`small_cases` answers for a block of whole lines of plain rows (what the HF Jobs writer
writes, `ftlint.sources.hardplain`'s docstring) with one `json.loads` of the block, and
refuses (None: the caller reads the block on the exact line reader) any other block;
when it answers, its rows are exactly those of the line reader (`jsonl_items` ->
`loads_checked` -> `_cases`), which decodes line by line with a Python hook per object
(~14.6 us a row in all on a 2,000-row file, against ~8 here).

Why one decode of the block gives every line's value. The block's lines are joined as
the elements of one array: `[` + the lines, each newline written `,\\n`, + `]`. Every
line must open an object (its first byte is `{`: no leading whitespace, BOM or blank
line) and every decoded row must be plain (`typed_block`'s `flat`: objects two deep at
most, no array anywhere). Then no joining comma sits inside an element: not inside a
string (the raw newline after it is no valid string character), not between members of
an object (the next line's `{` is no key), not between items of an array (the rows hold
none). So every joining comma separates two elements of the outer array, each line
holds one or more whole elements, and as many elements as lines means one each: every
element is its line's value, what `json.loads` of the line alone returns (whitespace
around a value, a CR before the newline, changes nothing). A line that is no valid JSON
value alone fails the decode or the count.

What the line reader would add: a duplicated key (its first value kept, a problem
reported; `json.loads` keeps the last one silently) is found by counting colons as
`hardplain.plain_cases` does (a plain row's members and string colons against the
block's colons; a block writing `\\u003` is refused: an escaped colon would break the
count). Encodings: `json.loads` of the bytes reads them as UTF-8 with lone surrogates
passed, as it reads each line (a line starting with `{` is never taken for UTF-16 or
UTF-32; invalid UTF-8 or a NUL byte fails the decode). NaN, Infinity, integers too
large for a float and wrong types are no plain row (`vectors_finite`, `typed_block`'s
tests); an integer over 4,300 digits, or nesting past the decoder's stack, raises.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from itertools import chain
from operator import itemgetter

from ftlint.model import HardCase, TraceRow
from ftlint.sources.hardplain import plain_colons, typed_block

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
) -> tuple[list[HardCase] | None, int]:
    """The `HardCase`s of `chunk` (whole lines, numbered from `first`, each ended by a
    newline), exactly as the line reader types them, when every line is a plain row with
    no duplicated key, else None; and the number of lines.

    The lines are joined as `[L1,\\nL2,\\n...Ln,\\n{}]`: one pass writes every newline
    as `,\\n` (and counts the lines: the bytes it adds), and the closing `{}` is one more
    line that opens an object (the proof above holds for it), decoded as the last
    element and dropped."""
    joined = chunk.replace(b"\n", b",\n")
    lines = len(joined) - len(chunk)
    if chunk[:1] != b"{" or _OTHER_LINE(chunk) is not None:
        return None, lines
    if len(chunk) > max_line_bytes and max(map(len, chunk.split(b"\n"))) > max_line_bytes:
        return None, lines  # (no line is longer than the block)
    try:
        values = _loads(b"".join((b"[", joined, b"{}]")))
    except Exception:  # ValueError (UnicodeDecodeError too), RecursionError
        return None, lines
    if len(values) != lines + 1:
        return None, lines
    del values[-1]  # (the `{}`)
    try:  # `hardvalues.vectors_finite`, with the vectors kept for the count
        vectors = list(chain.from_iterable(map(_VECTORS, values)))
        total = sum(chain.from_iterable(map(dict.values, vectors)), 0.0)
    except (TypeError, KeyError, OverflowError):  # (no dict, no vector, no number)
        return None, lines
    if total - total != 0.0:  # NaN, Infinity, or an overflow
        return None, lines
    typed, _, flat = typed_block(rel, run, first, values, traces)
    if not flat or _ESCAPE(chunk) is not None:
        return None, lines
    colons = plain_colons(values, vectors)
    if colons is None or colons != chunk.count(b":"):
        return None, lines
    return typed, lines  # type: ignore[return-value]  # (flat: rows only)
