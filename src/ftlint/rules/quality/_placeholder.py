"""QLT004's constant vectors: the value a placeholder prediction repeats in every
dimension, for one vector (`_constant`) or for a block of failed rows' vectors at once
(`_one_constant`)."""

from __future__ import annotations

import math
from itertools import chain
from operator import countOf
from typing import Any


def _constant(vector: Any) -> float | None:
    """The common value of a predicted vector whose dimensions are all equal, else None."""
    if not isinstance(vector, dict) or len(vector) < 2:
        return None
    values = iter(vector.values())
    first = next(values)
    if type(first) not in (int, float):
        return None
    try:
        value = float(first)  # an int too large for a float (10**400) is not a number here
    except OverflowError:
        return None
    if not math.isfinite(value):
        return None
    for v in values:
        if v != first or type(v) not in (int, float):
            return None
    return value


def _one_constant(vectors: list[Any]) -> float | None:
    """The common value of vectors that are all plain dicts of two or more values equal
    to one finite float, as `_constant` gives it for each, else None (also for no
    vectors, or when a row's vector needs `_constant` itself to say).

    The first vector is checked value by value (floats, all equal, finite). Every other
    vector then only has to equal it as a dict (`countOf`: one C-level comparison a
    row): its values then equal that float, and in a row the readers decoded (JSON: a
    str, None, a list or an object never equals a float) they are ints or floats equal
    to it, for which `_constant` gives the same float (a -0.0 is 0.0 to the counter's
    keys), or bools, which only equal 0.0 or 1.0: for those two values every value's
    class is checked (`_typed_constant`)."""
    rows = len(vectors)
    if not rows or countOf(map(type, vectors), dict) != rows:
        return None
    first = vectors[0]
    values = tuple(first.values())
    if len(values) < 2 or countOf(map(type, values), float) != len(values):
        return None
    value = values[0]
    if countOf(values, value) != len(values) or value - value != 0.0:
        return None  # (a NaN or an infinity, or not one value)
    if value != 0.0 and value != 1.0:  # (no bool equals it)
        return value if countOf(vectors, first) == rows else None
    return _typed_constant(vectors, value)


def _typed_constant(vectors: list[Any], value: float) -> float | None:
    """`_one_constant` for plain dicts whose common value may be a bool's (0.0, 1.0):
    the dicts' values in one tuple per position (`zip`, strict: the dicts have one
    length), every value a float (`type`), every position's equal to `value`."""
    try:
        columns = list(zip(*map(dict.values, vectors), strict=True))
    except ValueError:  # (dicts of different lengths)
        return None
    rows = len(vectors)
    if countOf(map(type, chain.from_iterable(columns)), float) != rows * len(columns):
        return None
    for column in columns:
        if countOf(column, value) != rows:
            return None
    return value
