"""One scan of a block's completions for what SEC001 and FMT008 test in each row.

SEC001's per-row test (`secret_in_artifact.hinted`) lowers each completion and scans it
for 11-17 needles one `in` at a time: about 2.5 us a 465-character completion, nearly
all of it in the scans (each one a pass over the text). FMT008's `normalized` spends
1.2 us a row proving a completion already normal (`isprintable`, no double space).
With `ahocorasick-rs` (a dependency) the ASCII completions of a block are joined,
lowered once and searched for every needle and every run of whitespace but a single
space in one pass (Teddy SIMD): about 0.4 us a row for both rules. Without it (a
platform with no wheel), `scan_block` is None and each visitor keeps its per-row test.

What a row's flags promise (a flag may be raised for nothing; a flagged row takes the
visitor's exact per-row path, which tests again):

* `secret`: every row `hinted` flags is in it. The ASCII texts are joined and lowered
  as bytes (for them `lower` is the ASCII mapping); the others are lowered one by one
  with `str.lower`, as `hinted` lowers them (the Kelvin sign lowers to `k`, U+0130 to
  `i` and a combining dot), and searched in UTF-8: an ASCII needle occurs in the bytes
  exactly where it occurs in the text (no byte of a multi-byte character is ASCII).
  The GitHub needles are searched without `hinted`'s "`_` in the text" condition.
* `rough`: a row that is not ASCII or holds a whitespace character but the space and
  the newline is `OTHER`; an ASCII row with newlines or two spaces in a row, and no
  other whitespace but spaces, is `LINES`; the rest are `NORMAL`, and such a row is
  its own `" ".join(text.split())` once a space at either end is stripped (ASCII
  whitespace is the space and nine control characters, all searched; lowering changes
  none of them). `doubled`: exactly the ASCII rows with two spaces in a row (the
  search reports a match in every row that holds the pattern, see below).

Why one match a row is enough: the separator (NUL) is in no pattern, so no match spans
two rows, and a leftmost non-overlapping search reports at least one match in every
row that holds a pattern (a reported match that overlaps it is in the same row). A
match is mapped to its row by offset (`bisect` over the rows' start offsets), so a
NUL inside a completion moves no row.

tests/rules/test_stream_fast_security.py holds the flags to `hinted` and to
`" ".join(text.split())` row by row.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate, compress, repeat
from operator import add, contains, countOf, is_
from typing import Any

from ftlint.model import HardCase

#: Substrings of the lower-cased text, one of which every hint of `find_secrets` holds
#: (`redact._TOKEN_PATTERNS` and `_WORD_HINTS`: `--key` holds `key`, `wandb login` holds
#: `wandb`; tests/rules check that every hint is covered): SEC001's per-row test
#: (`secret_in_artifact.hinted`) and this scan search the same ones. No needle is
#: shorter than three bytes: the search's SIMD prefilter then matches on three-byte
#: fingerprints, and prose is full of the two-byte starts of `token`, `secret`, `bearer`
#: (`to`, `se`, `be`); with `hf` for the Hugging Face hints it verified so many candidates
#: that the scan cost 0.26 us a row, not 0.11 (the hints are `hf_` and `hf\_`)
SECRET_NEEDLES = (
    "hf_", "hf\\_", "sk-", "akia", "xox", "wandb", "://", "bearer", "token", "secret", "passw",
    "key",
)  # fmt: skip
#: ... and the GitHub hints (`ghp_`, `github_pat_`, also Markdown-escaped), each with
#: an underscore (the per-row test asks for one first; this scan does not)
GH_NEEDLES = ("ghp", "gho", "ghu", "ghs", "ghr", "github")
NEEDLES = SECRET_NEEDLES + GH_NEEDLES
#: ASCII whitespace but a single space (`str.split`'s, bar the space), and two spaces
SPACES = ("  ", "\t", "\n", "\x0b", "\x0c", "\r", "\x1c", "\x1d", "\x1e", "\x1f")

_SEP = "\x00"
#: `BlockScan.rough` of a row: in normal form (bar a space at either end), only
#: newlines and double spaces to collapse (ASCII), or anything else
NORMAL, LINES, OTHER = 0, 1, 2
#: the control characters but the newline: rare, so a match of each is cheap to map
#: to its row (a newline is common, ~10 a completion with an indented object: a row is
#: asked whether it holds one instead, `_find_rough`)
_CONTROLS = tuple(c for c in SPACES[1:] if c != "\n")
#: per pattern group, the searcher's `find_matches_as_indexes`: three automata, as one
#: with single-byte and common-byte patterns mixed in loses its SIMD prefilter (0.75
#: us a row, not 0.4 for the three)
_GROUPS = (NEEDLES, _CONTROLS, SPACES[:1])
_SEARCH: list[Any] = []
_Search = Callable[[bytes], list[tuple[int, int, int]]]


def _searchers() -> tuple[_Search, _Search, _Search] | None:
    """The multi-pattern searches (needles, control whitespace, two spaces), built on
    first use (the import costs 2 ms; a lint with no hard cases never pays it), None
    without the package."""
    if not _SEARCH:
        try:
            import ahocorasick_rs
        except ImportError:
            _SEARCH.append(None)
        else:
            _SEARCH.append(
                tuple(
                    ahocorasick_rs.BytesAhoCorasick(
                        [pattern.encode("ascii") for pattern in group],
                        # leftmost semantics enable the packed (SIMD) prefilter; one
                        # match a row is all that matters (see the module docstring)
                        matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_FIRST,
                    ).find_matches_as_indexes
                    for group in _GROUPS
                )
            )
    return _SEARCH[0]  # type: ignore[no-any-return]


def available() -> bool:
    """Whether the block scan can run (`ahocorasick-rs` is installed)."""
    return _searchers() is not None


class BlockScan:
    """The texts of one block's rows, joined once; `secret` and `rough` search them on
    first use (so a lint that runs only one of SEC001 and FMT008 pays for its own)."""

    __slots__ = (
        "_ascii",
        "_chosen",
        "_doubled",
        "_joined",
        "_plain",
        "_rough",
        "_search",
        "_secret",
        "_starts",
        "texts",
    )  # fmt: skip

    def __init__(self, texts: list[str], search: tuple[_Search, _Search, _Search]) -> None:
        self.texts = texts
        """Each row's `generated_text` (all exact `str`s)."""
        self._search = search
        ascii_rows = self._ascii = list(map(str.isascii, texts))  # O(1): a string's flag
        #: indices of the ASCII rows, None when every row is
        self._plain = None if all(ascii_rows) else list(compress(range(len(texts)), ascii_rows))
        self._chosen = texts if self._plain is None else [texts[i] for i in self._plain]
        self._joined = _SEP.join(self._chosen).encode("ascii").lower()
        self._starts: list[int] | None = None
        self._secret: list[int] | None = None
        self._rough: list[bool] | None = None
        self._doubled: list[int] = []

    def secret(self) -> list[int]:
        """Ascending indices of the rows that may hold a secret hint."""
        if self._secret is None:
            self._secret = self._find_secret()
        return self._secret

    def rough(self) -> list[int]:
        """Per row, how far the text may be from its normal form: `NORMAL` (ASCII, no
        whitespace but single spaces, bar perhaps one at either end), `LINES` (ASCII,
        no whitespace but spaces and newlines) or `OTHER`."""
        if self._rough is None:
            self._rough = self._find_rough()
        return self._rough

    def doubled(self) -> list[int]:
        """Ascending indices of the ASCII rows that hold two spaces in a row (`rough`
        flags them `LINES`): FMT008 collapses the newlines of the other `LINES` rows
        without looking for runs of spaces."""
        self.rough()
        return self._doubled

    def _rows(self, matches: list[tuple[int, int, int]]) -> list[int]:
        """The rows (indices into `texts`) of matches in the joined ASCII rows."""
        if self._starts is None:
            self._starts = _starts(self._chosen)
        rows = _rows(matches, self._starts)
        plain = self._plain
        return rows if plain is None else [plain[i] for i in rows]

    def _find_secret(self) -> list[int]:
        search = self._search[0]
        matches = search(self._joined)
        found = self._rows(matches) if matches else []
        plain = self._plain
        if plain is None:
            return found
        # the others lowered as `hinted` lowers them, in UTF-8 (`surrogatepass`: a JSON
        # string may decode to a lone surrogate)
        rest = [i for i, plain in enumerate(self._ascii) if not plain]
        lowered = [self.texts[i].lower().encode("utf-8", "surrogatepass") for i in rest]
        matches = search(_SEP.encode("ascii").join(lowered))
        if matches:
            found += [rest[i] for i in _rows(matches, _starts(lowered))]
            found.sort()  # (each part is ascending)
        return found

    def _find_rough(self) -> list[int]:
        plain = self._plain
        rough = [NORMAL if plain is None else OTHER] * len(self.texts)  # non-ASCII: OTHER
        if plain is not None:
            for at in plain:
                rough[at] = NORMAL
        # every control character is a match of its own (one character: none overlap)
        matches = self._search[1](self._joined)
        if matches:
            for row in self._rows(matches):
                rough[row] = OTHER
        # a newline: one `in` (a memchr) a row, not a match per newline mapped to its row
        # (`operator.contains`: `str.__contains__` is a slot wrapper, 30 ns a call more)
        chosen = self._chosen
        for at in compress(range(len(chosen)), map(contains, chosen, repeat("\n"))):
            row = at if plain is None else plain[at]
            if rough[row] == NORMAL:
                rough[row] = LINES
        matches = self._search[2](self._joined)
        if matches:
            self._doubled = self._rows(matches)
            for row in self._doubled:
                if rough[row] == NORMAL:
                    rough[row] = LINES
        return rough


def scan_block(cases: list[HardCase]) -> BlockScan | None:
    """The `BlockScan` of a block's rows, None when the scan is unavailable or a text
    is no exact `str` (the caller then tests each row itself). Memoised for the texts
    just scanned: SEC001 and FMT008 ask in turn. The memo holds the texts, not the
    block: the scan depends on them alone, held strings keep their ids, and the rows
    (with their raw dicts) are freed where they were, not here when the next block comes
    (that cost 0.75 us a row, charged to whichever visitor asked first)."""
    # (a comprehension: 9 ns a row, an `attrgetter` map 18, and no faster check)
    texts = [case.generated_text for case in cases]
    last = _LAST
    held = last[0]
    if held is not None and len(held) == len(texts) and all(map(is_, held, texts)):
        return last[1]  # type: ignore[no-any-return]
    search = _searchers()
    found = None
    if search is not None and countOf(map(type, texts), str) == len(texts):
        found = BlockScan(texts, search)
    last[0], last[1] = texts, found
    return found


#: The last (texts, scan) of `scan_block`
_LAST: list[Any] = [None, None]


def release_scan() -> None:
    """Forget the block `scan_block` holds (`ftlint.rule.BatchVisitor.block_done` of
    its visitors): the engine has fed it to every visitor, so its texts are freed
    before the next block is read."""
    _LAST[0] = _LAST[1] = None


def _starts(pieces: list[Any]) -> list[int]:
    """Where each of the NUL-joined `pieces` starts, and where one more would."""
    return list(accumulate(map(add, map(len, pieces), repeat(1)), initial=0))


def _rows(matches: list[tuple[int, int, int]], starts: list[int]) -> list[int]:
    """The pieces (by `starts`) the matches fall in, ascending, each once."""
    rows: list[int] = []
    end = -1  # where the piece last found ends: matches come in order
    for _, start, _ in matches:
        if start >= end:
            row = bisect_right(starts, start) - 1
            rows.append(row)
            end = starts[row + 1]
    return rows
