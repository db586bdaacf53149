"""PRV008's reference keys: a 63-bit key of a row's reference (its target object, or its
label in a choice-contract eval), equal for two rows exactly when their references are
the same JSON (sorted keys), up to the collisions of Python's randomised hash.

A flat object of numbers, as every target vector is, is keyed by its sorted keys and
its values' machine bytes in that order: `array('q')` for ints that fit 64 bits,
`array('d')` for floats (bits, not `hash`: CPython's float hash is not exact, 0.5 and
2.0**60 share one, as -0.0 and 0.0 do; and the bytes of equal floats are equal bar NaN,
whose targets take the JSON form: every NaN is `NaN` there). The bytes are hashed with
the sorted keys and a tag (5 ints, 6 floats) in one tuple: a str and a bytes value are
SipHashed with the per-process secret, so two different references meet only where
two hashes of distinct values do. Anything else (labels, nested or mixed targets, bools,
huge ints, NaN) takes its canonical JSON text, or the label itself.

`block_references` keys a whole block of flat targets with one key set at once (a few
C-level passes, ~0.5 us a row where `reference_key` takes 1-3): it gives for every row
what `reference_key` gives, or None when the block must be keyed row by row.
tests/rules/test_prv008_block_keys.py holds the two to each other.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Sequence
from itertools import chain, repeat
from operator import attrgetter, itemgetter
from typing import Any

from ftlint.model import HardCase

M63 = (1 << 63) - 1
_STR = frozenset({str})
_INTS, _FLOATS = 5, 6  # tags of the machine-bytes forms
_TARGET = attrgetter("target_vector")
_ONE = 1


def reference_key(case: HardCase) -> int | None:
    """A 63-bit key (stored + 1 in a 64-bit slot) of a row's reference, None when it has
    none (see the module)."""
    target: Any = case.target_vector
    if target is None and case.raw.get("contract") == "choice":
        target = case.raw.get("label")
    if target is None:
        return None
    kind = type(target)
    if kind is str:
        return hash((1, target)) & M63
    if kind is dict and target and _STR.issuperset(map(type, target)):
        keys = tuple(sorted(target))
        values = [target[k] for k in keys]
        types = set(map(type, values))
        if types == {int}:
            try:
                return hash((_INTS, keys, array("q", values).tobytes())) & M63
            except OverflowError:
                pass  # beyond 64 bits: the JSON text
        elif types == {float} and all(v == v for v in values):  # (no NaN)
            return hash((_FLOATS, keys, array("d", values).tobytes())) & M63
    try:
        text = json.dumps(target, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return None
    return hash((3, text)) & M63


def block_references(cases: Sequence[HardCase]) -> list[int] | None:
    """`reference_key(case) + 1` of every row of a block whose targets are all flat
    objects of one key set and one number type (ints that fit 64 bits, or floats and no
    NaN), computed a block at a time; None for any other block."""
    targets = list(map(_TARGET, cases))
    first = targets[0]
    if first.__class__ is not dict or not first or set(map(type, targets)) != {dict}:
        return None
    if not _STR.issuperset(map(type, first)):
        return None
    keys = tuple(sorted(first))
    width = len(keys)
    if list(map(len, targets)).count(width) != len(targets):
        return None  # (same size and every key of the first: the same key set)
    try:
        rows = list(map(itemgetter(*keys), targets))
    except KeyError:
        return None
    flat = rows if width == 1 else list(chain.from_iterable(rows))
    types = set(map(type, flat))
    if types == {int}:
        tag = _INTS
        try:
            data = array("q", flat).tobytes()
        except OverflowError:
            return None
    elif types == {float}:
        total = sum(flat)
        if total != total:
            return None  # a NaN (or inf - inf): row by row
        tag, data = _FLOATS, array("d", flat).tobytes()
    else:
        return None
    step, end = 8 * width, len(data)
    chunks = map(data.__getitem__, map(slice, range(0, end, step), range(step, end + step, step)))
    hashes = map(hash, zip(repeat(tag), repeat(keys), chunks))
    return list(map(_ONE.__add__, map(M63.__and__, hashes)))
