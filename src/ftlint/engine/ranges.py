"""One big hard-cases file split into byte ranges across forked processes (`--jobs`).

The file is cut into ranges at line boundaries (`plan`). Before the driver reads a row,
one process is forked per range after the first: each inherits the run's visitors
still empty, counts the newlines before its range (so every line number stays exact),
streams its range through the visitors that can merge (`ftlint.rule.MergeableVisitor`)
and sends back what they accumulated (`export_state`), with its rows, its problems and
whether a line held anything. The driver streams the first range itself, lets the visitors
prepare their merges (`prepare_merge`, optional), then folds in each other range in
file order (`merge_state`): the visitors then hold what one sequential pass would have
left, and `finish` yields the same findings.

Exactness comes first, speed second. A visitor whose merge cannot be exact for a range
(it says so: `merge_state` returns False, e.g. a bounded table would have evicted an
entry), that crashed in a worker, or that could not export its state, is fed that
range's rows again here, after the ranges before it: a crash is then raised here, on
the true state, exactly as sequentially. A worker that died or sent nothing costs its
range here, for every visitor. The problems come in file order, range by range; the
file's "empty" problem is said once, at the end, when no range held content.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ftlint import frozen
from ftlint.engine.cores import usable_cores
from ftlint.model import Evidence, Finding, Problem, Run
from ftlint.rule import NO_ROWS, HardCaseVisitor, Rule
from ftlint.sources.io import READ_CHUNK, Span, Workspace, open_regular

if TYPE_CHECKING:
    from pathlib import Path

    from ftlint.engine.run import Engine

__all__ = [
    "ROW_SPLIT_AUTO_BYTES",
    "ROW_SPLIT_MIN_BYTES",
    "mergeable",
    "plan",
    "row_split_jobs",
    "stream_split",
]

#: A hard-cases file smaller than this streams in one process whatever `--jobs` says: a
#: fork, the newline count and the merge cost more than half of its rows save.
ROW_SPLIT_MIN_BYTES = 4 << 20
#: With `--jobs auto`, files are split (those of `ROW_SPLIT_MIN_BYTES`) from this much
#: hard-case data on. Measured (2 cores, load ~2.5, benchmarks/README.md): the driver's
#: CPU, the critical path on a free core, 0.28 vs 0.35 s at 5 MB, 0.32 vs 0.43 s at
#: 8 MB, 0.74 vs 1.21 s at 32 MB; on a loaded machine the wall time only gains from
#: ~16 MB, hence the margin. Rule groups fork less readily: PARALLEL_MIN_BYTES.
ROW_SPLIT_AUTO_BYTES = 8 << 20
#: The driver's range, relative to a worker's, so that both are done together: a worker
#: also counts the newlines before its range (~0.08 s at 537 MB) and sends its states,
#: and the head of a hard-case file (worst cases first) costs ~2% more a byte; what comes
#: after the last worker is done (unpickling and merges, ~0.1 s) is the same whatever
#: the share. Measured from both processes' timelines (docs/scale-out.md, ninth pass:
#: 10-12 alternations a share on the 537 MB file): the worker ended 84-95 ms after the
#: driver at 0.97, 4 ms at 0.995, 16-44 ms before it at 1.01.
DRIVER_SHARE = 0.995
#: Test knob: cut ranges of at most this many bytes (more ranges than processes, one
#: forked process each), so range boundaries fall everywhere. None: one per process.
RANGE_BYTES: int | None = None

Pair = tuple[Rule, HardCaseVisitor]


@frozen
class RangeResult:
    """What a worker sends back for its range (pickled through a pipe)."""

    first_line: int
    rows: int
    problems: tuple[Problem, ...]
    content: bool
    states: dict[int, Any]  # visitor index -> `export_state()`
    declined: frozenset[int]  # visitor indexes the driver feeds this range itself


def row_split_jobs(engine: Engine) -> int | None:
    """Processes to split one big hard-cases file across, or None: `--jobs 1`, no fork,
    a threaded process, a rule from a plugin that visits rows (its visitor may not
    merge: today's rule-group processes then), or with `--jobs auto` one core, less than
    `ROW_SPLIT_AUTO_BYTES` of hard cases or no file to split. Each run's file is split
    only from `ROW_SPLIT_MIN_BYTES` on and when every visitor merges (`stream_split`)."""
    jobs = engine.jobs
    if jobs == 1 or not hasattr(os, "fork"):
        return None
    for rule, _ in engine.rules:
        cls = type(rule)
        if cls.hard_case_visitor is not Rule.hard_case_visitor and not (
            cls.__module__.startswith("ftlint.")
        ):
            return None
    if jobs is None:
        cores = usable_cores()  # (the affinity, capped by a cgroup CPU quota)
        if not sys.platform.startswith("linux") or cores < 2:
            return None
        if engine._largest_hard_cases() < ROW_SPLIT_MIN_BYTES or engine._hard_case_bytes() < (
            ROW_SPLIT_AUTO_BYTES
        ):
            return None
        jobs = cores
    import threading

    if jobs < 2 or threading.active_count() > 1:
        return None  # forking a threaded process is unsafe (locks held elsewhere)
    return jobs


def mergeable(visitor: Any) -> bool:
    """True when the visitor's state can cross a process: it has both halves of the
    protocol, or it reads no rows at all."""
    if getattr(visitor, "row_filter", None) is NO_ROWS:
        return True
    return callable(getattr(visitor, "export_state", None)) and callable(
        getattr(visitor, "merge_state", None)
    )


def plan(ws: Workspace, path: Path, pieces: int, first: float = 1.0) -> list[tuple[int, int]]:
    """`pieces` byte ranges covering the file, each starting at a line start (just after
    a newline), the first `first` times the size of the others: fewer when lines are
    long, [] when unreadable."""
    handle, _ = open_regular(ws, path, None, "JSONL")
    if handle is None:
        return []
    with handle:
        size = os.fstat(handle.fileno()).st_size
        cuts = [0]
        whole = first + pieces - 1
        for k in range(1, pieces):
            at = max(int(size * (first + k - 1) / whole), cuts[-1])
            cut = _next_line_start(handle, at, size)
            if cut > cuts[-1] and cut < size:
                cuts.append(cut)
    cuts.append(size)
    return list(itertools.pairwise(cuts))


def _next_line_start(handle: Any, at: int, size: int) -> int:
    """The first offset >= `at` just after a newline (or the file's size)."""
    if at == 0:
        return 0
    handle.seek(at - 1)
    pos = at - 1
    while pos < size:
        chunk = handle.read(READ_CHUNK)
        if not chunk:
            break
        found = chunk.find(b"\n")
        if found >= 0:
            return pos + found + 1
        pos += len(chunk)
    return size


def count_lines(ws: Workspace, path: Path, end: int) -> int:
    """Newlines in the file's first `end` bytes (the line number before offset `end`)."""
    handle, _ = open_regular(ws, path, None, "JSONL")
    if handle is None:
        raise OSError("cannot reopen the file")
    count = 0
    with handle:
        left = end
        while left > 0:
            chunk = handle.read(min(READ_CHUNK, left))
            if not chunk:
                break
            count += chunk.count(b"\n")
            left -= len(chunk)
    return count


def stream_split(
    engine: Engine,
    run: Run,
    feed: Any,
    visitors: list[Pair],
    problems: list[Problem],
    findings: list[Finding],
    progress: Any,
    jobs: int,
) -> int | None:
    """Stream the run's hard cases in ranges (see the module); the rows read, or None
    when this run is not split (the caller streams it in one pass)."""
    if not run.hard_cases_path or not all(mergeable(v) for _, v in visitors):
        return None
    path = engine.ws.root / run.hard_cases_path
    try:
        if path.stat().st_size < ROW_SPLIT_MIN_BYTES:
            return None
    except OSError:
        return None
    pieces = jobs
    if RANGE_BYTES:
        pieces = max(jobs, -(-path.stat().st_size // RANGE_BYTES))
    ranges = plan(engine.ws, path, pieces, first=DRIVER_SHARE)
    if len(ranges) < 2:
        return None
    from ftlint.sources.hardcases import hard_case_blocks

    _Feed = type(feed)  # the engine's row feed (`ftlint.engine.stream`): no import cycle

    traces = {t.rank: t for t in run.traces if t.rank is not None}
    sent = [i for i, (_, v) in enumerate(visitors) if getattr(v, "row_filter", None) is not NO_ROWS]

    def items(span: Span) -> Any:
        return hard_case_blocks(
            engine.ws, path, run.name, max_line_bytes=engine.config.max_line_bytes,
            traces=traces, span=span,
        )  # fmt: skip

    def work(start: int, end: int) -> RangeResult:
        """In a worker: its range through the (still empty, inherited) visitors."""
        span = Span(start, end, count_lines(engine.ws, path, start) + 1)
        for i in sent:  # e.g. keep the addends of float sums (`MergeableVisitor`)
            begin = getattr(visitors[i][1], "begin_range", None)
            if begin is not None:
                begin()
        mine = _Feed([visitors[i] for i in sent])
        got: list[Problem] = []
        rows = mine.stream(engine, run, items(span), got, [], None)
        states: dict[int, Any] = {}
        declined = set()
        for i in sent:
            rule, visitor = visitors[i]
            if id(rule) in mine.dead:
                declined.add(i)
                continue
            try:
                states[i] = visitor.export_state()  # type: ignore[attr-defined]
            except Exception:
                declined.add(i)
        return RangeResult(span.first_line, rows, tuple(got), span.content, states,
                           frozenset(declined))  # fmt: skip

    if not _begin_split(visitors):  # (before the fork: every range's visitor is told)
        return None  # a visitor's hook failed: one pass, where its crash shows as usual
    workers = _fork(ranges[1:], work)
    try:
        first = Span(*ranges[0])
        count = feed.stream(engine, run, items(first), problems, findings, progress)
        content = first.content
        _prepare(feed, visitors)
        results = [_receive(fd) for _, fd in workers]
        _look_ahead(feed, visitors, results)
        for (start, end), result in zip(ranges[1:], results, strict=True):
            if result is None:  # the worker failed: its range here, for every visitor
                span = Span(start, end, count_lines(engine.ws, path, start) + 1)
                count += feed.stream(engine, run, items(span), problems, findings, None)
                content = content or span.content
                continue
            count += result.rows
            problems += result.problems
            content = content or result.content
            again = _merge(engine, run, feed, visitors, result, findings)
            if again:
                span = Span(start, end, result.first_line)
                replay = _Feed([visitors[i] for i in again])
                replay.dead = feed.dead
                replay._build()
                replay.stream(engine, run, items(span), [], findings, None)
                feed._build()
    finally:
        _reap(workers)
    if not content:
        problems.append(Problem("empty", "file is empty", Evidence(engine.ws.rel(path)), run.name))
    if progress is not None and count:
        progress.rows_streamed(run.name, count)
    return count


def _begin_split(visitors: list[Pair]) -> bool:
    """Tell each visitor that wants to know (`begin_split`, optional) that its rows will
    be ranges merged by `merge_state`, before any row: called on the driver's fresh
    visitors just before the workers fork, so every range's visitor is told. False when
    a hook raised (a plugin's): the run is then not split."""
    for _, visitor in visitors:
        begin = getattr(visitor, "begin_split", None)
        if begin is not None:
            try:
                begin()
            except Exception:
                return False
    return True


def _prepare(feed: Any, visitors: list[Pair]) -> None:
    """Once the driver has read its own range, before it waits for the workers: each
    visitor that wants it gets ready for its merges (`prepare_merge`, optional), so
    that less is left for after the last worker is done."""
    for rule, visitor in visitors:
        prepare = getattr(visitor, "prepare_merge", None)
        if prepare is None or id(rule) in feed.dead:
            continue
        try:
            prepare()
        except Exception:  # an optimisation only: the merges still decide
            continue


def _look_ahead(feed: Any, visitors: list[Pair], results: list[RangeResult | None]) -> None:
    """Show each visitor that wants it every later range's state before the first merge
    (`merge_ahead`, in file order; None for a range it will be fed here)."""
    for i, (rule, visitor) in enumerate(visitors):
        ahead = getattr(visitor, "merge_ahead", None)
        if ahead is None or id(rule) in feed.dead:
            continue
        states = [
            r.states.get(i) if r is not None and i not in r.declined else None for r in results
        ]
        try:
            ahead(states)
        except Exception:  # an optimisation only: the merges still decide
            continue


def _merge(
    engine: Engine,
    run: Run,
    feed: Any,
    visitors: list[Pair],
    result: RangeResult,
    findings: list[Finding],
) -> list[int]:
    """Fold a worker's states into the driver's visitors, in visitor order; the indexes
    of the visitors that must be fed the range here instead."""
    again = []
    for i, (rule, visitor) in enumerate(visitors):
        if id(rule) in feed.dead or getattr(visitor, "row_filter", None) is NO_ROWS:
            continue
        if i in result.declined or i not in result.states:
            again.append(i)
            continue
        try:
            if not visitor.merge_state(result.states[i]):  # type: ignore[attr-defined]
                again.append(i)
        except Exception as exc:  # its state is unknown from here on: a crash
            feed.dead.add(id(rule))
            findings.append(engine._internal(rule, run.name, "merge_state", exc))
    feed._build()
    return again


def _fork(ranges: list[tuple[int, int]], work: Callable[[int, int], RangeResult]) -> list[Any]:
    """One forked process per range, all started before the driver reads a row (each
    inherits the visitors empty), as `(pid, read end of its pipe)` (`fork_each`)."""
    from ftlint.engine.forkstream import fork_each

    return fork_each(ranges, lambda start, end, fd: _child(work, start, end, fd))


def _child(work: Callable[[int, int], RangeResult], start: int, end: int, fd: int) -> None:
    """In a worker: its range's result, or None (the driver then reads the range),
    pickled straight into the pipe (`dump`)."""
    from ftlint.engine.forkstream import dump

    try:
        result: RangeResult | None = work(start, end)
    except BaseException:
        result = None
    dump(result, fd)


def _receive(fd: int) -> RangeResult | None:
    """A worker's result, or None (it died, sent a short stream, or sent None): the
    driver then reads that range itself."""
    from ftlint.engine.forkstream import load

    result = load(fd)
    return result if isinstance(result, RangeResult) else None


def _reap(workers: list[tuple[int, int]]) -> None:
    from ftlint.engine.forkstream import reap

    reap(workers)
