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
from collections.abc import Callable, Iterable, Sequence
from functools import reduce
from itertools import chain
from operator import add, countOf, gt, itemgetter, lt, mul, sub
from typing import Any

from ftlint.model import HardCase

_NUMERIC = frozenset({int, float})  # exact classes: a bool is not a number here

#: below this, float sums of integers are exact in any order (as `merge_state` uses)
EXACT = float(1 << 50)


def add_block(
    col: Any,
    s: Any,
    cases: Sequence[HardCase],
    ps: Sequence[Any],
    ts: Sequence[Any],
    es: Sequence[Any],
    kind: type | None = None,
) -> int:
    """Add the leading rows of `cases` to the `DimStats` `s` of the `DimCollector` `col`
    from the columns `ps`, `ts`, `es` of one dimension (predicted, target and error
    values), exactly as `DimCollector.row` would; returns how many rows were added (0
    when no block path applies: `s` is then unchanged). The caller adds the remaining
    rows row by row (`add_rows`).

    The columns' one class (`kind` when the caller knows it, else `column_class`)
    picks the path: finite floats in every row (the real writer's vectors) take
    `_float_block`, exact in any state; ints in every row (the generator's), while
    every sum so far is of integers (`col.inexact` unset), `_int_block`; any other mix
    `_int_rows` (its leading rows of ints)."""
    if kind is None:
        kind = column_class((ps, ts, es))
    if kind is float:
        return len(es) if _float_block(col, s, cases, ps, ts, es) else 0
    if col.inexact:
        return 0
    if kind is int:
        return _int_block(s, cases, ps, ts, es)
    return _int_rows(s, cases, ps, ts, es)


def column_class(columns: Iterable[Sequence[Any]]) -> type | None:
    """The class every value of the (non-empty) columns is exactly an instance of, or
    None (a `bool` is no `int` here). One C-level count (`countOf` of the classes: a
    quarter cheaper than a set of them)."""
    columns = list(columns)
    kind = type(columns[0][0])
    if countOf(map(type, chain.from_iterable(columns)), kind) == sum(map(len, columns)):
        return kind
    return None


def _int_block(
    s: Any,
    cases: Sequence[HardCase],
    ps: Sequence[int],
    ts: Sequence[int],
    es: Sequence[int],
) -> int:
    """`add_block` of int columns: each sum and count in one C-level pass (`sum`,
    `map`) kept in local ints and added to the floats once, and only the rows above the
    worst-rows floor visited one by one. That is the float the row loop makes exactly
    when every partial sum of the row-by-row order is an integer below 2**53: the
    stored sums are below `EXACT`, and so is the sum of the squares of the predicted and
    target values plus `rows` times the largest error magnitude, which bounds every
    partial sum of the values, their squares, their differences and the errors."""
    if not _exact_so_far(s):
        return 0
    rows = len(es)
    top, low = max(es), min(es)
    p_sq, t_sq = sum(map(mul, ps, ps)), sum(map(mul, ts, ts))
    if rows * max(top, -low) + p_sq + t_sq >= EXACT:  # a partial sum might round
        return 0
    abs_n, floor = s.abs_n, s.floor
    if top > floor:  # (once the worst rows are known, few blocks beat them)
        for i in [i for i, a in enumerate(es) if a > floor]:  # (the floor only rises)
            a = es[i]
            if a > floor:
                s.abs_n = abs_n + i + 1  # `keep` ranks ties by the row's index
                s.keep(a, cases[i].evidence)
                floor = s.floor
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
    cases: Sequence[HardCase],
    ps: Sequence[Any],
    ts: Sequence[Any],
    es: Sequence[Any],
) -> int:
    """`add_int_block` row by row: the leading rows whose values are all ints."""
    if not _exact_so_far(s):
        return 0
    before = (s.abs_n, s.n, s.pos, s.neg, s.floor, list(s.worst))
    abs_n, n, pos, neg, floor = s.abs_n, s.n, s.pos, s.neg, s.floor
    a_sum = a_sq = p_sum = p_sq = t_sum = t_sq = e_sum = 0
    done = 0
    for case, p, t, a in zip(cases, ps, ts, es, strict=True):
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


def block_columns(
    keys: tuple[str, ...], *vectors: Sequence[Any]
) -> list[list[tuple[Any, ...]]] | None:
    """Per list of vectors (predicted, target, error of a block's rows), the values of
    each key in `keys` as one tuple per key (`result[v][k][row]`), instead of a `.get`
    a value. None when a vector is not exactly a `dict` (None, or a plugin's mapping,
    whose `[]` may differ from `.get`) or lacks a key: the caller then reads the values
    with `.get` as before.

    One `itemgetter` call a vector and one `zip` a list: 18 `.get`s a row of six
    dimensions cost more (reading each dict's values in order, once its keys are shown
    to be `keys` in order, saves nothing measurable: the proof reads every key)."""
    if not keys or set(map(type, chain.from_iterable(vectors))) != _DICT:
        return None
    get = itemgetter(*keys)
    try:
        if len(keys) == 1:  # `itemgetter` of one key gives the value, not a 1-tuple
            return [[tuple(map(get, vs))] for vs in vectors]
        return [list(zip(*map(get, vs), strict=True)) for vs in vectors]
    except KeyError:
        return None


_DICT = frozenset({dict})
_FLOAT = frozenset({float})


def _sequential() -> Callable[[Iterable[float], float], float]:
    """A sum of floats added left to right from a float start, as a loop of `+=` adds
    them: `sum` before Python 3.12 (its float loop is a C `+=`), else `reduce(add)`
    (3.12's `sum` compensates the rounding: a different float). Decided by a probe."""
    if sum([1e100, 1.0, -1e100], 0.0) == 0.0:  # left to right, 1.0 is lost
        return sum  # type: ignore[return-value]
    return _reduce_sum


def _reduce_sum(values: Iterable[float], start: float) -> float:
    return reduce(add, values, start)  # type: ignore[no-any-return]


#: `sum` of floats in the row loop's order, bit for bit
seq_sum = _sequential()


def _float_block(
    col: Any,
    s: Any,
    cases: Sequence[HardCase],
    ps: Sequence[float],
    ts: Sequence[float],
    es: Sequence[float],
) -> bool:
    """`add_block` of float columns, as `add_float_row` adds them row by row when every
    value is finite: each running sum is one
    left-to-right `seq_sum` from the stored float (the same additions in the same order,
    so the same float, bit for bit), and the counts follow from the columns (for finite
    floats `p - t > 0` exactly when `p > t`: a difference of two doubles rounds to 0 only
    when they are equal). False, with `s` unchanged, for any other column: the caller
    adds it row by row. Finiteness costs no pass of its own: with finite stored sums, a
    sum of errors or squares is finite only when every addend is (a NaN or an infinity
    stays; the squares are never negative), and a finite value that overflows a sum only
    sends the block to the row path."""
    abs_sum, spp, stt = s.abs_sum, s.spp, s.stt
    if not (abs_sum - abs_sum == 0.0 and spp - spp == 0.0 and stt - stt == 0.0):
        return False  # a stored sum is no longer finite: it cannot vouch for the values
    abs_sum = seq_sum(es, abs_sum)
    spp = seq_sum(map(mul, ps, ps), spp)
    stt = seq_sum(map(mul, ts, ts), stt)
    if not (abs_sum - abs_sum == 0.0 and spp - spp == 0.0 and stt - stt == 0.0):
        return False
    rows = len(es)
    diffs = list(map(sub, ps, ts))
    pos = sum(map(gt, ps, ts))
    zero = diffs.count(0.0)  # (-0.0 too)
    abs_n, floor = s.abs_n, s.floor
    if max(es) > floor:  # the worst rows, as `add_int_block` finds them
        for i in [i for i, a in enumerate(es) if a > floor]:
            a = es[i]
            if a > floor:
                s.abs_n = abs_n + i + 1  # `keep` ranks ties by the row's index
                s.keep(a, cases[i].evidence)
                floor = s.floor
    if not (col.whole_floats and _whole(ps) and _whole(ts) and _whole(es)):
        col.inexact = True
    s.abs_n = abs_n + rows
    s.n += rows
    s.pos += pos
    s.neg += rows - pos - zero
    s.abs_sum = abs_sum
    s.sp = seq_sum(ps, s.sp)
    s.spp = spp
    s.st = seq_sum(ts, s.st)
    s.stt = stt
    s.se = seq_sum(diffs, s.se)
    return True


def _whole(column: Sequence[float]) -> bool:
    """Every float of the column holds an integer (finite ones: the caller's)."""
    return all(map(float.is_integer, column))


def add_rows(col: Any, s: Any, cases: Sequence[HardCase], ps: Any, ts: Any, es: Any) -> None:
    """One dimension of parsed rows as `DimCollector._rows` adds it (any values; a row
    with an int too large for a float makes the sums inexact there too, whether or not
    its float is then added: the block path before this one left `inexact` unset when
    it was not, and a `--jobs` merge then added sums the row path declines)."""
    for case, p, t, a in zip(cases, ps, ts, es, strict=True):
        if not add_float_row(col, s, p, t, a, case):  # an int too large for a float
            col.inexact = True
            add_float_row(col, s, as_float(p), as_float(t), as_float(a), case)


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


def _whole_number(value: Any) -> bool:
    """An int, or a float that holds an integer."""
    cls = value.__class__
    return cls is int or (cls is float and value.is_integer())


def add_float_row(col: Any, s: Any, p: Any, t: Any, a: Any, case: HardCase) -> bool:
    """Add one dimension of a parsed row to the `DimStats` `s` of the `DimCollector` `col`
    (any values: non-numbers and non-finite ones skipped, a missing error is |p - t|; a
    sum that got a non-int makes `col` inexact); False, with `s` unchanged, when an int is too large for
    the float sums (the caller then adds the row `as_float`)."""
    try:
        both = p.__class__ in _NUMERIC and t.__class__ in _NUMERIC and p - p == t - t == 0
        exact = p.__class__ is int and t.__class__ is int and a.__class__ is int
        if not exact and col.whole_floats:  # (`begin_split`: 95.0 adds as exactly as 95)
            exact = _whole_number(p) and _whole_number(t) and _whole_number(a)
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
