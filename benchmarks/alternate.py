"""Two or more variants of `ftlint check`, run alternately on one workspace: wall and CPU.

    .venv/bin/python benchmarks/alternate.py WS --pairs 8 --variant A=/tmp/snapA/src \
        --variant B=/tmp/snapB/src
    .venv/bin/python benchmarks/alternate.py WS --pairs 8 --variant one=:1 --variant two=:2

A variant is `NAME=SRC[:JOBS]`: ftlint from the package in SRC (a `git archive` of
`src/`; empty for the installed one), at `--jobs JOBS` (default 1). Each round runs every
variant once, the order reversed every other round, so a machine that slows down or
speeds up midway weighs on all of them alike. It prints the median and the minimum of
the wall time and of the CPU time of each variant's processes (getrusage of the
children). On a noisy machine a 5% difference needs ~10 pairs. `run.py` measures the
budgets; this is for deciding whether a change pays.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def parse_variant(text: str) -> tuple[str, str, str]:
    name, sep, rest = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=SRC[:JOBS], got {text!r}")
    src, _, jobs = rest.partition(":")
    return name, src, jobs or "1"


def run_once(ws: Path, src: str, jobs: str, out: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one `ftlint check` of `ws`, its report written to `out`."""
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = str(Path(src).resolve())
    cmd = [sys.executable, "-m", "ftlint", "check", str(ws), "--format", "json"]
    cmd += ["--output", str(out), "--fail-on", "never", "--jobs", jobs]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("workspace", type=Path)
    ap.add_argument("--pairs", type=int, default=8, help="rounds (default 8)")
    ap.add_argument(
        "--variant", type=parse_variant, action="append", required=True, help="NAME=SRC[:JOBS]"
    )
    args = ap.parse_args(argv)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name, _, _ in args.variant}
    with tempfile.TemporaryDirectory(prefix="ftlint-alternate-") as tmp:
        for variant in args.variant:  # warm-up: bytecode and page cache
            run_once(args.workspace, variant[1], variant[2], Path(tmp) / "warm.json")
        for round_ in range(args.pairs):
            order = args.variant if round_ % 2 == 0 else args.variant[::-1]
            for name, src, jobs in order:
                samples[name].append(run_once(args.workspace, src, jobs, Path(tmp) / "o.json"))
    print(f"{args.workspace}: {args.pairs} rounds, seconds")
    print(
        f"  {'variant':<16} {'wall median':>12} {'wall min':>10} {'cpu median':>11} {'cpu min':>9}"
    )
    for name, values in samples.items():
        walls, cpus = [w for w, _ in values], [c for _, c in values]
        print(
            f"  {name:<16} {statistics.median(walls):12.3f} {min(walls):10.3f}"
            f" {statistics.median(cpus):11.3f} {min(cpus):9.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
