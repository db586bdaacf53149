"""How many processes `--jobs auto` may use: the CPUs this process may run on, and how
many of them nothing else is using right now.

`usable_cores()` is the CPU affinity (`os.sched_getaffinity`), capped by a cgroup CPU
quota (a container started with `--cpus 2` on a 32-core host may run on all 32 CPUs
but gets two CPUs' worth of time: forking 32 processes there only adds overhead). Both
cgroup versions are read where a container sees its own limits: `cpu.max` (v2) and
`cpu/cpu.cfs_quota_us` over `cpu.cfs_period_us` (v1) under `/sys/fs/cgroup`.

`free_cores()` subtracts the tasks that are runnable right now besides this one (the
fourth field of `/proc/loadavg`, `running/total`, counts this process too). A lint of
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

__all__ = ["CGROUP_ROOT", "free_cores", "quota_cores", "runnable_others", "usable_cores"]

#: where a cgroup file system is mounted (a test points it at a directory of its own)
CGROUP_ROOT = Path("/sys/fs/cgroup")
#: the kernel's scheduler counts (`running/total` is the fourth field)
LOADAVG = Path("/proc/loadavg")


def usable_cores() -> int:
    """The CPUs this process may run on, capped by its cgroup CPU quota: at least 1.
    Off Linux (no `sched_getaffinity`): 1."""
    if not hasattr(os, "sched_getaffinity"):
        return 1
    cores = len(os.sched_getaffinity(0))
    quota = quota_cores()
    return max(1, min(cores, quota) if quota is not None else cores)


def quota_cores() -> int | None:
    """The CPUs' worth of time a cgroup quota grants (rounded up), or None: no quota
    ("max" or -1), or no cgroup file to read."""
    v2 = _read(CGROUP_ROOT / "cpu.max")
    if v2 is not None:
        parts = v2.split()
        if len(parts) == 2 and parts[0] != "max":
            return _ratio(parts[0], parts[1])
        return None
    for folder in ("cpu", "cpu,cpuacct", "cpuacct,cpu"):
        quota = _read(CGROUP_ROOT / folder / "cpu.cfs_quota_us")
        if quota is not None:
            period = _read(CGROUP_ROOT / folder / "cpu.cfs_period_us")
            if period is None or quota.strip() == "-1":
                return None
            return _ratio(quota, period)
    return None


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
    """The usable CPUs (`usable_cores`) that nothing else needs now: their count less
    the other runnable tasks (`runnable_others`, rounded to the nearest), at least 1.
    Only Linux counts: elsewhere 1 (`--jobs auto` stays in one process; an explicit
    `--jobs N` still splits)."""
    if not sys.platform.startswith("linux") or not hasattr(os, "sched_getaffinity"):
        return 1
    cores = usable_cores()
    try:
        busy = runnable_others()
    except OSError:
        return 1
    return max(1, min(cores, int(cores - busy + 0.5)))


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
