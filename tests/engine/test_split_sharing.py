"""What the `--jobs` split sends back and how `--jobs auto` decides to split
(`ftlint.engine.split`): actions arrive shared with the driver's table, equal only when
they print the same; auto splits only over cores the machine leaves idle."""

from __future__ import annotations

import math
import os
import pickle

import pytest

from ftlint.engine import cores, split
from ftlint.engine.split import (
    ActionSharing,
    ForkExecutor,
    RunOutcome,
    compact_findings,
    free_cores,
    split_jobs,
)
from ftlint.model import Action, Category, Evidence, Finding, Severity


class Valued:
    """An action value of no plain type: never shared, pickled as it is."""

    def __init__(self, x: int) -> None:
        self.x = x

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Valued) and other.x == self.x

    def __hash__(self) -> int:
        return self.x


def _finding(run: str, *values: object) -> Finding:
    actions = tuple(Action(tier=4, kind="env", text="raise it", knob="LR", value=v) for v in values)
    return Finding(
        "X001", "x", Severity.INFO, Category.OPS, run, "m", (Evidence("a.json", 3),),
        {"k": 1}, actions, "fp",
    )  # fmt: skip


def test_floats_that_print_differently_are_never_merged() -> None:
    table: dict = {}
    a, b, c, d = compact_findings(
        [_finding("r", 0.0), _finding("r", -0.0), _finding("r", 0.0), _finding("r", math.nan)],
        table,
    )
    assert c.actions[0] is a.actions[0] and b.actions[0] is not a.actions[0]
    assert repr(b.actions[0].value) == "-0.0" and math.isnan(d.actions[0].value)


def test_unpickled_actions_are_the_tables_own() -> None:
    table: dict = {}
    known = compact_findings([_finding("r0", 1, "x")], table)[0]
    sharing = ActionSharing(table)
    sent = [_finding("r1", 1, "x", 1.0, 99), _finding("r2", 1, -0.0, 99)]  # not compacted
    sent.append(_finding("r3", Valued(5)))
    got = sharing.loads(sharing.dumps(sent))
    assert got == sent  # the same findings, field for field
    assert got[0].actions[3] is got[1].actions[2] and table  # a new action, shared too
    assert got[0].actions[0] is known.actions[0] and got[0].actions[1] is known.actions[1]
    assert got[1].actions[0] is known.actions[0]
    assert got[0].actions[2] is not known.actions[0]  # 1.0 is not 1
    assert repr(got[1].actions[1].value) == "-0.0"
    assert got[2].actions[0].value == Valued(5) and split._TABLE == [None]
    # an ordinary unpickling of the same bytes builds actions, shares nothing
    plain = pickle.loads(sharing.dumps(sent))
    assert plain == sent and plain[0].actions[0] is not known.actions[0]


def test_the_fork_executor_shares_into_the_drivers_table() -> None:
    table: dict = {}
    known = compact_findings([_finding("r", 7)], table)[0].actions[0]

    def work(part: range) -> list[RunOutcome]:
        return [RunOutcome((_finding(f"r{i}", 7),), i, ()) for i in part]

    parts = [range(0, 2), range(2, 4), range(4, 6)]
    got = list(ForkExecutor(2, actions=table).map(work, parts))
    assert [[o.rows for o in chunk] for chunk in got] == [list(p) for p in parts]
    assert all(o.findings[0].actions[0] is known for chunk in got for o in chunk)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_auto_splits_only_over_idle_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cores.sys, "platform", "linux")
    monkeypatch.setattr(cores.os, "sched_getaffinity", lambda _: {0, 1}, raising=False)
    monkeypatch.setattr(cores.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(cores, "quota_cores", lambda: None)
    for others, free in [(0, 2), (1, 1), (3, 1)]:
        monkeypatch.setattr(cores, "runnable_others", lambda n=others: float(n))
        assert free_cores() == free
        assert split_jobs(None, 1000) == (free if free > 1 else None)
        assert split_jobs(2, 1000) == 2  # an explicit --jobs N splits whatever the load
    monkeypatch.setattr(cores, "runnable_others", lambda: 0.0)
    assert split_jobs(1, 1000) is None

    def unknown() -> float:
        raise OSError("no load average here")

    monkeypatch.setattr(cores, "runnable_others", unknown)
    assert free_cores() == 1
    monkeypatch.setattr(cores.sys, "platform", "darwin")
    assert free_cores() == 1


def test_auto_weighs_the_work_before_it_splits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(split, "free_cores", lambda: 8)
    least = split.SPLIT_WORK_MS
    assert least is not None
    # runs alone: RUN_MS each
    assert split_jobs(None, int(least // split.RUN_MS) - 1) is None
    assert split_jobs(None, int(least // split.RUN_MS) + 1) == 2
    # the work the engine estimates (rows included): one more process per SPLIT_WORK_MS
    assert split_jobs(None, 20, lambda: least - 1) is None
    assert split_jobs(None, 20, lambda: least) == 2
    assert split_jobs(None, 20, lambda: 2.5 * least) == 3
    assert split_jobs(None, 20, lambda: 100 * least) == 8  # no more than the idle cores
    assert split_jobs(None, 7, lambda: 100 * least) == 3  # nor than one per two runs
    assert split_jobs(None, 3, lambda: 100 * least) is None
    assert split.last_reason() == "one process for the runs (3: too few for two)"
    assert split_jobs(None, 40, lambda: 2.5 * least) == 3  # 8 idle cores, work for 3
    assert split_jobs(None, 20, lambda: 0.0) is None  # (a big file: row ranges instead)
    assert split.work_ms(10, 1 << 20) == 10 * split.RUN_MS + split.ROW_MS_PER_MIB
    monkeypatch.setattr(split, "free_cores", lambda: 1)
    assert split_jobs(None, 20, lambda: 100 * least) is None  # no idle core to split over
    monkeypatch.setattr(split, "SPLIT_WORK_MS", None)
    monkeypatch.setattr(split, "free_cores", lambda: 8)
    assert split_jobs(None, 10_000, lambda: 100 * least) is None  # auto never splits


def test_a_threaded_process_never_splits() -> None:
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert split_jobs(2, 1000) is None and split_jobs(None, 1000) is None
    finally:
        stop.set()
        thread.join()
    assert split_jobs(2, 1000) == 2
