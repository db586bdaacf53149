"""Which completions of a block may hold a secret hint, in one multi-pattern scan.

SEC001's per-row test (`secret_in_artifact.hinted`) lowers each completion and scans it
for 11-17 needles one `in` at a time: about 2.5 us a 465-character completion, nearly
all of it in the scans (each one is a pass over the text). With the optional
`ahocorasick-rs` (the `fast` extra) the ASCII completions of a block are joined,
lowered once and searched for every needle in one pass (Teddy SIMD): 0.4 us a row.
Without it, `flagged` is None and the visitor keeps the per-row test.

`flagged` must flag every row `hinted` flags (a superset is fine: a flagged row takes
`row`, which tests `may_hold` again before the full `find_secrets`):

* the ASCII texts are joined and lowered as bytes (for them `lower` is the ASCII
  mapping); the others are lowered one by one with `str.lower`, as `hinted` lowers
  them (the Kelvin sign lowers to `k`, U+0130 to `i` and a combining dot), and
  searched in UTF-8 (an ASCII needle occurs in the bytes exactly where it occurs in
  the text: no byte of a multi-byte character is ASCII);
* the separator (NUL) is in no needle, so no match spans two rows, and a leftmost
  non-overlapping search reports at least one match in every row that holds a needle
  (a match never leaves its row, so none can cover a later row's needle);
* a match is mapped to its row by offset (`bisect` over the rows' start offsets), so a
  NUL inside a completion moves no row;
* the GitHub needles are searched without `hinted`'s "`_` in the text" condition
  (more rows flagged, none missed).

tests/rules/test_stream_fast_security.py holds `flagged` to `hinted` row by row.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate, compress
from typing import Any

#: the needles of `secret_in_artifact.NEEDLES` and `GH_NEEDLES`, as lower-case ASCII bytes
#: (a copy, so importing this module does not import the rule; a test checks they agree)
NEEDLES = (
    "hf", "sk-", "akia", "xox", "wandb", "://", "bearer", "token", "secret", "passw", "key",
    "ghp", "gho", "ghu", "ghs", "ghr", "github",
)  # fmt: skip

_SEP = "\x00"
#: the searcher's `find_matches_as_indexes`, False when `ahocorasick_rs` is missing
_SEARCH: list[Any] = []


def _searcher() -> Callable[[bytes], list[tuple[int, int, int]]] | None:
    """The multi-needle search, built on first use (the import costs 2 ms; a lint with
    no hard cases never pays it), None without the optional package."""
    if not _SEARCH:
        try:
            import ahocorasick_rs
        except ImportError:
            _SEARCH.append(None)
        else:
            automaton = ahocorasick_rs.BytesAhoCorasick(
                [needle.encode("ascii") for needle in NEEDLES],
                # leftmost semantics enable the packed (SIMD) prefilter; one match a
                # row is all that matters (see the module docstring)
                matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_FIRST,
            )
            _SEARCH.append(automaton.find_matches_as_indexes)
    return _SEARCH[0]  # type: ignore[no-any-return]


def available() -> bool:
    """Whether the block scan can run (the optional `ahocorasick-rs` is installed)."""
    return _searcher() is not None


def flagged(texts: list[str]) -> list[int] | None:
    """The indices (ascending) of the `texts` that may hold a secret hint: every index
    `hinted` accepts, perhaps more. None when the scan is unavailable (the caller then
    tests each text itself). `texts` must all be exact `str`s."""
    search = _searcher()
    if search is None:
        return None
    ascii_rows = [text.isascii() for text in texts]  # O(1) each: a flag of the string
    if all(ascii_rows):
        matches = search(_SEP.join(texts).encode("ascii").lower())
        return _rows(matches, texts) if matches else []
    found: list[int] = []
    plain = list(compress(range(len(texts)), ascii_rows))
    if plain:
        chosen = [texts[i] for i in plain]
        matches = search(_SEP.join(chosen).encode("ascii").lower())
        if matches:
            found += [plain[i] for i in _rows(matches, chosen)]
    # the others lowered as `hinted` lowers them, in UTF-8 (`surrogatepass`: a JSON
    # string may decode to a lone surrogate)
    rest = [i for i, plain_row in enumerate(ascii_rows) if not plain_row]
    lowered = [texts[i].lower().encode("utf-8", "surrogatepass") for i in rest]
    matches = search(_SEP.encode("ascii").join(lowered))
    if matches:
        found += [rest[i] for i in _rows(matches, lowered)]
        found.sort()  # (each part is ascending)
    return found


def _rows(matches: list[tuple[int, int, int]], pieces: list[Any]) -> list[int]:
    """The indices of the joined `pieces` (texts or bytes) that `matches` (offsets in
    the joined bytes; one unit a character for ASCII texts) fall in, ascending."""
    # piece i starts at sum(len(pieces[:i])) + i (one separator after each piece)
    starts = list(accumulate((len(piece) + 1 for piece in pieces), initial=0))
    rows: list[int] = []
    last = -1
    for _, start, _ in matches:
        row = bisect_right(starts, start) - 1
        if row != last:  # matches come in order: a row's repeats are adjacent
            rows.append(row)
            last = row
    return rows
