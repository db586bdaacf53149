"""The `jobs` benchmark (`--jobs 2` against `--jobs 1`) and the memory of `ftlint runs`.

Imported by run.py, which owns measuring (`measure`, `interleaved`, the RSS shim); this
module only builds the commands and reads the samples. Both halves are interleaved in
one run on one machine, like every other ratio of the benchmark.
"""

from __future__ import annotations

import filecmp
import sys
from pathlib import Path
from typing import Any

#: DESIGN.md / issue 19: `--jobs 2` on 2 cores is at least this much faster.
BUDGET_JOBS_SPEEDUP = 1.7
#: `ftlint runs` on the 10,000-run workspace stays under this peak RSS (MB).
BUDGET_RUNS_RSS_MB = 150.0


def bench_jobs(s: Any, run: Any) -> dict[str, Any]:
    """`ftlint check --jobs 1` against `--jobs 2` on the largest scale workspace of at
    most 1,000 runs; the two JSON reports must be byte-identical."""
    n = max((x for x in s.scale_runs if x <= 1000), default=min(s.scale_runs))
    ws = run.generate.ensure_workspace(
        s.work, f"scale-{n}", run._Log(s.log), runs=n, hard_cases=8, steps=3
    )
    outputs = {jobs: s.cwd / f"jobs-{jobs}.json" for jobs in ("1", "2")}
    commands = {
        f"--jobs {jobs}": run.with_rss(
            [*run.ftlint_cmd(ws, out), "--jobs", jobs], s.cwd / "jobs.hwm"
        )
        for jobs, out in outputs.items()
    }
    samples = run.interleaved(
        commands, s.cwd, s.scale_repeat, warmup=s.warmup, progress=lambda p: s.log(f"jobs {p}")
    )
    for out in outputs.values():
        run.check_output(out, n)
    one = run.stats([x.wall for x in samples["--jobs 1"]])
    two = run.stats([x.wall for x in samples["--jobs 2"]])
    return {
        "runs": n,
        "repeat": s.scale_repeat,
        "jobs_1_seconds": one,
        "jobs_2_seconds": two,
        "jobs_1_cpu_seconds": run.stats([x.cpu for x in samples["--jobs 1"]]),
        "jobs_2_cpu_seconds": run.stats([x.cpu for x in samples["--jobs 2"]]),
        "jobs_2_peak_rss_mb": run.peak(samples["--jobs 2"]),
        "jobs_2_forked_peak_rss_mb": max(x.forked_rss_mb or 0.0 for x in samples["--jobs 2"]),
        "speedup": one["median"] / two["median"],
        "identical": filecmp.cmp(outputs["1"], outputs["2"], shallow=False),
    }


def bench_runs_command(s: Any, run: Any) -> dict[str, Any]:
    """Peak RSS and wall time of `ftlint runs WS --format json` on the largest scale
    workspace (it loads every run, lints nothing)."""
    n = max(s.scale_runs)
    ws = run.generate.ensure_workspace(
        s.work, f"scale-{n}", run._Log(s.log), runs=n, hard_cases=8, steps=3
    )
    out = s.cwd / "runs.json"
    cmd = run.with_rss(
        [sys.executable, "-m", "ftlint", "runs", str(ws), "--format", "json", "--output", str(out)],
        s.cwd / "runs.hwm",
    )
    samples = run.interleaved(
        {"runs": cmd}, s.cwd, max(1, s.scale_repeat - 1), warmup=0, progress=None
    )["runs"]
    return {
        "runs": n,
        "seconds": run.stats([x.wall for x in samples]),
        "peak_rss_mb": run.peak(samples),
        "output_bytes": Path(out).stat().st_size if Path(out).exists() else 0,
    }


def budgets(results: dict[str, Any], make: Any) -> list[dict[str, Any]]:
    out = []
    if "jobs" in results:
        r = results["jobs"]
        out.append(
            make(
                f"jobs: --jobs 1 / --jobs 2 wall, {r['runs']:,} runs",
                ">=",
                BUDGET_JOBS_SPEEDUP,
                r["speedup"],
                "x",
            )
        )
        out.append(
            make("jobs: output identical to --jobs 1", ">=", 1, 1.0 if r["identical"] else 0.0, "")
        )
    if "runs_command" in results:
        r = results["runs_command"]
        out.append(
            make(
                f"runs: `ftlint runs` peak RSS, {r['runs']:,} runs",
                "<",
                BUDGET_RUNS_RSS_MB,
                r["peak_rss_mb"],
                "MB",
            )
        )
    return out


def render(res: dict[str, Any], row: Any, head: str) -> list[str]:
    lines: list[str] = []
    if "jobs" in res:
        r = res["jobs"]
        lines += [
            f"jobs: {r['runs']:,} runs x 8 hard cases, {r['repeat']} repetitions",
            head,
            row("ftlint check --jobs 1", r["jobs_1_seconds"]),
            row("ftlint check --jobs 2", r["jobs_2_seconds"]),
            f"  speedup (median --jobs 1 / median --jobs 2): {r['speedup']:.2f}x; CPU "
            f"{r['jobs_1_cpu_seconds']['median']:.2f} s vs "
            f"{r['jobs_2_cpu_seconds']['median']:.2f} s (all processes)",
            f"  outputs byte-identical: {'yes' if r['identical'] else 'NO'}; peak RSS "
            f"{r['jobs_2_peak_rss_mb']:.1f} MB (+ {r['jobs_2_forked_peak_rss_mb']:.1f} MB "
            "in the largest forked worker, an upper bound)",
            "",
        ]
    if "runs_command" in res:
        r = res["runs_command"]
        lines += [
            f"`ftlint runs`: {r['runs']:,} runs",
            head,
            row("ftlint runs --format json", r["seconds"]),
            f"  peak RSS: {r['peak_rss_mb']:.1f} MB",
            "",
        ]
    return lines
