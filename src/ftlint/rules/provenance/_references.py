"""PRV008's reference keys: a 63-bit key of a row's reference (its target object, or its
label in a choice-contract eval), equal for two rows exactly when their references are
the same JSON (sorted keys), up to the collisions of Python's randomised hash.

A label (a str) is hashed as it is. Anything else is keyed by its JSON text with sorted
keys: msgspec's encoding (`order="sorted"`: one C call, ~0.2 us for a six-number target
where `json.dumps` takes ~3), or `json.dumps(sort_keys=True)` where msgspec cannot say
it exactly: it writes NaN and infinities as `null` (any encoding holding `null` takes
`json.dumps`, which writes `NaN`, `Infinity`, `null` apart), and refuses non-str keys.
Either text is exact: equal floats print alike, 1 and 1.0, -0.0 and 0.0, 0.5 and 2.0**60
print apart, big ints print whole, `true` is not `1`. The choice between the two depends
on the reference alone, so equal references always get the same form. A bytes and a str
are SipHashed with the per-process secret, so two different references meet only where
two hashes of distinct values do (forked `--jobs` workers share the secret).

`block_references` keys a block of object targets at once (`map` of the encoder and of
`hash`); it gives for every row what `reference_key` gives, or None when the block must
be keyed row by row. tests/rules/test_prv008_block_keys.py holds the two to each other.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

from ftlint.model import HardCase

M63 = (1 << 63) - 1
_TARGET = attrgetter("target_vector")


def _encoder() -> Callable[[Any], bytes] | None:
    try:
        import msgspec

        return msgspec.json.Encoder(order="sorted").encode  # type: ignore[no-any-return]
    except (ImportError, TypeError):  # no msgspec, or one without `order`
        return None


#: msgspec's JSON encoder with sorted keys (None without it: every object takes
#: `json.dumps`)
ENCODE = _encoder()


def reference_key(case: HardCase) -> int | None:
    """A 63-bit key (stored + 1 in a 64-bit slot) of a row's reference, None when it has
    none (see the module)."""
    target: Any = case.target_vector
    if target is None and case.raw.get("contract") == "choice":
        target = case.raw.get("label")
    if target is None:
        return None
    if type(target) is str:
        return hash((1, target)) & M63
    if ENCODE is not None:
        try:
            data = ENCODE(target)
        except Exception:  # (non-str keys, unencodable objects): `json.dumps` decides
            data = b"null"
        if b"null" not in data:
            return hash(data) & M63
    try:
        text = json.dumps(target, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return None
    return hash((3, text)) & M63


def block_references(cases: Sequence[HardCase]) -> list[int] | None:
    """The raw hash of which `reference_key(case)` keeps 63 bits (`& M63`), for every
    row of a block whose targets are all objects that msgspec encodes without `null`;
    None for any other block."""
    if ENCODE is None:
        return None
    targets = list(map(_TARGET, cases))
    if list(map(type, targets)).count(dict) != len(targets):
        return None
    try:
        texts = list(map(ENCODE, targets))
    except Exception:
        return None
    if b"null" in b"".join(texts):  # (each text is one object: `{...}`)
        return None
    return list(map(hash, texts))
