"""`--jobs` across runs: map the per-run work over an executor, reduce in this process.

Per-run work (a run's row visitors and `check_run`) depends on nothing but the run and
the loaded campaign, so the engine splits the runs into contiguous chunks, hands each
chunk to an `Executor`, and gets back one `RunOutcome` per run: its findings, the
number of rows read and the problems met while streaming (PRV004/PRV005 and the
campaign rules read them). The pair and campaign rules then run here, on the outcomes.

`Executor` is the whole interface: `ForkExecutor` (a local fork-context process pool)
is one implementation, `InlineExecutor` (this process) another; an executor for Ray or
Dask maps the same chunks on a cluster (docs/scale-out.md). Findings are sorted by a
total key afterwards, so the result is the sequential one, byte for byte.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from ftlint import frozen
from ftlint.model import Finding, Problem, Run

__all__ = [
    "RUNS_PER_CHUNK",
    "SPLIT_MIN_RUNS",
    "Executor",
    "ForkExecutor",
    "InlineExecutor",
    "RunOutcome",
    "Work",
    "chunks",
    "compact_findings",
    "independent",
    "last_split",
    "note_split",
    "split_jobs",
]

#: `--jobs auto` never splits the runs (only an explicit `--jobs N` does): measured on
#: the 2-core benchmark machine, shared with other work, the split was slower than one
#: process (1,000 runs: 4.58 vs 3.98 s; 10,000 runs: 47.4 vs 41.1 s, 7 s more CPU:
#: unpickling the findings here, copy-on-write faults in the workers), because a run's
#: per-run work (~1.5 ms) is small against what its findings cost to ship back.
SPLIT_MIN_RUNS: int | None = None
#: Chunk size bound: small enough to balance the processes, large enough that the
#: per-task cost (a pickled list of findings) stays small against the work.
RUNS_PER_CHUNK = 64
#: the smallest chunk while more runs are left than this (the tail's balance)
RUNS_LAST_CHUNK = 4


@frozen
class RunOutcome:
    """What the per-run work of one run left for the reduce step."""

    findings: tuple[Finding, ...]
    rows: int
    problems: tuple[Problem, ...]
    #: the run as the driver keeps it (a summary, `ftlint.assemble.lazy`); None: as given
    run: Run | None = None


#: `work(chunk) -> one outcome per run index of the chunk, in order`
Work = Callable[[range], list[RunOutcome]]


class Executor(Protocol):
    """Maps `work` over chunks of run indices; yields each chunk's result in chunk order.

    A result that is not a list (a dead worker, an unpicklable finding) is replaced by
    running that chunk in this process, so an executor may fail a chunk but never lose it.
    """

    def map(self, work: Work, parts: Sequence[range]) -> Iterator[list[RunOutcome] | None]: ...


class InlineExecutor:
    """Every chunk in this process (`--jobs 1`, tests, the fallback)."""

    def map(self, work: Work, parts: Sequence[range]) -> Iterator[list[RunOutcome] | None]:
        for part in parts:
            yield work(part)


class ForkExecutor:
    """`jobs` processes forked from this one (`ftlint.engine.forkpool`); `map` forks
    and hands out the first chunks before it returns, so the caller works meanwhile.
    The result iterator's `close()` stops the workers (also midway)."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs

    def map(self, work: Work, parts: Sequence[range]) -> Iterator[list[RunOutcome] | None]:
        from ftlint.engine.forkpool import ForkPool

        return ForkPool(work, parts, self.jobs)


#: the processes the last lint in this process split its runs over (None: not split)
_LAST_SPLIT: list[int | None] = [None]


def note_split(jobs: int | None) -> None:
    """Record how many processes this lint's runs were split over (`last_split`)."""
    _LAST_SPLIT[0] = jobs


def last_split() -> int | None:
    """How many processes the last lint in this process split its runs over, or None:
    the JSON report renders its second half in a fork then (`ftlint.report.parallel`),
    so `--jobs N` also shares the rendering."""
    return _LAST_SPLIT[0]


def chunks(count: int, jobs: int) -> list[range]:
    """Contiguous ranges of run indices: at least 4 per process, at most
    `RUNS_PER_CHUNK` runs each, and smaller towards the end (each an eighth of what is
    left per process, down to `RUNS_LAST_CHUNK`): a process that finishes early finds
    small chunks still waiting instead of idling through the other's last 64 runs
    (~0.13 s of a 1,000-run lint at --jobs 2)."""
    if count <= 0:
        return []
    floor = min(RUNS_LAST_CHUNK, -(-count // (jobs * 4)))
    out: list[range] = []
    start = 0
    while start < count:
        size = min(RUNS_PER_CHUNK, max(floor, -(-(count - start) // (jobs * 4))))
        out.append(range(start, min(start + size, count)))
        start += size
    return out


def split_jobs(jobs: int | None, runs: int) -> int | None:
    """How many processes share the runs, or None to keep every run here: `--jobs 1`,
    `--jobs auto` (see `SPLIT_MIN_RUNS`), no fork, a threaded process, or one run."""
    if jobs == 1 or not hasattr(os, "fork") or runs < 2:
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    if jobs is None:
        if SPLIT_MIN_RUNS is None or runs < SPLIT_MIN_RUNS:
            return None
        if not sys.platform.startswith("linux") or cores < 2:
            return None
        jobs = cores
    import threading

    if threading.active_count() > 1:
        return None  # forking a threaded process is unsafe (locks held elsewhere)
    return min(jobs, runs)


def independent(rule: Any) -> bool:
    """True when a rule's per-run steps may run in another process than its pair and
    campaign steps: the built-in rules (they keep no state across runs on the instance),
    and any rule class that says so with `runs_independent = True`."""
    cls = type(rule)
    declared = getattr(cls, "runs_independent", None)
    if declared is not None:
        return bool(declared)
    return cls.__module__.startswith("ftlint.rules.")


#: Action values that intern safely: equal values of these types print the same
_PLAIN = (str, int, float, type(None))


def compact_findings(findings: Sequence[Finding], table: dict[Any, Any]) -> list[Finding]:
    """`findings` with equal actions shared (one object per distinct action across the
    lint, kept in `table`): rules build the same advice for many runs (10,000 runs: ~54,000
    findings with a few hundred distinct actions, ~1 KB each). Keys carry the value's
    type, so 1 and 1.0 never merge; an action with another value type is left alone."""
    from dataclasses import replace

    out: list[Finding] = []
    for f in findings:
        if not f.actions:
            out.append(f)
            continue
        shared = []
        for a in f.actions:
            if type(a.value) not in _PLAIN or type(a.tier) is not int:
                shared.append(a)
                continue
            key = (a.tier, a.kind, a.knob, type(a.value), a.value, a.text, a.why, a.expected,
                   a.rollback_trigger)  # fmt: skip
            shared.append(table.setdefault(key, a))
        same = all(x is y for x, y in zip(shared, f.actions, strict=True))
        out.append(f if same else replace(f, actions=tuple(shared)))
    return out
