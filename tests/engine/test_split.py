"""`--jobs` across runs (`ftlint.engine.split`): map per run, reduce here; the result is
the sequential one, byte for byte, whatever the executor does with a chunk."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from helpers import bench_generator

from ftlint import api
from ftlint.engine.run import Engine, select_rules
from ftlint.engine.split import (
    ForkExecutor,
    InlineExecutor,
    RunOutcome,
    Work,
    chunks,
    independent,
    split_jobs,
)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve runs with failure modes and a bad line (PRV005 comes from the stream)."""
    root = tmp_path_factory.mktemp("split") / "ws"
    mix = {"valid": 0.4, "truncated": 0.2, "prose": 0.2, "fenced": 0.1, "empty": 0.1}
    bench_generator().generate_workspace(root, runs=12, hard_cases=30, steps=3, failure_mix=mix)
    hard = sorted(root.glob("outputs/*/hard_cases.valid.jsonl"))
    with hard[3].open("a", encoding="utf-8") as handle:
        handle.write("not json at all\n")
    return root


class Failing:
    """An executor that loses every other chunk (a dead worker): the engine redoes it."""

    def map(self, work: Work, parts: Sequence[range]) -> Iterator[list[RunOutcome] | None]:
        for n, part in enumerate(parts):
            yield None if n % 2 == 0 else work(part)


def _lint(ws: Path, executor=None, jobs: int = 1) -> list[dict]:
    session = api.setup(workspace=ws)
    campaign = api.load_campaign(session, ws)
    rules = select_rules(list(session.rules), session.config)
    engine = Engine(campaign, rules, session.config, jobs=jobs, sources=api.sources_of(session))
    return [f.to_dict() for f in engine.run(executor).findings]


def test_every_executor_gives_the_sequential_findings(workspace: Path) -> None:
    sequential = _lint(workspace)
    codes = {f["rule"] for f in sequential}
    assert {"PRV005", "QLT003"} & codes and len(codes) > 5, codes
    for executor in (InlineExecutor(), Failing(), ForkExecutor(2)):
        assert _lint(workspace, executor, jobs=3) == sequential, type(executor).__name__


def test_cli_output_is_byte_identical(cli, workspace: Path) -> None:
    args = ("check", str(workspace), "--format", "json", "--fail-on", "never")
    one, two = cli(*args, "--jobs", "1"), cli(*args, "--jobs", "2")
    assert (one.code, one.out, one.err) == (two.code, two.out, two.err)
    assert len(json.loads(one.out)["runs"]) == 12


@pytest.mark.parametrize(("count", "jobs"), [(0, 2), (1, 2), (7, 2), (100, 2), (1000, 3)])
def test_chunks_cover_every_run_once_in_order(count: int, jobs: int) -> None:
    parts = chunks(count, jobs)
    assert [i for part in parts for i in part] == list(range(count))
    assert all(len(part) <= 64 for part in parts)
    if count >= 4 * jobs:
        assert len(parts) >= 4 * jobs  # enough chunks to balance the processes


def test_when_runs_are_split() -> None:
    assert split_jobs(1, 1000) is None
    assert split_jobs(2, 1) is None
    assert split_jobs(None, 10) is None  # auto: too little work to pay for a fork
    assert split_jobs(4, 3) in (None, 3)  # never more processes than runs


def test_plugin_rules_stay_here_unless_they_say_so() -> None:
    from ftlint.rule import Rule

    plugin = type("P", (Rule,), {"__module__": "someplugin"})
    declared = type("D", (Rule,), {"__module__": "someplugin", "runs_independent": True})
    builtin = next(iter(api.setup(builtin_only=True).rules))
    assert not independent(plugin()) and independent(declared()) and independent(builtin())


def test_an_interrupted_map_stops_its_workers() -> None:
    """Closing the results early (the driver was interrupted) kills the workers instead
    of waiting for chunks nobody will read."""
    import os
    import time

    results = ForkExecutor(2).map(lambda part: time.sleep(60) or [], [range(1), range(1, 2)])
    pids = [w.pid for w in results.workers.values()]  # type: ignore[attr-defined]
    assert len(pids) == 2
    began = time.monotonic()
    results.close()  # type: ignore[attr-defined]
    assert time.monotonic() - began < 10  # killed, not waited for (60 s)
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reaped: no such child any more
    results.close()  # type: ignore[attr-defined]  # twice is harmless


def _raising(part: range) -> list[RunOutcome]:
    if part.start % 2:
        raise RuntimeError("a bug in a rule, in the worker")
    return [RunOutcome((), i, ()) for i in part]


def _dying(part: range) -> list[RunOutcome]:
    import os

    if part.start == 3:
        os._exit(3)  # the worker dies (the OOM killer, a segfault)
    return [RunOutcome((), i, ()) for i in part]


def _unpicklable(part: range) -> list[Any]:
    return [lambda: None] if part.start == 2 else [RunOutcome((), i, ()) for i in part]


@pytest.mark.parametrize("here", [False, True])
@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_the_fork_pool_gives_every_chunk_in_order(jobs: int, here: bool) -> None:
    import os

    parts = chunks(40, 2)
    pids: set[int] = set()  # the processes that ran chunks, as this process sees them

    def work(part: range) -> list[RunOutcome]:
        pids.add(os.getpid())
        return [RunOutcome((), i, ()) for i in part]

    driver = os.getpid()
    fds = sorted(os.listdir("/proc/self/fd"))
    results = ForkExecutor(jobs, here=here).map(work, parts)
    assert len(results.workers) == (jobs - 1 if here else jobs)  # type: ignore[attr-defined]
    got = list(results)
    assert [[o.rows for o in outcomes] for outcomes in got] == [list(p) for p in parts]
    assert sorted(os.listdir("/proc/self/fd")) == fds  # the queue and every pipe closed
    if not here:  # (with `here` the driver may run some chunks, or none if the workers
        assert driver not in pids  # took them all first: a busy machine decides)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_a_free_process_takes_every_chunk_a_busy_one_has_not_started(tmp_path: Path) -> None:
    """The chunks wait in one queue, not handed ahead to a process: while the worker is
    held on its first chunk, the driver lints all the others (with two chunks sent to
    each worker, the driver sat idle at the end while its worker still held one)."""
    import os
    import time

    driver = os.getpid()
    started, mine = tmp_path / "started", tmp_path / "driver"
    parts = [range(i, i + 1) for i in range(6)]

    def wait_for(check: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not check():
            time.sleep(0.005)

    def work(part: range) -> list[RunOutcome]:
        if os.getpid() == driver:
            wait_for(started.exists)  # (the worker takes a chunk before the driver all)
            with mine.open("ab") as marks:
                marks.write(b"x")
        else:
            started.touch()
            wait_for(lambda: mine.exists() and len(mine.read_bytes()) >= len(parts) - 1)
        return [RunOutcome((), i, ()) for i in part]

    got = list(ForkExecutor(2, here=True).map(work, parts))
    assert [[o.rows for o in outcomes] for outcomes in got] == [list(p) for p in parts]
    assert len(mine.read_bytes()) == len(parts) - 1


@pytest.mark.parametrize("here", [False, True])
def test_chunks_a_full_queue_did_not_take_still_arrive(
    here: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pipe holds 16,384 chunk numbers unless Linux widens it: the rest stay with the
    driver, which runs them (`here`) or gives None for them (the engine reruns them)."""
    import os

    from ftlint.engine import forkpool

    monkeypatch.setattr(forkpool, "_widen", lambda fd: None)  # the default 64 KiB pipe
    parts = [range(i, i + 1) for i in range(20_000)]
    got = list(ForkExecutor(2, here=here).map(lambda p: [RunOutcome((), p.start, ())], parts))
    assert len(got) == len(parts)
    for part, outcomes in zip(parts, got, strict=True):
        if outcomes is not None or part.start < 16_384:
            assert [o.rows for o in outcomes] == list(part)
    assert (None in got) is not here
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


@pytest.mark.parametrize("here", [False, True])
def test_without_a_pipe_no_worker_is_forked(here: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """No pipe for the queue (out of descriptors): no worker is forked; the driver runs
    every chunk (`here`) or gives None for each (the engine reruns them here)."""
    import os

    from ftlint.engine import forkpool

    real = forkpool._queue

    def no_pipe(count: int) -> tuple[int, list[int]]:
        monkeypatch.setattr(os, "pipe", failing)
        try:
            return real(count)
        finally:
            monkeypatch.undo()  # the workers' result pipes could still be made

    def failing() -> tuple[int, int]:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(forkpool, "_queue", no_pipe)
    parts = chunks(10, 2)
    results = ForkExecutor(2, here=here).map(lambda p: [RunOutcome((), i, ()) for i in p], parts)
    assert not results.workers  # type: ignore[attr-defined]
    got = list(results)
    if here:
        assert [[o.rows for o in outcomes] for outcomes in got] == [list(p) for p in parts]
    else:
        assert got == [None] * len(parts)


@pytest.mark.parametrize("here", [False, True])
@pytest.mark.parametrize("work", [_raising, _dying, _unpicklable])
def test_a_failed_chunk_is_none_and_the_rest_arrive(work, here: bool, tmp_path: Path) -> None:
    """None for what a worker could not give (the engine reruns it here); every other
    chunk still arrives, in order, and no worker is left behind."""
    import os
    import time

    parts = [range(i, i + 1) for i in range(8)]
    if here:  # the driver's own chunks would raise here: only the workers' may fail
        driver = os.getpid()
        failing = work
        started = tmp_path / "started"

        def work(part: range) -> list[Any]:
            if os.getpid() == driver:
                # the driver took chunk 0 from the queue; it waits until the workers
                # have taken chunks 1-3 (each fails one way), or it might run them all
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline and (
                    not started.exists() or len(started.read_bytes()) < 3
                ):
                    time.sleep(0.005)
                return [RunOutcome((), i, ()) for i in part]
            with started.open("ab") as marks:
                marks.write(b"x")
            return failing(part)

    got = list(ForkExecutor(2 if not here else 3, here=here).map(work, parts))
    assert len(got) == 8
    for part, outcomes in zip(parts, got, strict=True):
        if outcomes is not None:
            assert [o.rows for o in outcomes] == list(part)
    assert any(outcomes is None for outcomes in got)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


@pytest.mark.parametrize("fmt", ["text", "sarif", "github", "junit"])
def test_every_format_is_byte_identical(cli, workspace: Path, fmt: str) -> None:
    args = ("check", str(workspace), "--format", fmt, "--fail-on", "never")
    one, two = cli(*args, "--jobs", "1"), cli(*args, "--jobs", "2")
    assert (one.code, one.out, one.err) == (two.code, two.out, two.err)


@pytest.mark.parametrize("command", ["plan", "gate"])
def test_plan_and_gate_are_byte_identical(cli, workspace: Path, command: str) -> None:
    args = (command, str(workspace), "--format", "json", "--baseline", "sft-c1-r0000")
    one, two = cli(*args, "--jobs", "1"), cli(*args, "--jobs", "2")
    assert (one.code, one.out, one.err) == (two.code, two.out, two.err)
    assert one.out.strip()


def test_a_worker_that_dies_midway_loses_no_run(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The split the CLI uses (the driver and one worker): a worker killed while it
    lints a run (its chunk's outcomes never come) is rerun here; same findings."""
    import os

    sequential = _lint(workspace)
    driver = os.getpid()
    per_run = Engine._per_run
    died = tmp_path / "died"

    def dying(self, run, *args, **kwargs):
        if os.getpid() != driver:
            died.write_text(run.name)
            os._exit(9)
        return per_run(self, run, *args, **kwargs)

    monkeypatch.setattr(Engine, "_per_run", dying)
    assert _lint(workspace, jobs=2) == sequential
    assert died.read_text().startswith("sft-")  # a worker did die, and nothing was lost
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def _engine(ws: Path, jobs: int | None) -> Engine:
    session = api.setup(workspace=ws)
    campaign = api.load_campaign(session, ws)
    rules = select_rules(list(session.rules), session.config)
    return Engine(campaign, rules, session.config, jobs=jobs, sources=api.sources_of(session))


def test_auto_splits_the_runs_when_their_work_pays(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ftlint.engine import split

    sequential = _lint(workspace)
    monkeypatch.setattr(split, "free_cores", lambda: 2)
    estimate = _engine(workspace, None)._work_ms()
    rows = sum(p.stat().st_size for p in workspace.glob("outputs/*/hard_cases.valid.jsonl"))
    assert estimate == pytest.approx(split.work_ms(12, rows))
    monkeypatch.setattr(split, "SPLIT_WORK_MS", estimate + 1)  # just short: one process
    found = _engine(workspace, None).run().findings
    assert split.last_split() is None and [f.to_dict() for f in found] == sequential
    monkeypatch.setattr(split, "SPLIT_WORK_MS", estimate)  # enough: two
    found = _engine(workspace, None).run().findings
    assert split.last_split() == 2 and [f.to_dict() for f in found] == sequential


def test_one_big_file_is_left_to_the_row_ranges(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Auto keeps the runs together when one run's hard cases are more than half of the
    estimated work and the row ranges will take that file; else the runs may split."""
    import ftlint.engine.run as engine_run
    from ftlint.engine.ranges import ROW_SPLIT_MIN_BYTES

    engine = _engine(workspace, None)  # 12 runs
    big = ROW_SPLIT_MIN_BYTES

    def sizes(*values: int) -> None:
        engine._hard_case_sizes = lambda: iter(values)  # type: ignore[method-assign]

    monkeypatch.setattr(engine_run, "row_split_jobs", lambda _engine: 2)
    sizes(1000, 1000, big)
    assert engine._one_file_dominates()
    sizes(big, big, big)  # no run is most of the work
    assert not engine._one_file_dominates()
    sizes(1000, 1000, big - 1)  # too small for row ranges
    assert not engine._one_file_dominates()
    # exactly half: 2 x (1.5 + 160) ms against 12 x 1.5 + (4 + 3.625 MiB) x 40 = 323 ms
    sizes(big, 3_801_088)
    assert not engine._one_file_dominates()
    sizes(big, 3_801_087)
    assert engine._one_file_dominates()
    monkeypatch.setattr(engine_run, "row_split_jobs", lambda _engine: None)
    sizes(1000, 1000, big)  # the ranges would not take it (too little in all, one core)
    assert not engine._one_file_dominates()


def test_a_dominating_file_keeps_the_runs_together(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ftlint.engine import split

    monkeypatch.setattr(split, "free_cores", lambda: 2)
    monkeypatch.setattr(split, "SPLIT_WORK_MS", 1.0)  # the runs alone would split
    engine = _engine(workspace, None)
    engine._one_file_dominates = lambda: True  # type: ignore[method-assign]
    found = engine.run().findings
    assert split.last_split() is None and [f.to_dict() for f in found] == _lint(workspace)
    _engine(workspace, None).run()  # its files are small: nothing dominates
    assert split.last_split() == 2


def test_a_given_executor_is_named(workspace: Path) -> None:
    from ftlint.engine import split

    _engine(workspace, 1).run(InlineExecutor())
    assert split.last_reason() == "the runs through InlineExecutor"


def test_eval_row_files_of_other_adapters_count_once(tmp_path: Path) -> None:
    from ftlint.config.settings import Config
    from ftlint.engine import split
    from ftlint.model import Campaign, Run
    from ftlint.sources.base import RowFile

    (tmp_path / "preds.jsonl").write_bytes(b"x" * (1 << 20))
    (tmp_path / "lm.jsonl").write_bytes(b"y" * (1 << 19))
    runs = (
        Run(name="a", row_files=(RowFile("preds.jsonl", "llamafactory", True),)),
        Run(
            name="b",
            row_files=(  # two tasks of one file, and a file that is gone: counted once, 0
                RowFile("lm.jsonl", "lm_eval", True, "arc"),
                RowFile("lm.jsonl", "lm_eval", True, "mmlu"),
                RowFile("gone.jsonl", "lm_eval", True),
            ),
        ),
    )
    engine = Engine(Campaign(str(tmp_path), runs), [], Config(), jobs=None)
    assert engine._row_file_bytes() == (1 << 20) + (1 << 19)
    assert engine._work_ms() == pytest.approx(split.work_ms(2, (1 << 20) + (1 << 19)))


def test_verbose_says_how_the_work_was_split(cli, workspace: Path) -> None:
    """`-v` names the processes and why (`--jobs auto` depends on the idle cores)."""
    args = ("check", str(workspace), "--format", "json", "--fail-on", "never", "-v")
    assert "ftlint: processes: one process (--jobs 1)\n" in cli(*args, "--jobs", "1").err
    two = cli(*args, "--jobs", "2").err
    assert "ftlint: processes: the runs over 2 processes (--jobs 2)\n" in two
    auto = cli(*args).err  # 12 runs of 30 rows: the split depends on this machine's cores
    assert "ftlint: processes: " in auto and "--jobs auto: " in auto
    runs = cli("runs", str(workspace), "-v").err  # no lint, no such line
    assert "ftlint: processes:" not in runs


def test_every_reason_is_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    from ftlint.engine import split

    monkeypatch.setattr(split, "free_cores", lambda: 2)
    cases = [
        ((1, 100), None, "one process (--jobs 1)"),
        ((None, 1), None, "one process for the runs (one run)"),
        ((None, 10, lambda: 12.4), None, "their estimated work, 12 ms, is below 50 ms"),
        ((None, 10, lambda: 120.0), 2, "the runs over 2 processes (--jobs auto: 120 ms"),
        ((3, 10), 3, "the runs over 3 processes (--jobs 3)"),
    ]
    for args, jobs, reason in cases:
        assert split_jobs(*args) == jobs
        assert reason in (split.last_reason() or ""), (args, split.last_reason())
    monkeypatch.setattr(split, "free_cores", lambda: 1)
    assert split_jobs(None, 10, lambda: 120.0) is None
    assert split.last_reason() == (
        "one process (--jobs auto: 120 ms of estimated work, 1 idle core)"
    )
