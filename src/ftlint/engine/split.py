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
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from ftlint import frozen
from ftlint.engine.cores import free_cores
from ftlint.model import Finding, Problem, Run

__all__ = [
    "ROW_MS_PER_MIB",
    "RUNS_PER_CHUNK",
    "RUN_MS",
    "SPLIT_WORK_MS",
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
    "last_reason",
    "last_split",
    "note_reason",
    "note_split",
    "split_jobs",
    "work_ms",
]

#: `--jobs auto` splits the runs when their per-run work (`work_ms`) is estimated at
#: this many milliseconds on one core or more, into one process more per this much work,
#: over the cores the machine leaves idle (`free_cores`). Measured on 2 idle cores
#: (2026-11-30, `ftlint check --format json`, medians of 10 interleaved, benchmarks/
#: README.md): below ~30 ms of work a second process costs more than it saves (5 runs x
#: 80 rows: -6.5 ms; 20 runs x 1 row: -1 ms); from ~50 ms on it pays (40 runs x 1 row:
#: +14 ms; 20 x 80: +22 ms; 40 x 320: +152 ms of 517). On a busy machine it does not:
#: the split adds ~15% of CPU (copy-on-write faults, pickling), which is wall time when
#: no core is free (1,000 runs on 2 shared cores: 4.58 s split against 3.98 s in one
#: process), so auto splits only over idle cores. None: auto never splits the runs.
SPLIT_WORK_MS: float | None = 50.0
#: the estimated work of one run besides its rows: loading it, its per-run rules
#: (20 runs of 1 row: 124 ms, 40: 158 ms on one core)
RUN_MS = 1.5
#: the estimated work of a MiB of eval rows (20 runs x 80 rows, 1.2 MB: +81 ms over 1
#: row a run; 20 x 320: +183 ms for 4.9 MB; findings make a small file's rows dearer)
ROW_MS_PER_MIB = 40.0
#: Chunk size bound: small enough to balance the processes, large enough that the
#: per-task cost (a pickled list of findings) stays small against the work.
RUNS_PER_CHUNK = 64
#: the smallest chunk (the tail's balance): the last chunks are single runs, so the
#: processes end within a run of each other (a process takes the next chunk from a
#: shared queue when it is free: `ftlint.engine.forkpool`). Alternated, 60 start-ups
#: (20 runs x 80 rows, `--jobs auto` over 2 cores) with the queue: 167.5 ms median with
#: chunks handed out two to a worker and a 3-run floor, 160.5 ms now
RUNS_LAST_CHUNK = 1


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
    `RUNS_PER_CHUNK` runs each, and smaller towards the end (each a quarter of what is
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


def work_ms(runs: int, row_bytes: int) -> float:
    """The per-run work of a lint, estimated in milliseconds on one core: `RUN_MS` a
    run (loading it, its per-run rules) and `ROW_MS_PER_MIB` a MiB of eval rows."""
    return runs * RUN_MS + row_bytes / (1 << 20) * ROW_MS_PER_MIB


def split_jobs(jobs: int | None, runs: int, work: Callable[[], float] | None = None) -> int | None:
    """How many processes share the runs, or None to keep every run here: `--jobs 1`,
    no fork, a threaded process, or one run. `--jobs auto` splits when the per-run
    work (`work()`, ms on one core; default: `runs` runs with no rows, `work_ms`) is at
    least `SPLIT_WORK_MS`, into one process more per `SPLIT_WORK_MS` of it, as many as
    the machine has idle cores (`free_cores`; none idle besides this one: None) and at
    most one per two runs. The reason is recorded for `-v` (`last_reason`)."""
    if jobs == 1:
        return _because(None, "one process (--jobs 1)")
    if not hasattr(os, "fork"):
        return _because(None, "one process (no fork on this platform)")
    if runs < 2:
        return _because(None, "one process for the runs (one run)")
    how = f"--jobs {jobs}"
    if jobs is None:
        if SPLIT_WORK_MS is None:
            return _because(None, "one process for the runs (--jobs auto never splits them)")
        estimate = work() if work is not None else work_ms(runs, 0)
        if estimate < SPLIT_WORK_MS:
            return _because(
                None,
                f"one process for the runs (--jobs auto: their estimated work, {estimate:.0f} "
                f"ms, is below {SPLIT_WORK_MS:.0f} ms)",
            )
        free = free_cores()
        jobs = min(free, 1 + int(estimate // SPLIT_WORK_MS))
        cores = f"{free} idle core" + ("s" if free != 1 else "")
        how = f"--jobs auto: {estimate:.0f} ms of estimated work, {cores}"
        if jobs < 2:
            return _because(None, f"one process ({how})")
        if runs < 2 * jobs:  # at least two runs a process (`Engine` splits no fewer)
            jobs = runs // 2
            if jobs < 2:
                return _because(None, f"one process for the runs ({runs}: too few for two)")
    import threading

    if threading.active_count() > 1:  # forking a threaded process is unsafe (locks held)
        return _because(None, "one process (other threads run: no fork)")
    jobs = min(jobs, runs)
    return _because(jobs, f"the runs over {jobs} processes ({how})")


#: why the last lint in this process used the processes it did (`-v` prints it)
_REASON: list[str | None] = [None]


def _because(jobs: int | None, reason: str) -> int | None:
    note_reason(reason)
    return jobs


def note_reason(reason: str | None) -> None:
    """Record why this lint used the processes it did (`last_reason`)."""
    _REASON[0] = reason


def last_reason() -> str | None:
    """Why the last lint in this process used the processes it did, in words (`ftlint
    check -v`: `--jobs auto` depends on the machine's idle cores), or None."""
    return _REASON[0]


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
