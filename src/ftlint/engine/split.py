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
    "ActionSharing",
    "Executor",
    "ForkExecutor",
    "InlineExecutor",
    "RunOutcome",
    "Work",
    "chunks",
    "compact_findings",
    "free_cores",
    "independent",
    "last_split",
    "note_split",
    "split_jobs",
]

#: `--jobs auto` splits the runs from this many on, over the cores the machine leaves
#: idle (`free_cores`). A run's per-run work is ~2 ms, the split costs ~10 ms (forks,
#: pickling): from 100 runs on it pays. On a busy machine it does not: the split adds
#: ~15% of CPU (copy-on-write faults, pickling), which is wall time when no core is
#: free (measured in 2026-11 on 2 shared cores: 1,000 runs 4.58 s split against 3.98 s
#: in one process), so auto splits only over cores that the load average leaves idle.
SPLIT_MIN_RUNS: int | None = 100
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
    The result iterator's `close()` stops the workers (also midway).

    `actions`: the driver's table of shared actions (`compact_findings`): outcomes then
    arrive with their actions shared with it already (`ActionSharing`). `here`: this
    process is one of the `jobs` (it runs chunks while it waits; `jobs - 1` forks)."""

    def __init__(
        self, jobs: int, actions: dict[Any, Any] | None = None, *, here: bool = False
    ) -> None:
        self.jobs = jobs
        self.actions = actions
        self.here = here

    def map(self, work: Work, parts: Sequence[range]) -> Iterator[list[RunOutcome] | None]:
        from ftlint.engine.forkpool import ForkPool

        if self.actions is None:
            return ForkPool(work, parts, self.jobs, here=self.here)
        sharing = ActionSharing(self.actions)
        return ForkPool(
            work, parts, self.jobs, dumps=sharing.dumps, loads=sharing.loads, here=self.here
        )


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


def free_cores() -> int:
    """The CPUs this process may run on that the machine leaves idle: the count less the
    1-minute load average, rounded to the nearest (2 CPUs at a load of 0.4: 2; at 0.6
    or more: 1). At least 1. Only Linux counts: elsewhere 1 (`--jobs auto` stays in one
    process; an explicit `--jobs N` still splits)."""
    if not sys.platform.startswith("linux") or not hasattr(os, "sched_getaffinity"):
        return 1
    cores = len(os.sched_getaffinity(0))
    try:
        load = os.getloadavg()[0]
    except OSError:
        return 1
    return max(1, min(cores, int(cores - load + 0.5)))


def split_jobs(jobs: int | None, runs: int) -> int | None:
    """How many processes share the runs, or None to keep every run here: `--jobs 1`,
    no fork, a threaded process, or one run; `--jobs auto` below `SPLIT_MIN_RUNS` runs
    or with fewer than two idle cores (`free_cores`)."""
    if jobs == 1 or not hasattr(os, "fork") or runs < 2:
        return None
    if jobs is None:
        if SPLIT_MIN_RUNS is None or runs < SPLIT_MIN_RUNS:
            return None
        jobs = free_cores()
        if jobs < 2:
            return None
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


def _action_key(a: Any) -> tuple[Any, ...] | None:
    """What makes two actions the same action, or None for one that is never shared.
    The key carries the value's type, so 1 and 1.0 never merge, and a float's exact bits
    (`float.hex`), so -0.0 and 0.0 (equal, and printed differently) never merge either."""
    value = a.value
    kind = type(value)
    if kind not in _PLAIN or type(a.tier) is not int:
        return None
    if kind is float:
        value = value.hex()
    return (a.tier, a.kind, a.knob, kind, value, a.text, a.why, a.expected, a.rollback_trigger)


def compact_findings(findings: Sequence[Finding], table: dict[Any, Any]) -> list[Finding]:
    """`findings` with equal actions shared (one object per distinct action across the
    lint, kept in `table`): rules build the same advice for many runs (10,000 runs: ~54,000
    findings with a few hundred distinct actions, ~1 KB each). An action whose value is
    not a plain str, int, float or None is left alone."""
    from dataclasses import replace

    out: list[Finding] = []
    for f in findings:
        if not f.actions:
            out.append(f)
            continue
        shared = []
        for a in f.actions:
            key = _action_key(a)
            shared.append(a if key is None else table.setdefault(key, a))
        same = all(x is y for x, y in zip(shared, f.actions, strict=True))
        out.append(f if same else replace(f, actions=tuple(shared)))
    return out


# -- outcomes over a pipe, actions shared with the driver's table -----------------------

#: the table `_shared_action` shares into while `ActionSharing.loads` runs (else None)
_TABLE: list[dict[Any, Any] | None] = [None]


def _shared_action(*fields: Any) -> Any:
    """An action as unpickled on the driver: the table's object for an equal action, so
    the driver never rebuilds a finding to share its actions (`compact_findings` cost
    ~40 ms of the driver's time at 1,000 runs, most of it `dataclasses.replace`)."""
    from ftlint.model import Action

    action = Action(*fields)
    table = _TABLE[0]
    if table is None:
        return action
    key = _action_key(action)
    return action if key is None else table.setdefault(key, action)


def _same(action: Any) -> Any:
    """An action equal to one unpickled before it in the same outcomes: that object."""
    return action


def _reducer(seen: dict[Any, Any]) -> Callable[[Any], tuple[Any, ...]]:
    """How a worker pickles an action: by its fields (`_shared_action`), or, when an
    equal action was pickled before in the same outcomes, as a reference to that one
    (pickle's memo sends it once): the chunk's actions are shared without rebuilding
    any finding in the worker either."""

    def reduce(a: Any) -> tuple[Any, ...]:
        key = _action_key(a)
        if key is None:
            return a.__reduce__()  # type: ignore[no-any-return]
        first = seen.setdefault(key, a)
        if first is not a:
            return _same, (first,)
        return _shared_action, (a.tier, a.kind, a.text, a.why, a.knob, a.value, a.expected,
                                a.rollback_trigger)  # fmt: skip

    return reduce


class ActionSharing:
    """`dumps` in a worker and `loads` on the driver for a chunk's outcomes: an action
    travels as its fields and is unpickled as the driver's one object for it (`table`),
    so outcomes that arrive need no `compact_findings`. Only the exact `Action` class is
    sent so (a per-pickler dispatch table: every other object pickles as it always does),
    and each distinct action once per `dumps` (`_reducer`): a worker need not compact."""

    def __init__(self, table: dict[Any, Any]) -> None:
        self.table = table

    def dumps(self, obj: Any) -> bytes:
        import copyreg
        import io
        import pickle

        from ftlint.model import Action

        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = {**copyreg.dispatch_table, Action: _reducer({})}
        pickler.dump(obj)
        return buffer.getvalue()

    def loads(self, data: bytes) -> Any:
        import pickle

        _TABLE[0] = self.table
        try:
            return pickle.loads(data)
        finally:
            _TABLE[0] = None
