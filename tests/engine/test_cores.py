"""The cores `--jobs auto` counts (`ftlint.engine.cores`): affinity capped by a cgroup
CPU quota (v1 and v2 files), less the tasks runnable right now."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ftlint.engine import cores


@pytest.fixture
def cgroup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cgroup mount, and a process in its top cgroup (as in a container with
    its own cgroup namespace)."""
    root = tmp_path / "cgroup"
    root.mkdir()
    own = tmp_path / "self-cgroup"
    own.write_text("0::/\n")
    monkeypatch.setattr(cores, "CGROUP_ROOT", root)
    monkeypatch.setattr(cores, "PROC_CGROUP", own)
    return root


def _member_of(cgroup: Path, lines: str) -> None:
    (cgroup.parent / "self-cgroup").write_text(lines)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("max 100000\n", None),
        ("200000 100000\n", 2),
        ("150000 100000\n", 2),  # 1.5 CPUs' worth: two processes may still overlap
        ("50000 100000\n", 1),
        ("0 100000\n", None),
        ("garbage\n", None),
        ("abc 100000\n", None),
    ],
)
def test_a_v2_quota(cgroup: Path, text: str, expected: int | None) -> None:
    _write(cgroup / "cpu.max", text)
    assert cores.quota_cores() == expected


@pytest.mark.parametrize("folder", ["cpu", "cpu,cpuacct"])
@pytest.mark.parametrize(
    ("quota", "period", "expected"),
    [("-1", "100000", None), ("300000", "100000", 3), ("100000", "0", None), ("x", "1", None)],
)
def test_a_v1_quota(
    cgroup: Path, folder: str, quota: str, period: str, expected: int | None
) -> None:
    _write(cgroup / folder / "cpu.cfs_quota_us", quota + "\n")
    _write(cgroup / folder / "cpu.cfs_period_us", period + "\n")
    assert cores.quota_cores() == expected


def test_no_cgroup_files_no_quota(cgroup: Path) -> None:
    assert cores.quota_cores() is None
    _write(cgroup / "cpu" / "cpu.cfs_quota_us", "100000\n")  # a period missing
    assert cores.quota_cores() is None


def test_the_quota_caps_the_affinity(cgroup: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cores.os, "sched_getaffinity", lambda _: set(range(32)), raising=False)
    assert cores.usable_cores() == 32
    _write(cgroup / "cpu.max", "200000 100000\n")
    assert cores.usable_cores() == 2
    _write(cgroup / "cpu.max", "6400000 100000\n")  # a quota above the CPUs: the CPUs
    assert cores.usable_cores() == 32


@pytest.mark.parametrize(
    ("line", "others"),
    [
        ("0.95 0.80 0.70 1/312 4242\n", 0),  # only this process runs
        ("3.10 2.00 1.00 3/312 4242\n", 2),
        ("0.00 0.00 0.00 0/1 1\n", 0),
    ],
)
def test_runnable_now_besides_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str, others: int
) -> None:
    loadavg = tmp_path / "loadavg"
    loadavg.write_text(line)
    monkeypatch.setattr(cores, "LOADAVG", loadavg)
    assert cores.runnable_others() == others


def test_without_proc_the_load_average_stands_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cores, "LOADAVG", tmp_path / "absent")
    monkeypatch.setattr(cores.os, "getloadavg", lambda: (1.25, 0.0, 0.0))
    assert cores.runnable_others() == 1.25
    (tmp_path / "absent").write_text("1.0 1.0 1.0 nonsense\n")
    assert cores.runnable_others() == 1.25


def test_free_cores_on_this_machine_is_sane() -> None:
    free = cores.free_cores()
    assert (
        1 <= free <= max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    )


def test_a_busy_machine_leaves_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cores.sys, "platform", "linux")
    monkeypatch.setattr(cores.os, "sched_getaffinity", lambda _: {0, 1, 2, 3}, raising=False)
    monkeypatch.setattr(cores.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(cores, "quota_cores", lambda: None)
    for others, free in [(0.0, 4), (1.0, 3), (2.4, 2), (2.6, 1), (40.0, 1)]:
        monkeypatch.setattr(cores, "runnable_others", lambda n=others: n)
        assert cores.free_cores() == free


def test_a_quota_is_not_charged_with_the_hosts_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    """`--cpus 2` on a 64-CPU host with 10 tasks running elsewhere: 2 idle, not 1."""
    monkeypatch.setattr(cores.sys, "platform", "linux")
    monkeypatch.setattr(cores.os, "sched_getaffinity", lambda _: set(range(64)), raising=False)
    monkeypatch.setattr(cores.os, "cpu_count", lambda: 64)
    monkeypatch.setattr(cores, "quota_cores", lambda: 2)
    monkeypatch.setattr(cores, "runnable_others", lambda: 10.0)
    assert cores.free_cores() == 2
    monkeypatch.setattr(cores, "runnable_others", lambda: 63.0)  # the host is full
    assert cores.free_cores() == 1


def test_a_pinned_process_is_charged_its_share(monkeypatch: pytest.MonkeyPatch) -> None:
    """`taskset` to 2 of 64 CPUs: the host's other tasks count for 2/64 of themselves."""
    monkeypatch.setattr(cores.sys, "platform", "linux")
    monkeypatch.setattr(cores.os, "sched_getaffinity", lambda _: {0, 1}, raising=False)
    monkeypatch.setattr(cores.os, "cpu_count", lambda: 64)
    monkeypatch.setattr(cores, "quota_cores", lambda: None)
    monkeypatch.setattr(cores, "runnable_others", lambda: 6.0)
    assert cores.free_cores() == 2
    monkeypatch.setattr(cores, "runnable_others", lambda: 48.0)  # 1.5 of our 2 busy
    assert cores.free_cores() == 1
