"""Rule groups in forked processes (`--jobs`): which rules go where, and running them.

When one big file is not split in row ranges instead (`ftlint.engine.ranges`: a plugin
rule visits rows, or `--jobs auto` finds no file to split), the hard cases are large
enough (`PARALLEL_MIN_BYTES`, or `--jobs 2` on any size) and a Linux machine has a
second core, the rules of each `Rule.process_group` run in a
forked worker of a `concurrent.futures.ProcessPoolExecutor`, which streams the same
files and runs those rules' whole lifecycle; its findings come back pickled and are
merged. Rules share nothing across groups (see `Rule.process_group`), every process
sees every row in file order, and the engine sorts the findings by a total key, so the
result is the sequential one, byte for byte.

Why fork and not spawn: a forked worker inherits the loaded campaign and the rule
instances, so nothing but the findings is pickled; a spawned one would re-import and
re-load everything, which costs more than the parallelism saves at this size.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from ftlint.engine.cores import usable_cores
from ftlint.model import Finding
from ftlint.rule import Rule, RuleContext

__all__ = ["PARALLEL_MIN_BYTES", "Pairs", "process_groups", "run_forked"]

#: With `--jobs auto`, rule groups get processes of their own from this much hard-case
#: data on (when one big file is not split in row ranges instead, `engine.ranges`).
#: Re-measured after rows got cheaper (2 cores, load ~2.5, benchmarks/README.md): on
#: the 20 x 80 start-up workspace (1.15 MB) the driver's CPU is the same forked or not
#: (342-353 vs 348-371 ms) while the fork adds ~100 ms of child CPU and wall (388-403
#: vs 330-341 ms); 3 runs of 2.9 MB: the driver's CPU 440-461 vs 538-555 ms.
PARALLEL_MIN_BYTES = 8 << 20

Pairs = list[tuple[Rule, RuleContext]]
#: `lint(rules, progress) -> (findings, rows read)`: the engine's sequential pass
Lint = Callable[[Pairs, Any], tuple[list[Finding], int]]

#: The work of each worker, set just before the pool forks its workers (which inherit
#: it) and cleared right after: only an index crosses the process boundary, never the
#: rules or the campaign.
_WORK: list[Callable[[], list[Finding]]] = []


def process_groups(
    rules: Pairs, jobs: int | None, hard_case_bytes: Callable[[], int]
) -> tuple[Pairs, list[Pairs]] | None:
    """(the main process's rules, one rule list per forked process), or None for one
    process: --jobs 1, one core, no fork, small hard cases, or a single group."""
    if jobs == 1 or not hasattr(os, "fork"):
        return None
    cores = usable_cores()  # (the affinity, capped by a cgroup CPU quota)
    if jobs is None:
        if not sys.platform.startswith("linux"):
            return None  # fork without exec is only safe everywhere on Linux: ask for it
        if cores < 2 or hard_case_bytes() < PARALLEL_MIN_BYTES:
            return None
        jobs = cores
    named: dict[str, Pairs] = {}
    main: Pairs = []
    for pair in rules:
        group = getattr(type(pair[0]), "process_group", None)
        if group is None:
            main.append(pair)
        else:
            named.setdefault(group, []).append(pair)
    if not named or jobs < 2:
        return None
    children: list[Pairs] = [[] for _ in range(min(jobs - 1, len(named)))]
    for i, group in enumerate(sorted(named)):  # a group never splits: it shares state
        children[i % len(children)].extend(named[group])
    import threading

    if threading.active_count() > 1:
        return None  # forking a threaded process is unsafe (locks held elsewhere)
    return main, children


def run_forked(
    lint: Lint, main: Pairs, children: list[Pairs], progress: Any
) -> tuple[list[Finding], int]:
    """Run each child list in a forked worker and `main` here; merge the findings.

    A worker that fails (killed, out of memory, a finding that cannot be pickled) costs
    nothing but time: its rules then run here, after the main ones."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    sys.stdout.flush()  # a worker flushes what it inherited: never print anything twice
    sys.stderr.flush()
    _WORK[:] = [lambda rules=rules: lint(rules, None)[0] for rules in children]
    try:
        pool = ProcessPoolExecutor(
            max_workers=len(children), mp_context=multiprocessing.get_context("fork")
        )
        futures = [pool.submit(_work, index) for index in range(len(children))]
    finally:
        _WORK.clear()  # a fork-context pool starts every worker on the first submit
    try:
        findings, rows = lint(main, progress)
    except BaseException:
        _terminate(pool)
        raise
    for rules, future in zip(children, futures, strict=True):
        try:
            produced = future.result()
        except Exception:
            produced = None
        if not isinstance(produced, list):
            produced = lint(rules, None)[0]
        findings += produced
    pool.shutdown(wait=True)
    return findings, rows


def _work(index: int) -> list[Finding]:
    """In a worker: the rule list the parent set up for it before forking."""
    return _WORK[index]()


def _terminate(pool: Any) -> None:
    """Stop the workers now (the main process failed): nobody will read their findings."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)
