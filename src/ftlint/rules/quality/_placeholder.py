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
    """The common value of vectors that are all plain dicts of two or more finite floats
    equal to one value (what `_constant` gives for each), else None (also for no
    vectors). In C-level passes: the dicts' values in one tuple per position (`zip`,
    strict: the dicts have one length), every value a float (`type`), every position's
    equal to the first's (`countOf` of `eq`), and the first position's finite (its sum
    is: a NaN or an infinity stays in it; an overflow only declines)."""
    rows = len(vectors)
    if not rows or countOf(map(type, vectors), dict) != rows:
        return None
    try:
        columns = list(zip(*map(dict.values, vectors), strict=True))
    except ValueError:  # (dicts of different lengths)
        return None
    if len(columns) < 2:
        return None
    if countOf(map(type, chain.from_iterable(columns)), float) != rows * len(columns):
        return None
    first = columns[0]
    value = first[0]
    if countOf(first, value) != rows or value - value != 0.0:
        return None  # (`countOf` compares by `==`: -0.0 is 0.0, as the counter's key)
    for column in columns[1:]:
        if countOf(column, value) != rows:
            return None
    return value
