"""Helpers of the quality rules: per-dimension MAE statistics collected in the engine's
single pass over `hard_cases.valid.jsonl` (constant memory, shared by QLT002 and QLT008),
number parsing and formatting, and the planner's knob changes.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any

from ftlint.model import Evidence, Finding, HardCase, Metric, Run
from ftlint.rule import NO_ROWS, RANGE_LOG_CAP, RuleContext
from ftlint.rules.quality._dimblock import (
    add_block,
    add_float_row,
    add_rows,
    as_float,
    block_columns,
    column_class,
)

DIM_PREFIX = "mae_raw_"


MAX_DIMS = 64  # without target_keys, vector keys beyond this many are ignored


MAX_EVIDENCE = 5


# -- shared helpers -----------------------------------------------------------------------


def dimension_metrics(run: Run) -> dict[str, Metric]:
    """The per-dimension `mae_raw_<dim>` metrics, in target_keys order when known."""
    found = {
        k[len(DIM_PREFIX) :]: m
        for k, m in run.metrics.items()
        if k.startswith(DIM_PREFIX) and not k.endswith("_std")
    }
    keys = run.provenance.target_keys
    if keys:
        return {d: found[d] for d in keys if d in found}
    return found


def _std(total: float, squares: float, n: int) -> float:
    """The population standard deviation from the sums; NaN when they overflowed (values
    near 1e300): unknown, so no rule compares it (0.0 would claim a collapse)."""
    if not n:
        return 0.0
    mean = total / n
    variance = squares / n - mean * mean  # `mean**2` raises OverflowError
    return math.sqrt(max(0.0, variance)) if math.isfinite(variance) else math.nan


class DimStats:
    """Per-dimension sums over parsed hard-case rows (constant memory, cheap per row)."""

    __slots__ = (
        "abs_n",
        "abs_sum",
        "floor",
        "n",
        "neg",
        "pos",
        "se",
        "sp",
        "spp",
        "st",
        "stt",
        "worst",
    )

    def __init__(self) -> None:
        self.abs_n = self.n = self.pos = self.neg = 0
        self.abs_sum = self.sp = self.spp = self.st = self.stt = self.se = 0.0
        self.floor = -1.0  # smallest error among `worst` once it is full
        self.worst: list[tuple[float, int, Evidence]] = []

    def keep(self, err: float, ev: Evidence) -> None:
        """Keep the evidence of the rows with the largest errors (first seen wins ties)."""
        self.worst.append((err, -self.abs_n, ev))
        self.worst.sort(key=lambda w: (-w[0], -w[1]))
        del self.worst[MAX_EVIDENCE:]
        if len(self.worst) == MAX_EVIDENCE:
            self.floor = self.worst[-1][0]

    def merge(self, later: DimStats) -> None:
        """Fold in the sums of a later range of rows (`--jobs`; the caller checked the
        float sums add exactly): the worst rows are the top of both lists, a later
        row's index counted from this range's end."""
        base = self.abs_n
        self.worst += [(err, index - base, ev) for err, index, ev in later.worst]
        self.worst.sort(key=lambda w: (-w[0], -w[1]))
        del self.worst[MAX_EVIDENCE:]
        if len(self.worst) == MAX_EVIDENCE:
            self.floor = self.worst[-1][0]
        self.abs_n += later.abs_n
        self.n += later.n
        self.pos += later.pos
        self.neg += later.neg
        self.abs_sum += later.abs_sum
        self.sp += later.sp
        self.spp += later.spp
        self.st += later.st
        self.stt += later.stt
        self.se += later.se

    def sums(self) -> tuple[float, ...]:
        return (self.abs_sum, self.sp, self.spp, self.st, self.stt, self.se)

    @property
    def abs_mean(self) -> float:
        return self.abs_sum / self.abs_n if self.abs_n else 0.0

    @property
    def pred_mean(self) -> float:
        return self.sp / self.n if self.n else 0.0

    @property
    def tgt_mean(self) -> float:
        return self.st / self.n if self.n else 0.0

    @property
    def pred_std(self) -> float:
        return _std(self.sp, self.spp, self.n)

    @property
    def tgt_std(self) -> float:
        return _std(self.st, self.stt, self.n)

    @property
    def bias(self) -> float:
        return self.se / self.n if self.n else 0.0

    def evidence(self) -> list[Evidence]:
        return [ev for _, _, ev in self.worst]


_EMPTY: dict[str, Any] = {}


class DimCollector:
    """Hard-case visitor: per-dimension errors of the rows that parsed.

    Rows with a `parse_error` are skipped: their predicted vector is the pipeline's
    mid-scale placeholder, not a model prediction. QLT002 and QLT008 need the same
    sums, so one collector per run is shared (`shared_collector`): the first rule to
    ask feeds it, the other reads it in `finish`, which the engine calls after the last
    row of the file.
    """

    def __init__(self, run: Run) -> None:
        self.run = run
        self.keys = run.provenance.target_keys
        self.dims: dict[str, DimStats] = {k: DimStats() for k in self.keys or ()}
        self.rows = 0
        self.unparsed = 0
        #: a sum got an addend that is not an int: sums then depend on the order of
        #: the rows, and a range of them cannot be merged by adding (`merge_state`)
        self.inexact = False
        #: (`begin_split`) a float addend with an integer value (95.0: what the real
        #: writer stores, `float(...)` of integer labels and predictions) keeps the
        #: sums exact too
        self.whole_floats = False

    def begin_split(self) -> None:
        """Its rows are one range of a split file (`ftlint.rule.MergeableVisitor`): the
        sums will be merged, so a float addend that holds an integer is told apart from
        one that does not (~0.4 us a row, only then). Integer-valued floats add exactly
        in any order while the sums stay below `_EXACT`, as ints do: the real writer's
        vectors then merge instead of the driver reading the later ranges again."""
        self.whole_floats = True

    def row(self, case: HardCase) -> None:
        self._rows((case,))

    def row_batch(self, cases: Sequence[HardCase]) -> None:
        """The rows of a block (`ftlint.rule.BatchVisitor`; `row` is a block of one):
        with the target keys known, one dimension at a time, from the block's columns
        (`block_columns`, or `.get`s when a vector is missing or not a plain dict):
        `add_block` adds a column of finite floats, or of ints while every sum so far
        is of integers, in one C-level pass per sum, and the rest as `_rows` adds them
        (`add_rows`). Each dimension's sums, counts and worst rows only ever see that
        dimension's values in row order, so column by column is row by row."""
        if not self.keys or len(cases) < 2:
            self._rows(cases)
            return
        parsed = [case for case in cases if case.parse_error is None]
        self.unparsed += len(cases) - len(parsed)
        if not parsed:
            return
        self.rows += len(parsed)
        pvs = [case.predicted_vector for case in parsed]
        tvs = [case.target_vector for case in parsed]
        aes = [case.abs_error_raw for case in parsed]
        dims = self.dims
        columns = block_columns(tuple(dims), pvs, tvs, aes)
        if columns is None:
            pvs = [pv or _EMPTY for pv in pvs]
            tvs = [tv or _EMPTY for tv in tvs]
            aes = [ae or _EMPTY for ae in aes]
            for dim, s in dims.items():
                ps = [pv.get(dim) for pv in pvs]
                ts = [tv.get(dim) for tv in tvs]
                es = [ae.get(dim) for ae in aes]
                self._dim_block(s, parsed, ps, ts, es)
            return
        kind = column_class(chain.from_iterable(columns))  # (one class: each column's)
        for s, ps, ts, es in zip(dims.values(), *columns, strict=True):
            self._dim_block(s, parsed, ps, ts, es, kind)

    def _dim_block(
        self,
        s: DimStats,
        cases: Sequence[HardCase],
        ps: Any,
        ts: Any,
        es: Any,
        kind: type | None = None,
    ) -> None:
        """One dimension's column of parsed rows (see `row_batch`)."""
        done = add_block(self, s, cases, ps, ts, es, kind)
        if done < len(cases):
            add_rows(self, s, cases[done:], ps[done:], ts[done:], es[done:])

    def _rows(self, cases: Sequence[HardCase]) -> None:
        """Rows one at a time, every dimension of a row in turn (any values)."""
        dims = self.dims
        for case in cases:
            if case.parse_error is not None:
                self.unparsed += 1
                continue
            pv = case.predicted_vector or _EMPTY
            tv = case.target_vector or _EMPTY
            ae = case.abs_error_raw or _EMPTY
            self.rows += 1
            if not self.keys:
                for k in (*pv, *ae):
                    if k not in dims and len(dims) < MAX_DIMS:
                        dims[k] = DimStats()
            for dim, s in dims.items():
                p, t, a = pv.get(dim), tv.get(dim), ae.get(dim)
                if not add_float_row(self, s, p, t, a, case):  # an int too large for a float
                    self.inexact = True
                    add_float_row(self, s, as_float(p), as_float(t), as_float(a), case)

    def finish(self) -> Iterable[Finding]:
        return ()

    def export_state(self) -> tuple[Any, ...]:
        """What `row` accumulated (`ftlint.rule.MergeableVisitor`)."""
        return self.dims, self.rows, self.unparsed, self.inexact

    def merge_state(self, state: tuple[Any, ...]) -> bool:
        """Exact when every sum of both sides holds integers only (no float addend,
        magnitudes far below 2**53: each partial sum is then exact) and the later
        dimensions fit under `MAX_DIMS`; else the engine feeds the rows here."""
        dims, rows, unparsed, inexact = state
        if inexact or self.inexact:
            return False
        fresh = [k for k in dims if k not in self.dims]
        if len(self.dims) + len(fresh) > MAX_DIMS and not self.keys:
            return False
        for k, later in dims.items():
            mine = self.dims.get(k)
            if mine is not None and any(
                abs(x) + abs(y) >= _EXACT for x, y in zip(mine.sums(), later.sums(), strict=True)
            ):
                return False
        if any(abs(x) >= _EXACT for later in dims.values() for x in later.sums()):
            return False
        for k, later in dims.items():
            if k in self.dims:
                self.dims[k].merge(later)
            elif not self.keys:
                self.dims[k] = later
        self.rows += rows
        self.unparsed += unparsed
        return True


#: float sums of integers below this stay exact whatever the order of the addends
#: (a sum of squares bounds every partial sum of the values themselves)
_EXACT = float(1 << 50)


class DimReader:
    """The second rule's view of a shared collector: rows are fed by the first."""

    row_filter = NO_ROWS  # the engine never calls `row`

    def __init__(self, collector: DimCollector) -> None:
        self.collector = collector

    def row(self, case: HardCase) -> None:
        return None

    def row_batch(self, cases: Sequence[HardCase]) -> None:
        return None

    def finish(self) -> Iterable[Finding]:
        return ()


def shared_collector(run: Run, ctx: RuleContext) -> tuple[DimCollector, DimCollector | DimReader]:
    """The run's collector in this lint, and the visitor to hand the engine: the
    collector itself for the first rule that asks (it feeds), a reader for the others.
    The collector lives in the engine's `ctx.shared`; the engine drops it once the
    run's rules are done (the baseline's and the candidate's stay for the pair rules)."""
    key = ("quality.dims", run.name)
    found = ctx.shared.get(key)
    if found is not None and found.run is run:
        return found, DimReader(found)
    collector = ctx.shared[key] = DimCollector(run)
    return collector, collector


ROLLBACK = "mae_raw or any mae_raw_<dim> worse than this run by more than the QLT003 tolerance"


def log_addend(visitor: Any, key: str, value: float) -> None:
    """In a worker's range (`begin_range`: `visitor.log` is a dict): keep one addend of
    `key`'s float sum, in row order, for the driver's `merge_tally`; at `RANGE_LOG_CAP`
    addends the log is dropped (its merge then declines and the driver reads the range
    itself), so a worker's memory stays bounded."""
    addends = visitor.log.get(key)
    if addends is None:
        addends = visitor.log[key] = array("d")
    addends.append(value)
    visitor.logged += 1
    if visitor.logged >= RANGE_LOG_CAP:
        visitor.log = None


def merge_tally(mine: Any, later: Any, addends: Iterable[float], examples: str) -> None:
    """Add a later row range's tally (count, unparsed, err_sum, err_n and a list of
    examples named `examples`) into `mine` exactly as one pass would have: counts add,
    the float sum replays the later range's addends in order (float addition is not
    associative), and the first MAX_EVIDENCE examples keep file order."""
    mine.count += later.count
    mine.unparsed += later.unparsed
    for x in addends:
        mine.err_sum += x
    mine.err_n += later.err_n
    kept = getattr(mine, examples)
    kept += getattr(later, examples)[: max(0, MAX_EVIDENCE - len(kept))]
