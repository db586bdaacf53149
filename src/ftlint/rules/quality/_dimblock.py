"""QLT002/QLT008's per-dimension sums over a block of rows in local integers.

`DimCollector` adds every row's values to floats held on a `DimStats`, one attribute
update at a time (~0.3 us a dimension of a row). Over a block of rows whose values are
all integers, one dimension at a time, the sums can be kept in local Python ints and
added to the floats once: the result is the same float exactly when every partial sum
of the row-by-row order is an integer below 2**53, which `add_int_block` checks (the
float it adds to is below `EXACT`, and so is the sum of the squares of the values,
which bounds every partial sum of the values, their squares and their differences);
otherwise it undoes what it did and the caller takes the row-by-row path.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from operator import gt, lt, mul
from typing import Any

from ftlint.model import HardCase

_NUMERIC = frozenset({int, float})  # exact classes: a bool is not a number here

#: below this, float sums of integers are exact in any order (as `merge_state` uses)
EXACT = float(1 << 50)


def add_int_block(
    s: Any,
    dim: str,
    cases: Sequence[HardCase],
    pvs: Sequence[Mapping[str, Any]],
    tvs: Sequence[Mapping[str, Any]],
    aes: Sequence[Mapping[str, Any]],
) -> int:
    """Add the leading rows of `cases` whose predicted, target and error values of
    `dim` are all ints to the `DimStats` `s`, exactly as `DimCollector.row` would;
    returns how many rows were added (0 when the sums could not be exact: `s` is then
    unchanged). The caller adds the remaining rows row by row.

    A dimension whose values are ints in every row (the common block) is added column
    by column: each sum and count in one C-level pass (`sum`, `map`), and only the rows
    above the worst-rows floor visited one by one; any other block takes `_int_rows`."""
    ps = [pv.get(dim) for pv in pvs]
    ts = [tv.get(dim) for tv in tvs]
    es = [ae.get(dim) for ae in aes]
    if not (
        set(map(type, ps)) <= _INT and set(map(type, ts)) <= _INT and set(map(type, es)) <= _INT
    ):
        return _int_rows(s, dim, cases, pvs, tvs, aes)
    if not _exact_so_far(s):
        return 0
    a_sq, p_sq, t_sq = sum(map(mul, es, es)), sum(map(mul, ps, ps)), sum(map(mul, ts, ts))
    if a_sq + p_sq + t_sq >= EXACT:  # a partial sum might have rounded row by row
        return 0
    abs_n, floor = s.abs_n, s.floor
    worse = max(es) > floor  # (once the worst rows are known, few blocks beat them)
    for i in [i for i, a in enumerate(es) if a > floor] if worse else ():  # (floor only rises)
        a = es[i]
        if a > floor:
            s.abs_n = abs_n + i + 1  # `keep` ranks ties by the row's index
            s.keep(a, cases[i].evidence)
            floor = s.floor
    rows = len(es)
    p_sum, t_sum = sum(ps), sum(ts)
    s.abs_n = abs_n + rows
    s.n += rows
    s.pos += sum(map(gt, ps, ts))
    s.neg += sum(map(lt, ps, ts))
    s.abs_sum += sum(es)
    s.sp += p_sum
    s.spp += p_sq
    s.st += t_sum
    s.stt += t_sq
    s.se += p_sum - t_sum
    return rows


_INT = frozenset({int})


def _exact_so_far(s: Any) -> bool:
    """Every running sum is still an exact integer in a float (below EXACT)."""
    return (
        abs(s.abs_sum) < EXACT
        and abs(s.sp) < EXACT
        and abs(s.spp) < EXACT
        and abs(s.st) < EXACT
        and abs(s.stt) < EXACT
        and abs(s.se) < EXACT
    )


def _int_rows(
    s: Any,
    dim: str,
    cases: Sequence[HardCase],
    pvs: Sequence[Mapping[str, Any]],
    tvs: Sequence[Mapping[str, Any]],
    aes: Sequence[Mapping[str, Any]],
) -> int:
    """`add_int_block` row by row: the leading rows whose values are all ints."""
    if not _exact_so_far(s):
        return 0
    before = (s.abs_n, s.n, s.pos, s.neg, s.floor, list(s.worst))
    abs_n, n, pos, neg, floor = s.abs_n, s.n, s.pos, s.neg, s.floor
    a_sum = a_sq = p_sum = p_sq = t_sum = t_sq = e_sum = 0
    done = 0
    for case, pv, tv, ae in zip(cases, pvs, tvs, aes, strict=True):
        p, t, a = pv.get(dim), tv.get(dim), ae.get(dim)
        if not (p.__class__ is int and t.__class__ is int and a.__class__ is int):
            break
        abs_n += 1
        a_sum += a
        a_sq += a * a
        if a > floor:
            s.abs_n = abs_n  # `keep` ranks ties by the row's index
            s.keep(a, case.evidence)
            floor = s.floor
        n += 1
        p_sum += p
        p_sq += p * p
        t_sum += t
        t_sq += t * t
        e = p - t
        e_sum += e
        if e > 0:
            pos += 1
        elif e < 0:
            neg += 1
        done += 1
    if a_sq + p_sq + t_sq >= EXACT:  # a partial sum might have rounded row by row
        s.abs_n, s.n, s.pos, s.neg, s.floor, s.worst = before
        return 0
    s.abs_n, s.n, s.pos, s.neg = abs_n, n, pos, neg
    s.abs_sum += a_sum
    s.sp += p_sum
    s.spp += p_sq
    s.st += t_sum
    s.stt += t_sq
    s.se += e_sum
    return done


def as_float(value: Any) -> Any:
    """An int as the float it stands for (+-Infinity past the float range); other values
    as they are. JSON allows integers of any length (10**400): summed into the float
    sums they raise OverflowError, so such a row is added as the floats it holds (an
    infinite value is then skipped as a non-finite one is)."""
    if value.__class__ is not int:
        return value
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def add_float_row(col: Any, s: Any, p: Any, t: Any, a: Any, case: HardCase) -> bool:
    """Add one dimension of a parsed row to the `DimStats` `s` of the `DimCollector` `col`
    (any values: non-numbers and non-finite ones skipped, a missing error is |p - t|; a
    sum that got a non-int makes `col` inexact); False, with `s` unchanged, when an int is too large for
    the float sums (the caller then adds the row `as_float`)."""
    try:
        both = p.__class__ in _NUMERIC and t.__class__ in _NUMERIC and p - p == t - t == 0
        exact = p.__class__ is int and t.__class__ is int and a.__class__ is int
        if not exact and (a.__class__ not in _NUMERIC or a - a != 0):
            if not both:
                return True
            a = abs(p - t)
        abs_sum = s.abs_sum + a
        if both:
            e = p - t
            sp, spp, st, stt, se = s.sp + p, s.spp + p * p, s.st + t, s.stt + t * t, s.se + e
    except OverflowError:
        return False
    if not exact:
        col.inexact = True
    s.abs_n += 1
    s.abs_sum = abs_sum
    if a > s.floor:
        s.keep(a, case.evidence)
    if both:
        s.n += 1
        s.sp, s.spp, s.st, s.stt, s.se = sp, spp, st, stt, se
        if e > 0:
            s.pos += 1
        elif e < 0:
            s.neg += 1
    return True
