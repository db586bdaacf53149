"""Where a many-run lint spends CPU, collector time and memory, phase by phase.

    .venv/bin/python benchmarks/profile_scale.py                  # cached 1,000-run workspace
    .venv/bin/python benchmarks/profile_scale.py --runs 10000     # or any generated size
    .venv/bin/python benchmarks/profile_scale.py WS               # or any workspace

In one process, through the public pipeline (`ftlint.api`: setup, load_campaign, lint,
then the JSON report as `ftlint check --format json` renders it): CPU seconds, time in
the cyclic garbage collector (`gc.callbacks`), resident memory after each phase and the
peak so far (VmRSS / VmHWM), and the memory of one loaded run by field (deep size of
the first 50 runs). Run it from a directory without a rules.yaml above it.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402


class _Collector:
    """Adds up the time of every garbage collection (gc.callbacks)."""

    def __init__(self) -> None:
        self.total = 0.0
        self._started = 0.0
        gc.callbacks.append(self)

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._started


def _memory() -> tuple[float, float]:
    """(VmRSS, VmHWM) in MB; zeros where /proc is missing."""
    try:
        text = Path("/proc/self/status").read_text("ascii")
    except OSError:
        return 0.0, 0.0
    values = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    return (int(values["VmRSS"].split()[0]) / 1024, int(values["VmHWM"].split()[0]) / 1024)


def deep_size(obj: Any, seen: set[int]) -> int:
    """Bytes of `obj` and everything it holds that `seen` does not hold yet."""
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj)
    if isinstance(obj, dict):
        size += sum(deep_size(k, seen) + deep_size(v, seen) for k, v in obj.items())
    elif isinstance(obj, (list, tuple, set, frozenset)):
        size += sum(deep_size(x, seen) for x in obj)
    elif is_dataclass(obj) and not isinstance(obj, type):
        size += sum(deep_size(getattr(obj, f.name), seen) for f in fields(obj))
    elif hasattr(obj, "__dict__"):
        size += deep_size(vars(obj), seen)
    elif isinstance(obj, Mapping):  # the compact mappings of a run summary (slots)
        for cls in type(obj).__mro__:
            for name in getattr(cls, "__slots__", ()):
                size += deep_size(getattr(obj, name, None), seen)
    return size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", nargs="?", type=Path, help="default: a generated one")
    parser.add_argument("--runs", type=int, default=1000, help="size of the generated one")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--work", type=Path, default=HERE / ".work")
    args = parser.parse_args(argv)
    ws = args.workspace or generate.ensure_workspace(
        args.work, f"scale-{args.runs}", sys.stderr, runs=args.runs, hard_cases=8, steps=3
    )
    collector = _Collector()
    rows: list[tuple[str, float, float, float, float, str]] = []
    clock = [time.process_time(), collector.total]

    def phase(name: str, note: str = "") -> None:
        cpu, spent = time.process_time(), collector.total
        rss, hwm = _memory()
        rows.append((name, cpu - clock[0], spent - clock[1], rss, hwm, note))
        clock[:] = [cpu, spent]

    from ftlint import __version__, api

    session = api.setup(workspace=ws)
    phase("setup")
    # as the CLI does: each run's own files are read when it is linted, and only a
    # summary of it is kept (ftlint.assemble.lazy); the discovered campaign is dropped
    campaign = api.load_campaign(session, ws, deferred=True)
    phase("discover", f"{len(campaign.runs):,} runs")
    sizes = [("as discovered (before lint)", _sizes(campaign.runs[:50]))]
    result = api.lint(session, campaign, jobs=args.jobs)
    del campaign
    phase("load + lint", f"{len(result.findings):,} findings")
    campaign = result.campaign
    kept = [r for r in campaign.runs if r.name not in (campaign.baseline, campaign.candidate)]
    sizes.append(("as kept after lint (summary)", _sizes(kept[:50])))
    from ftlint.report import Report, render
    from ftlint.report.jsonfmt import render_json

    report = Report(
        tool_version=__version__,
        workspace=str(ws),
        campaign=campaign,
        findings=list(result.findings),
        rules=list(result.rules),
        fail_on="never",
    )
    text = render("json", report, {"json": render_json})
    phase("render (json)", f"{len(text) / 1e6:,.1f} MB of JSON")

    print(f"{ws}: --jobs {args.jobs}")
    print(f"{'phase':<16}{'CPU s':>8}{'GC s':>8}{'RSS MB':>9}{'peak MB':>9}  note")
    for name, cpu, spent, rss, hwm, note in rows:
        print(f"{name:<16}{cpu:8.2f}{spent:8.2f}{rss:9.0f}{hwm:9.0f}  {note}")
    for title, (count, totals) in sizes:
        per_run = sum(totals.values()) / max(count, 1) / 1024
        print(
            f"\none run as Python objects, {title}: {per_run:.1f} KB (first {count} runs), by field:"
        )
        for name, size in sorted(totals.items(), key=lambda kv: -kv[1])[:8]:
            print(f"  {name:<22}{size / max(count, 1) / 1024:6.1f} KB")
    return 0


def _sizes(sample: Any) -> tuple[int, dict[str, int]]:
    """Deep size by field of `sample` (a run's loader is counted with what it holds)."""
    totals: dict[str, int] = {}
    seen: set[int] = set()
    for run in sample:
        for f in fields(run):
            value = getattr(run, f.name)
            if f.name == "loader" and value is not None:
                value = [getattr(value, "args", ()), getattr(value, "keywords", {})]
            totals[f.name] = totals.get(f.name, 0) + deep_size(value, seen)
    return len(sample), totals


if __name__ == "__main__":
    sys.exit(main())
