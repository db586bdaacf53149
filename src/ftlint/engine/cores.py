"""How many processes `--jobs auto` may use: the CPUs this process may run on, and how
many of them nothing else is using right now.

`usable_cores()` is the CPU affinity (`os.sched_getaffinity`), capped by a cgroup CPU
quota (a container started with `--cpus 2` on a 32-core host may run on all 32 CPUs
but gets two CPUs' worth of time: forking 32 processes there only adds overhead). Both
cgroup versions are read, `cpu.max` (v2) and `cpu.cfs_quota_us` over `cpu.cfs_period_us`
(v1's `cpu` controller), in this process's own cgroup (`/proc/self/cgroup`) and each of
its parents under `/sys/fs/cgroup`: the smallest quota wins (a container with its own
cgroup namespace sees its limits at the top; a systemd slice's `CPUQuota` is a parent).

`free_cores()` subtracts the tasks that are runnable right now besides this one (the
fourth field of `/proc/loadavg`, `running/total`, counts this process too, and the
whole machine's: they are charged to this process's CPUs in proportion) from the
affinity, then caps the result by `usable_cores()`. A lint of
a few hundred milliseconds competes with what runs during those milliseconds, not with
the last minute's average: a pre-commit hook or a benchmark that runs processes one
after another keeps the 1-minute load average near 1 on an idle machine. Where
`/proc/loadavg` cannot be read, the 1-minute load average stands in for it.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

__all__ = [
    "CGROUP_ROOT",
    "LOADAVG",
    "PROC_CGROUP",
    "free_cores",
    "quota_cores",
    "runnable_others",
    "usable_cores",
]

#: where a cgroup file system is mounted (a test points it at a directory of its own)
CGROUP_ROOT = Path("/sys/fs/cgroup")
#: the kernel's scheduler counts (`running/total` is the fourth field)
LOADAVG = Path("/proc/loadavg")
#: this process's cgroups, one line per hierarchy (`0::/path` for v2)
PROC_CGROUP = Path("/proc/self/cgroup")


def usable_cores() -> int:
    """The CPUs this process may run on, capped by its cgroup CPU quota: at least 1.
    Off Linux (no `sched_getaffinity`): 1."""
    if not hasattr(os, "sched_getaffinity"):
        return 1
    cores = len(os.sched_getaffinity(0))
    quota = quota_cores()
    return max(1, min(cores, quota) if quota is not None else cores)


def quota_cores() -> int | None:
    """The CPUs' worth of time the cgroup CPU quotas of this process grant (rounded up;
    the smallest along its cgroup and their parents: a systemd slice's `CPUQuota`
    counts too), or None: no quota ("max" or -1) or no cgroup file to read."""
    v2, v1 = _own_cgroups()
    found: list[int | None] = []
    for folder in _upward(CGROUP_ROOT, v2):
        parts = (_read(folder / "cpu.max") or "").split()
        if len(parts) == 2 and parts[0] != "max":
            found.append(_ratio(parts[0], parts[1]))
    for mount in ("cpu", "cpu,cpuacct", "cpuacct,cpu"):
        for folder in _upward(CGROUP_ROOT / mount, v1):
            quota = _read(folder / "cpu.cfs_quota_us")
            period = _read(folder / "cpu.cfs_period_us")
            if quota is not None and period is not None and quota.strip() != "-1":
                found.append(_ratio(quota, period))
    quotas = [q for q in found if q is not None]
    return min(quotas) if quotas else None


def _own_cgroups() -> tuple[str, str]:
    """This process's cgroup path in the v2 hierarchy and in v1's `cpu` controller
    (`/proc/self/cgroup`; "/" inside a container with its own cgroup namespace)."""
    v2 = v1 = "/"
    text = _read(PROC_CGROUP) or ""
    for line in text.splitlines():
        number, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if number == "0" and controllers == "":
            v2 = path or "/"
        elif "cpu" in controllers.split(","):
            v1 = path or "/"
    return v2, v1


def _upward(mount: Path, path: str) -> list[Path]:
    """`mount` joined with the cgroup `path`, then each parent up to `mount` itself;
    a path that leaves the mount (`..`) is ignored: the mount alone."""
    parts = [p for p in path.split("/") if p and p != "."]
    if ".." in parts:
        parts = []
    return [mount.joinpath(*parts[:n]) for n in range(len(parts), -1, -1)]


def runnable_others() -> float:
    """The tasks runnable now besides this process (`/proc/loadavg`), or where that
    cannot be read the 1-minute load average (then including this process's own past
    minute, if it ran that long). Raises OSError when neither can be read."""
    text = _read(LOADAVG)
    if text is not None:
        fields = text.split()
        if len(fields) >= 4 and "/" in fields[3]:
            running = fields[3].split("/", 1)[0]
            if running.isdigit():
                return max(0, int(running) - 1)
    return os.getloadavg()[0]


def free_cores() -> int:
    """The usable CPUs (`usable_cores`) that nothing else needs now, at least 1: the
    CPUs this process may run on less their share of the other runnable tasks
    (`runnable_others` counts the whole machine's: a process pinned to 2 of 64 CPUs
    is charged 2/64 of them), rounded to the nearest, then capped by the usable count
    (a cgroup quota limits this process's time, not where the others run). Only Linux
    counts: elsewhere 1 (`--jobs auto` stays in one process; an explicit `--jobs N`
    still splits)."""
    if not sys.platform.startswith("linux") or not hasattr(os, "sched_getaffinity"):
        return 1
    allowed = len(os.sched_getaffinity(0))
    try:
        busy = runnable_others()
    except OSError:
        return 1
    online = max(allowed, os.cpu_count() or allowed)
    share = busy * allowed / online
    return max(1, min(usable_cores(), int(allowed - share + 0.5)))


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii", errors="replace")
    except (OSError, ValueError):
        return None


def _ratio(quota: str, period: str) -> int | None:
    try:
        q, p = int(quota), int(period)
    except ValueError:
        return None
    if q <= 0 or p <= 0:
        return None
    return max(1, math.ceil(q / p))
