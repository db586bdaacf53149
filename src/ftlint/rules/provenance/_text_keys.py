"""PRV008's reference keys without msgspec (a file under `FAST_MIN_BYTES`, rows of other
sources): equal for two references exactly when their `json.dumps(sort_keys=True,
default=str)` texts are, up to the collisions of Python's randomised hash, at ~0.2 us
a row instead of the ~2.5 the text costs.

A *flat* reference (a dict of 2 to 64 ASCII str keys whose values are all floats and
none a NaN, or all ints packable in 64 bits; exact types) has its text fixed by its
sorted keys and its values' bits: ASCII keys are escaped one to one, a float's repr is
its bits (-0.0 and 0.0 apart, `Infinity` included; every NaN prints `NaN`, hence none),
an int's repr its value, and a float and an int never print alike. So it is keyed by
those: the hash of the values packed after a hash of (a tag per value type, the sorted
keys).

Any other reference is keyed through its text (`text_key`): when the text parses back
(`json.loads`) into a flat reference whose own text is that text, the key of that one
(so a float subclass, a key that JSON turns into the same str, ... meet the flat
reference they print as); else `hash((3, text))`, as before. No text of that second
kind is the text of a flat reference (that one would parse back to itself), so the
two kinds never meet, and each is one to one with the text. (A key order is looked up
by equality, so a dict key of a class whose objects equal a str, which no decoder
makes, would pass for that str; `json.dumps` refuses it.)

`block_text_keys` keys a block of flat references of one shape in a few C calls; it
gives what `flat_key` gives row by row (tests hold the two, and `flat_key` against the
text, to each other).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import partial
from itertools import chain, starmap
from operator import itemgetter
from struct import Struct
from struct import error as StructError
from typing import Any

TEXT, FLOATS, INTS = 3, 4, 5  # the tags of the three forms
#: key orders remembered (a run has a handful; hostile rows could make any number)
MAX_SHAPES = 256
MAX_KEYS = 64


class _Shape:
    """What keys a flat reference of one key order: its keys sorted, a getter of its
    values in that order, and the packers of those values."""

    __slots__ = ("floats", "get", "ints", "names", "width")

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.width = len(names)
        self.get: Callable[[dict[str, Any]], tuple[Any, ...]] = itemgetter(*names)
        # the values packed after a word that stands for the form and the keys (a hash
        # of them: hashing the bytes alone is ~30 ns a row less than a tuple with them)
        floats, ints = Struct(f"<q{len(names)}d").pack, Struct(f"<q{len(names)}q").pack
        self.floats = partial(floats, hash((FLOATS, names)))
        self.ints = partial(ints, hash((INTS, names)))


_SHAPES: dict[tuple[Any, ...], _Shape | None] = {}


def _shape(order: tuple[Any, ...]) -> _Shape | None:
    """The shape of a dict whose keys, in order, are `order`: None unless they are 2 to
    `MAX_KEYS` ASCII str (of exact type: a str subclass takes the text)."""
    try:
        return _SHAPES[order]
    except KeyError:
        pass
    except TypeError:  # (an unhashable key cannot be: dict keys are hashable)
        return None
    if list(map(type, order)).count(str) != len(order):
        # not remembered: the cache finds an order by equality, so a None kept for
        # (_Str("a"), "b") would be found for ("a", "b") too, and the same reference
        # would be keyed through its text or not by what came before (its key then
        # changed when the cache was cleared: a false "different references")
        return None
    shape = None
    if 2 <= len(order) <= MAX_KEYS and "".join(order).isascii():
        shape = _Shape(tuple(sorted(order)))
    if len(_SHAPES) >= MAX_SHAPES:
        _SHAPES.clear()
    _SHAPES[order] = shape
    return shape


def flat_key(target: Any) -> int | None:
    """The key of a flat reference (see the module), None for any other."""
    if type(target) is not dict:
        return None
    shape = _shape(tuple(target))
    if shape is None:
        return None
    values = shape.get(target)
    types = list(map(type, values))
    if types.count(float) == shape.width:
        total = sum(values)
        if total != total:  # a NaN (or both infinities: the text decides)
            return None
        return hash(shape.floats(*values))
    if types.count(int) == shape.width:
        try:
            return hash(shape.ints(*values))
        except StructError:  # (past 64 bits)
            return None
    return None


def text_key(target: Any) -> int | None:
    """The key of any reference through its JSON text (see the module); None when it has
    none (`json.dumps` refuses it)."""
    try:
        text = json.dumps(target, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return None
    if text[:1] == "{":
        try:
            back = json.loads(text)
        except (ValueError, RecursionError):
            back = None
        key = flat_key(back)
        if key is not None and json.dumps(back, sort_keys=True, default=str) == text:
            return key
    return hash((TEXT, text))


def key(target: Any) -> int | None:
    """A reference's key: `flat_key`, else `text_key`."""
    got = flat_key(target)
    return text_key(target) if got is None else got


def block_text_keys(targets: Sequence[Any]) -> list[int] | None:
    """`flat_key` of every target of a block of flat float or int references of the
    first one's keys, in a few C-level passes; None for any other block."""
    n = len(targets)
    if not n or list(map(type, targets)).count(dict) != n:
        return None
    shape = _shape(tuple(targets[0]))
    if shape is None or list(map(len, targets)).count(shape.width) != n:
        return None
    try:  # a dict of `width` keys that holds every name has no other key
        values = list(map(shape.get, targets))
    except KeyError:
        return None
    flat = list(chain.from_iterable(values))
    types = list(map(type, flat))
    if types.count(float) == len(flat):
        total = sum(flat)
        if total != total:
            return None
        return list(map(hash, starmap(shape.floats, values)))
    if types.count(int) == len(flat):
        try:
            packed = list(starmap(shape.ints, values))
        except StructError:
            return None
        return list(map(hash, packed))
    return None
