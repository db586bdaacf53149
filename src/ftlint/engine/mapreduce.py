"""The split lint (`--jobs` across runs): map each run's per-run work through an
executor, reduce the outcomes in run order, then the pair and campaign steps here.

`Engine.run` calls `lint_split` when `ftlint.engine.split.split_jobs` says the runs are
shared; an `Executor` (the local `ForkExecutor`, or one for a distributed engine:
docs/scale-out.md) does the map. Kept out of `ftlint.engine.run`, which runs one lint.
"""

from __future__ import annotations

import gc
import os
from typing import Any

from ftlint.engine.split import (
    Executor,
    ForkExecutor,
    RunOutcome,
    chunks,
    compact_findings,
    independent,
)
from ftlint.model import Finding, Run
from ftlint.rule import Rule


def lint_split(engine: Any, executor: Executor, jobs: int) -> tuple[list[Finding], int]:
    """Map: each run's per-run work (rules that allow it) through `executor`;
    reduce: outcomes in run order, then the pair and campaign steps of every rule.

    The baseline and the candidate are linted here, every rule: pair rules may keep
    what their row visitors saw of those two runs on the rule instance (QLT003's
    paired rows). So are the per-run steps of rules that do not allow the split."""
    runs = engine.campaign.runs
    mapped = [pair for pair in engine.rules if independent(pair[0])]
    here = [pair for pair in engine.rules if not independent(pair[0])]
    # the rows were read by the worker: here again only for a rule that visits them
    streams_here = any(
        type(rule).hard_case_visitor is not Rule.hard_case_visitor for rule, _ in here
    )
    pair_runs = {engine.campaign.baseline, engine.campaign.candidate}
    away = [i for i, run in enumerate(runs) if run.name not in pair_runs]

    # outcomes a ForkExecutor of this table unpickled have their actions shared with
    # it already: its pickler sends each distinct action of a chunk once
    shares = isinstance(executor, ForkExecutor) and executor.actions is engine.actions

    driver = os.getpid()

    def work(part: range) -> list[RunOutcome]:
        # with rules that stay here, the loaded run comes back whole for them (one
        # unpickling, ~10x cheaper than reading the run's files again here); equal
        # actions are shared: here with the lint's table, in a fork worker by its
        # pickler, elsewhere within the chunk (each is pickled once: 8.6 -> 6.8 MB)
        local = os.getpid() == driver
        table: dict[Any, Any] = engine.actions if local else {}
        out = []
        for i in part:
            done = engine._per_run(runs[away[i]], mapped, None, whole=bool(here))
            found = done.findings
            if local or not shares:
                found = tuple(compact_findings(found, table))
            out.append(RunOutcome(found, done.rows, done.problems, done.run))
        return out

    findings: list[Finding] = []
    rows = 0
    kept: list[Run] = list(runs)
    parts = chunks(len(away), jobs)
    streaming_modules()  # imported once here, not once in every worker
    results = executor.map(work, parts)  # runs in the background from here on
    try:
        for index, run in enumerate(runs):
            if run.name in pair_runs:
                engine._progress(run, index)
                outcome = engine._per_run(run, engine.rules, engine.progress)
                findings += outcome.findings
                rows += outcome.rows
                kept[index] = outcome.run or run
        for part, produced in zip(parts, results, strict=True):
            outcomes = produced if produced is not None else work(part)  # failed: here
            shared = shares or produced is None  # else: from another process
            for i, outcome in zip(part, outcomes, strict=True):
                run = runs[away[i]]
                engine._progress(run, away[i])
                if shared:
                    findings += outcome.findings
                else:
                    findings += compact_findings(outcome.findings, engine.actions)
                rows += outcome.rows
                kept[away[i]] = outcome.run or run
                engine.stream_problems[run.name] = list(outcome.problems)
                if here:
                    mine = engine._per_run(
                        outcome.run or run, here, engine.progress, stream=streams_here
                    )
                    findings += mine.findings
                    kept[away[i]] = mine.run or kept[away[i]]
                    engine.stream_problems[run.name] = list(outcome.problems)
            gc.freeze()  # the findings so far outlive the lint too
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()  # interrupted: stop the workers, nobody reads them
    engine._use(kept)
    findings += engine._pair_and_campaign(engine.rules)
    return findings, rows


def streaming_modules() -> None:
    """Import what streaming a run's rows imports on first use, before the workers fork
    (each worker imported them again: ~7 ms apiece at `--jobs 2`)."""
    import ftlint.engine.rows
    import ftlint.engine.stream
    import ftlint.sources.hardcases  # noqa: F401
