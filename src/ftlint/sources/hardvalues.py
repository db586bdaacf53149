"""Numbers of a hard-case row no rule can use: NaN, Infinity, an integer too large for a
float, in `mae_raw` or in a vector (`target_vector`, `predicted_vector`,
`abs_error_raw`). Each is a `Problem` with its line and JSON pointer; the row is kept
with the value unused (None), on the line reader and the block reader alike (both type
their rows through `ftlint.sources.hardrows._cases`)."""

from __future__ import annotations

import math
from itertools import chain
from operator import itemgetter
from typing import Any

from ftlint.model import Evidence, Problem

_VECTORS = itemgetter("target_vector", "predicted_vector", "abs_error_raw")
#: Where the problems of `finite_vector` point (no schema problem points inside a
#: vector: the schema only asks for an object): such a row is kept, only a value unused
VECTOR_POINTERS = ("/target_vector/", "/predicted_vector/", "/abs_error_raw/")


def vectors_finite(rows: list[Any]) -> bool:
    """Whether every value of the three vectors of every row (all decoded dicts with
    the three keys holding dicts) is a number that a float sum holds: one C-level sum
    over the block, so rows that pass skip the per-row test of `ftlint.sources.hardrows._cases`. False (ask
    row by row) for anything else: a missing or null vector, a non-number value, NaN,
    Infinity, an integer too large for a float, or finite values whose sum overflows."""
    try:
        total = sum(
            chain.from_iterable(map(dict.values, chain.from_iterable(map(_VECTORS, rows)))), 0.0
        )
    except (TypeError, KeyError, OverflowError):
        return False
    return total - total == 0.0


def sums_finite(vector: dict[Any, Any]) -> bool:
    """The quick test of one vector: its values sum to a finite float (True: no value is
    NaN, Infinity or too large for a float; False: `finite_vector` looks closer)."""
    try:
        total = sum(vector.values(), 0.0)
    except (TypeError, OverflowError):
        return False
    return total - total == 0.0


def _bad_number(value: Any) -> str | None:
    """Why a vector value is a number no rule can use (None: it is usable, or no number)."""
    if value.__class__ is float:
        if value - value == 0.0:
            return None
        if math.isnan(value):
            return "NaN (not a finite number)"
        return "Infinity (not a finite number)" if value > 0 else "-Infinity (not a finite number)"
    if value.__class__ is int:
        try:
            float(value)
        except OverflowError:
            return "an integer too large for a float"
    return None


def finite_vector(
    name: str, vector: dict[Any, Any], rel: str, line: int, run: str
) -> tuple[dict[Any, Any], Problem | None]:
    """A vector whose NaN, Infinity and too-large values are replaced by None (the key
    kept: a rule then skips the value as it skips a null), and the problem naming the
    first such element by its JSON pointer (one per vector and row, however many values
    are bad); the vector itself when none is."""
    bad: list[tuple[Any, str]] = []
    for key, value in vector.items():
        what = _bad_number(value)
        if what is not None:
            bad.append((key, what))
    if not bad:
        return vector, None
    cleaned = dict(vector)
    for key, _ in bad:
        cleaned[key] = None
    key, what = bad[0]
    text = str(key)
    shown = text if len(text) <= 60 else text[:57] + "..."
    more = f" ({len(bad) - 1} more value(s) of the vector too)" if len(bad) > 1 else ""
    message = f"{name} value {shown!r} is {what}{more}; the value is not used"
    pointer = f"/{name}/" + text.replace("~", "~0").replace("/", "~1")
    return cleaned, Problem("invalid", message, Evidence(rel, line, pointer), run)


def finite_mae(value: float, rel: str, line: int, run: str) -> tuple[float | None, Problem | None]:
    """A row's `mae_raw` as a finite float, else None and the problem that says why:
    NaN, +-Infinity or an integer too large for a float (`float()` of 10**400 raised
    out of the reader and ended the whole lint) is no error a rule can average."""
    try:
        number = float(value)
    except OverflowError:
        what = "an integer too large for a float"
    else:
        if math.isfinite(number):
            return number, None
        name = "NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity")
        what = f"{name} (not a finite number)"
    message = f"mae_raw is {what}; the row's error is not used"
    return None, Problem("invalid", message, Evidence(rel, line, "/mae_raw"), run)
