"""The engine's one streaming pass over a run's rows: every row to every visitor that
wants it, in file order, with a crashed visitor cut off from the next row on.

Rows arrive in blocks (`ftlint.sources.hardcases.hard_case_blocks`: ~240 rows decoded
in one call) and each visitor gets a whole block per call: its `row_batch`
(`ftlint.rule.BatchVisitor`) or its `row` per row, collected once per run, so this
loop costs per block, not per row. A visitor that names a `row_filter`
(`ftlint.rule.RowFilter`) is fed only the rows the filter accepts. Visitors that share
an equal filter share one call of it per row (or of its `select` per block: FMT001,
FMT002 and FMT007 want only the rows that failed; three tallies, one test),
and a visitor whose filter is `NO_ROWS` is never fed (a reader of a collector another
rule feeds). The filter is an optimisation only: a visitor must get the same result
if it were fed every row (the filter says which rows its `row` ignores).

With `--jobs` on one big hard-cases file, the rows are read in byte ranges by forked
workers and the visitors' states merged in file order (`ftlint.engine.ranges`).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ftlint.model import Finding, HardCase, Problem, Run
from ftlint.rule import NO_ROWS, HardCaseVisitor, Rule

if TYPE_CHECKING:
    from ftlint.engine.processes import Pairs
    from ftlint.engine.run import Engine

__all__ = ["run_rows", "stream_run"]

#: rows between two progress reports
PROGRESS_EVERY = 4096
#: The young-generation threshold of the cyclic garbage collector while rows stream:
#: every row allocates a dozen containers that reference counting frees, but the
#: default (700) still runs a collection every ~60 rows and a full one every few
#: thousand, over everything the visitors keep (~2 us a row, 7% of the pass). The rows
#: hold no cycles; the setting is restored after the pass.
GC_YOUNG = 50_000

Call = tuple[Rule, Callable[[list[HardCase]], None]]


def stream_run(
    engine: Engine, run: Run, findings: list[Finding], rules: Pairs, progress: Any
) -> int:
    """Feed the run's rows to the row visitors of `rules`, then collect their findings
    (`finish`) into `findings`; the run's stream problems go to
    `engine.stream_problems`. Returns the rows read."""
    problems = engine.stream_problems.setdefault(run.name, [])
    problems.clear()  # rules re-run here after a failed child stream the rows again
    if not run.hard_cases_path and not run.row_files:
        return 0
    visitors: list[tuple[Rule, HardCaseVisitor]] = []
    for rule, ctx in rules:
        try:
            visitor = rule.hard_case_visitor(run, ctx)
        except Exception as exc:
            findings.append(engine._internal(rule, run.name, "hard_case_visitor", exc))
            continue
        if visitor is not None:
            visitors.append((rule, visitor))
    feed = _Feed(visitors)
    traces = {t.rank: t for t in run.traces if t.rank is not None}
    count = 0
    jobs = getattr(engine, "row_jobs", None)  # `--jobs`: one big file's rows in ranges
    split = None
    if jobs and feed.active():
        from ftlint.engine.ranges import stream_split

        split = stream_split(engine, run, feed, visitors, problems, findings, progress, jobs)
    if split is not None:
        count = split
    elif feed.active():
        count = feed.stream(engine, run, engine._rows(run, traces), problems, findings, progress)
    else:  # nobody reads the rows: still read them (the problems and the count)
        count = feed.stream(engine, run, engine._rows(run, traces), problems, findings, progress)
    for rule, visitor in visitors:
        if id(rule) in feed.dead:
            continue  # crashed in row(): its findings for this run are missing (FTL001)
        try:
            produced = list(visitor.finish() or ())
            findings += _checked(rule, produced)
        except Exception as exc:
            findings.append(engine._internal(rule, run.name, "finish", exc))
    return count


class _Feed:
    """The visitors of one run grouped by `row_filter`: plain ones get every row, each
    filter is called once per row for all the visitors that share it. Rows reach the
    plain visitors first, then each group: visitors share nothing per row (the
    `RuleContext.shared` collectors are read in `finish`), so the order within a row
    is free; the order of the rows and of `finish` is the sequential one."""

    def __init__(self, visitors: list[tuple[Rule, HardCaseVisitor]]) -> None:
        self.dead: set[int] = set()
        self.entries: list[tuple[Rule, Callable[[list[HardCase]], None], Any, Any]] = []
        for rule, visitor in visitors:
            wanted = getattr(visitor, "row_filter", None)
            if wanted is not NO_ROWS:
                hook = getattr(visitor, "block_done", None)
                self.entries.append((rule, _rows_of(visitor), wanted, hook))
        self.plain: tuple[Call, ...] = ()
        self.groups: tuple[tuple[Callable[[HardCase], bool], tuple[Call, ...]], ...] = ()
        self.done: tuple[Call, ...] = ()  # (rule, `block_done`), one per distinct function
        self._build()

    def _build(self) -> None:
        plain: list[Call] = []
        by_filter: dict[Any, list[Call]] = {}
        for rule, row, wanted, _ in self.entries:
            if id(rule) in self.dead:
                continue
            if wanted is None:
                plain.append((rule, row))
            else:
                by_filter.setdefault(wanted, []).append((rule, row))
        self.plain = tuple(plain)
        self.groups = tuple((flt, tuple(calls)) for flt, calls in by_filter.items())
        done: dict[int, Call] = {}  # by identity: a plugin's hook need not hash
        for rule, _, _, hook in self.entries:
            if hook is not None and id(rule) not in self.dead:
                done.setdefault(id(hook), (rule, hook))  # (`entries` keeps each alive)
        self.done = tuple(done.values())

    def active(self) -> bool:
        return bool(self.plain or self.groups)

    def _crashed(
        self, engine: Engine, run: Run, calls: tuple[Call, ...], exc: Exception, where: str = "row"
    ) -> list[Finding]:
        out = []
        for rule, _ in calls:
            if id(rule) not in self.dead:
                self.dead.add(id(rule))
                out.append(engine._internal(rule, run.name, where, exc))
        self._build()
        return out

    def stream(
        self,
        engine: Engine,
        run: Run,
        items: Iterable[list[HardCase] | HardCase | Problem],
        problems: list[Problem],
        findings: list[Finding],
        progress: Any,
    ) -> int:
        """Feed `items` (blocks of rows, single rows and problems, in file order) to the
        visitors, a block at a time: each visitor gets the whole block (its `row_batch`, or
        `row` per row), so the per-row cost is the visitors' own work, not this loop's."""
        count = 0
        threshold = gc.get_threshold()
        gc.set_threshold(max(threshold[0], GC_YOUNG), *threshold[1:])
        try:
            for item in items:
                if type(item) is not list:
                    if isinstance(item, Problem):
                        problems.append(item)
                        continue
                    item = [item]
                before = count
                count += len(item)
                if progress is not None and count // PROGRESS_EVERY != before // PROGRESS_EVERY:
                    progress.rows_streamed(run.name, count - count % PROGRESS_EVERY)
                self.block(engine, run, item, findings)
                item = None  # (freed before the next block is read: see `block`)
        finally:
            gc.set_threshold(*threshold)
        return count

    def block(
        self, engine: Engine, run: Run, cases: list[HardCase], findings: list[Finding]
    ) -> None:
        """One block of rows to every live visitor (a crash cuts a visitor off from
        the rest of the block and every later row, as it would row by row), then each
        distinct `block_done` hook (`ftlint.rule.BatchVisitor`): what visitors keep of
        the block is dropped, and `stream` drops its own reference, so the block's rows
        are freed before the next block is read and decoded (its objects then reuse
        the memory just freed, still in cache: ~3-7% of a streamed row's time)."""
        changed = False
        for call in self.plain:
            try:
                call[1](cases)
            except Exception as exc:
                findings += self._crashed(engine, run, (call,), exc)
                changed = True
        for flt, calls in self.groups:
            try:
                kept = _select(flt, cases)
            except Exception as exc:  # a filter is its visitors' code: they crashed
                findings += self._crashed(engine, run, calls, exc)
                changed = True
                continue
            if not kept:
                continue
            for call in calls:
                try:
                    call[1](kept)
                except Exception as exc:
                    findings += self._crashed(engine, run, (call,), exc)
                    changed = True
        for call in self.done:  # what the visitors hold of the block, dropped now
            try:
                call[1]()
            except Exception as exc:
                findings += self._crashed(engine, run, (call,), exc, "block_done")
                changed = True
        if changed:
            self._build()


def _select(flt: Callable[[HardCase], bool], cases: list[HardCase]) -> list[HardCase]:
    """The rows of a block a filter accepts (its own `select` when it has one)."""
    select = getattr(flt, "select", None)
    if select is not None:
        return select(cases)
    return [case for case in cases if flt(case)]


def _rows_of(visitor: HardCaseVisitor) -> Callable[[list[HardCase]], None]:
    """A visitor's block method: its `row_batch` (`ftlint.rule.BatchVisitor`), or its
    `row` called per row (a plugin's visitor, or a built-in one without `row_batch`)."""
    batch = getattr(visitor, "row_batch", None)
    if callable(batch):
        return batch
    row = visitor.row

    def each(cases: list[HardCase]) -> None:
        for case in cases:
            row(case)

    return each


def run_rows(
    engine: Engine, run: Run, traces: Mapping[int, Any]
) -> Iterator[list[HardCase] | HardCase | Problem]:
    """The run's rows: its hard cases (in blocks), or the eval rows of its source
    adapters (one at a time)."""
    if run.hard_cases_path:
        from ftlint.sources.hardcases import hard_case_blocks

        path = engine.ws.root / run.hard_cases_path
        return hard_case_blocks(
            engine.ws,
            path,
            run.name,
            max_line_bytes=engine.config.max_line_bytes,
            traces=traces,
        )
    from ftlint.engine.rows import stream_rows
    from ftlint.sources.hardcases import blocks_of

    return blocks_of(stream_rows(engine.ws, run, engine.sources, engine.config))


def _checked(rule: Rule, produced: list[Any]) -> list[Finding]:
    bad = [p for p in produced if not isinstance(p, Finding)]
    if bad:
        raise TypeError(f"{type(rule).__name__} yielded {type(bad[0]).__name__}, not a Finding")
    return produced
