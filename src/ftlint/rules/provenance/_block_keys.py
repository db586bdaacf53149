"""PRV008's per-row keys of a whole block at once, in a few C-level passes (`map`,
`join`, list comparisons) instead of a dozen Python steps a row.

`block_keys` takes a block whose rows are all plain JSONL rows of one file (one path,
no pointer or URL, a str sample id that is also the evidence's; with `packs`, an int
line and a canonical decimal id that `_EvidencePacker.pack` packs) and whose request
texts are all non-blank strings. For it, it gives
each row's example key and input key as raw hashes (`hash(...) or 1`: the row path's
key is that `& M64`), its reference as a raw hash of which `reference_key` keeps 63
bits (or `reference_key` itself, or -1 for none), its line and its sample id: what the
row path (`_Repeats.row`) computes for that row, short of the masks. For any other
block it gives None and the visitor takes its exact row path.
tests/rules/test_prv008_block_keys.py holds it to the row path row by row.

Whitespace: a text is already normal (`" ".join(text.split())` is itself) when it is
printable (every whitespace character but the space is not), holds no two spaces in a
row and starts and ends with something else. For the block: the texts joined by one
space are printable and hold no two spaces in a row and the join neither starts nor
ends with a space (a text with a space at an end, or an empty one, puts two spaces
together or one at an end). Blocks that fail test each text (a space-joined text is
then split and joined again).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import repeat
from operator import attrgetter
from typing import Any

from ftlint.model import HardCase
from ftlint.rules.provenance._references import _UNSET, block_references, reference_key

LIMIT34 = 1 << 34
_TEXT = attrgetter("request_text")
_EVIDENCE = attrgetter("evidence")
_SAMPLE = attrgetter("sample_id")
_LINE = attrgetter("line")
_WHERE = attrgetter("path", "pointer", "url")


def example_hash(evidence: Any, ident: Any) -> int:
    """The raw key of a row's example (its file and sample id, or its location when it
    has none): one example read twice (another filter or view of it) gets the same key.
    Nonzero (0 marks an empty slot of a `_Table`, which holds it `& M64`).

    Python's own hash (SipHash of a str, randomised per process): keys live in one
    visitor of one process (and its forked workers) and are never written anywhere, so
    only their equality matters, and a hash is ~1 us a row cheaper than a blake2b
    digest of the bytes."""
    if ident is None:
        ident = evidence.location()
    path = evidence.path
    return hash((path, ident) if isinstance(ident, str) else (path, "r", repr(ident))) or 1


def normal(text: str) -> str:
    """`" ".join(text.split())`, skipped when `text` is already normal."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def block_keys(
    cases: Sequence[HardCase], paths: dict[str, int], packs: bool = True, encode: Any = _UNSET
) -> tuple[list[int], list[int], list[int], list[Any], list[str], int | None, str] | None:
    """(example keys, input keys, references, lines, sample ids, the path's
    index in `paths` or None when it has none yet, the path) of a block's rows, or None
    (see the module). A path not in `paths` gets the next index (`_EvidencePacker.pack`
    gives it one on its first new input), so it must pack (fewer than 512 paths).
    `packs=False`: any line and any str id (the caller packs each first row later, from
    its path, line and id, which are all its Evidence holds). `encode`: the visitor's
    reference encoder (`_references.reference_key`)."""
    n = len(cases)
    evidence = list(map(_EVIDENCE, cases))
    path = evidence[0].path
    where = paths.get(path)
    if (len(paths) if where is None else where) >= 512:
        return None
    if list(map(_WHERE, evidence)).count((path, None, None)) != n:
        return None
    lines = list(map(_LINE, evidence))
    ids = list(map(_SAMPLE, evidence))
    if list(map(_SAMPLE, cases)) != ids:
        return None
    if not packs:
        if list(map(type, ids)).count(str) != n:
            return None
    elif not (
        list(map(type, lines)).count(int) == n
        and min(lines) >= 0
        and max(lines) < LIMIT34 - 1
        and _decimals(ids)
    ):
        return None
    texts = list(map(_TEXT, cases))
    if list(map(type, texts)).count(str) != n:
        return None
    joined = " ".join(texts)
    if not (
        joined  # (a block of one empty text joins to "")
        and _printable(joined)
        and _TWO_SPACES.search(joined) is None  # (`"  " not in joined`, ~5 times faster)
        and joined[0] != " "
        and joined[-1] != " "
    ):
        texts = list(map(normal, texts))
        if "" in texts:
            return None  # a blank text: skipped by the row path
    examples = list(map(hash, zip(repeat(path), ids)))
    if 0 in examples:
        examples = [key or 1 for key in examples]  # (the row path makes a zero key 1)
    inputs = list(map(hash, texts))
    if 0 in inputs:
        inputs = [key or 1 for key in inputs]
    refs = block_references(cases, encode)
    if refs is None:
        refs = [-1 if r is None else r for r in map(reference_key, cases, repeat(encode))]
    return examples, inputs, refs, lines, ids, where, path


def _decimals(ids: list[Any]) -> bool:
    """Whether every id is a canonical decimal string of at most 12 digits (what
    `_tables._decimal` packs as `int(id) + 1`)."""
    if list(map(type, ids)).count(str) != len(ids):
        return False
    digits = "".join(ids)
    if not (digits.isascii() and digits.isdigit()):
        return False
    sizes = list(map(len, ids))
    if min(sizes) == 0 or max(sizes) > 12:
        return False
    lines = "\n" + "\n".join(ids)
    if "\n0" in lines:  # the id 0, or a leading zero: a newline, a 0 and a digit
        return _LEADING_ZERO.search(lines) is None
    return True


_LEADING_ZERO = re.compile("\n0[0-9]")
_TWO_SPACES = re.compile("  ")
#: the ASCII characters `str.isprintable` refuses
_CONTROL = bytes([*range(32), 127])


def _printable(text: str) -> bool:
    """`text.isprintable()`: for an ASCII text, whether its bytes hold no control
    character (a byte table lookup where `isprintable` looks each character up in the
    Unicode database: ~0.04 us a row less)."""
    if text.isascii():
        data = text.encode()
        return len(data.translate(None, _CONTROL)) == len(data)
    return text.isprintable()
