"""PRV008's reference keys: a 63-bit key of a row's reference (its target object, or its
label in a choice-contract eval), equal for two rows exactly when their references are
the same JSON (sorted keys), up to the collisions of Python's randomised hash.

A label (a str) is hashed as it is. Anything else is keyed by its MessagePack
encoding with sorted keys (msgspec, `order="sorted"`: one C call, ~0.2 us for a
six-number target where `json.dumps` takes ~3 and JSON text ~0.35, floats being copied
as their 8 bytes, not printed), which is as exact as the sorted-key JSON: an int and a
float, `true` and 1, -0.0 and 0.0, 0.5 and 2.0**60 encode apart, equal values alike
(the smallest int form, every float as float64, lengths in the headers). Where it cannot
say it exactly the JSON text (`json.dumps(sort_keys=True)`) is keyed instead: every NaN
is `NaN` in JSON but NaNs may differ in their bits, so an encoding that may hold a NaN
(the float64 marker followed by a byte 0x7f or 0xff: NaN, the infinities and floats of
magnitude 2**1008 or more) takes the JSON text; so does a value msgspec refuses (an
int past 64 bits, a non-str key, a lone surrogate). Which form a reference takes
depends on the reference alone, so equal references always get the same one. A bytes
and a str are SipHashed with the per-process secret, so two different references meet
only where two hashes of distinct values do (forked `--jobs` workers share the secret).

Without the encoder (a file under `FAST_MIN_BYTES`, rows of other sources) an object is
keyed by `_text_keys`: a key equal exactly when the JSON texts are (the text's own key
but for flat references, keyed from their values at a tenth of `json.dumps`' cost).

`block_references` keys a block of object targets at once (`map` of the encoder and of
`hash`, or `_text_keys.block_text_keys`); it gives for every row what `reference_key`
gives, or None when the block must be keyed row by row. tests/rules/test_prv008_block_keys.py holds the two to each other.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

from ftlint.model import HardCase
from ftlint.rules.provenance._text_keys import block_text_keys, flat_key, text_key

M63 = (1 << 63) - 1
_TARGET = attrgetter("target_vector")


def _encoder() -> Callable[[Any], bytes] | None:
    try:
        import msgspec

        return msgspec.msgpack.Encoder(order="sorted").encode  # type: ignore[no-any-return]
    except (ImportError, TypeError):  # no msgspec, or one without `order`
        return None


_UNSET: Any = object()
#: msgspec's MessagePack encoder with sorted keys (None without it: every object takes
#: `json.dumps`), made on first use (`encoder`): importing msgspec costs ~11 ms, which a
#: lint of small files never pays (`for_rows`)
ENCODE: Any = _UNSET


def encoder() -> Callable[[Any], bytes] | None:
    """`ENCODE`, made now if it is not yet."""
    global ENCODE
    if ENCODE is _UNSET:
        ENCODE = _encoder()
    return ENCODE  # type: ignore[no-any-return]


def for_rows(size: int | None, min_bytes: int) -> Callable[[Any], bytes] | None:
    """The encoder a run's visitor keys its references with: msgspec's for a hard-case
    file of `min_bytes` or more (`size`, `Run.hard_cases_bytes`: whose reader imports
    msgspec anyway), else None (the JSON text: ~3 us a row, less than the import on a
    few thousand rows; also for rows of other sources, `size` None). It depends on the
    size discovery noted alone, so a visitor keys every row one way, and the processes
    that share a big file's rows under `--jobs` key them alike."""
    return encoder() if size is not None and size >= min_bytes else None


#: a float64 (marker 0xcb) whose first byte is 0x7f or 0xff: maybe a NaN
_NAN = (b"\xcb\x7f", b"\xcb\xff")


def reference_key(case: HardCase, encode: Any = _UNSET) -> int | None:
    """A 63-bit key (stored + 1 in a 64-bit slot) of a row's reference, None when it has
    none (see the module); `encode`: the encoder to key objects with (by default
    `encoder()`; None: the JSON text)."""
    target: Any = case.target_vector
    if target is None and case.raw.get("contract") == "choice":
        target = case.raw.get("label")
    if target is None:
        return None
    if type(target) is str:
        return hash((1, target)) & M63
    if encode is _UNSET:
        encode = encoder()
    if encode is None:  # the JSON text's key (`_text_keys`: from the values when flat)
        got = flat_key(target)
        if got is None:
            got = text_key(target)
        return None if got is None else got & M63
    try:
        data = encode(target)
    except Exception:  # (non-str keys, unencodable objects): `json.dumps` decides
        data = _NAN[0]
    if _NAN[0] not in data and _NAN[1] not in data:
        return hash(data) & M63
    try:
        text = json.dumps(target, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return None
    return hash((3, text)) & M63


def block_references(cases: Sequence[HardCase], encode: Any = _UNSET) -> list[int] | None:
    """The raw hash of which `reference_key(case)` keeps 63 bits (`& M63`), for every
    row of a block whose targets are all objects that msgspec encodes with no possible
    NaN (without the encoder: all flat references of one shape, `_text_keys`); None
    for any other block."""
    if encode is _UNSET:
        encode = encoder()
    targets = list(map(_TARGET, cases))
    if encode is None:
        return block_text_keys(targets)
    if list(map(type, targets)).count(dict) != len(targets):
        return None
    try:
        datas = list(map(encode, targets))
    except Exception:
        return None
    joined = b"".join(datas)  # (a match across two rows only sends the block row by row)
    # (one byte is found ~30 times faster than two: a float-shaped block holds neither)
    if (b"\x7f" in joined or b"\xff" in joined) and (_NAN[0] in joined or _NAN[1] in joined):
        return None
    return list(map(hash, datas))
