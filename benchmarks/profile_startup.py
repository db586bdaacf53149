"""Where the start-up budget's time goes: a timeline of `ftlint check` on the start-up
workspace (20 runs x 80 hard cases), phase by phase and process by process.

    .venv/bin/python benchmarks/profile_startup.py                  # 15 runs, --jobs auto
    .venv/bin/python benchmarks/profile_startup.py --repeat 30 --jobs 1 --src /tmp/snap/src

Each repetition runs, interleaved, `python -c pass`, the bare json-load script, the
import floor (the same script after importing every module ftlint imports that is not
its own) and `ftlint check` through a shim that stamps the wall clock at each phase
boundary (the CLI's own functions, wrapped in place: nothing else changes). Every stamp
is milliseconds since the parent started the child; the table shows medians, min and
max. `lint` lists each process's runs: the forked worker's first run pays the imports and
first calls the driver paid before forking, and both pay for the pages they share.
`run.py` measures the budget itself; this says where a change must look.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402
import run as bench  # noqa: E402

#: Runs `ftlint` in this process, writing `pid label time` lines to the file named by
#: argv[1]; the rest of argv is ftlint's. Wraps only names the CLI calls by attribute.
SHIM = r"""
import os, sys, time
_out = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)
def stamp(label):
    os.write(_out, f"{os.getpid()} {label} {time.time():.6f}\n".encode())
stamp("interpreter")
import ftlint.cli.app as app, ftlint.cli.check as check, ftlint.cli.session as session
stamp("cli-imported")
def timed(owner, name, label):
    inner = getattr(owner, name)
    def call(*a, **k):
        stamp(label + "-start")
        try:
            return inner(*a, **k)
        finally:
            stamp(label + "-end")
    setattr(owner, name, call)
def lint(*a, **k):
    import ftlint.engine.run as er
    per_run = er.Engine._per_run
    def one(self, run, *b, **c):
        stamp("run-start")
        try:
            return per_run(self, run, *b, **c)
        finally:
            stamp("run-end")
    er.Engine._per_run = one
    return inner_lint(*a, **k)
inner_lint = app.lint
app.lint = lint
timed(app, "_setup", "setup")
timed(session, "_load", "load")
timed(app, "lint", "lint")
timed(check, "run_check", "report")
import atexit
atexit.register(stamp, "atexit")
sys.argv = ["ftlint", *sys.argv[2:]]
sys.exit(app.main())
"""

#: Imports the modules of argv[1] (a repr of two lists) one list after the other and
#: prints the milliseconds each list took: the foreign modules, then ftlint's own.
SPLIT = r"""
import ast, importlib, sys, time
lists = ast.literal_eval(sys.argv[1])
for names in lists:
    start = time.perf_counter()
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:
            pass
    print(1000 * (time.perf_counter() - start))
"""

#: (label, the stamp it ends at): the phases in order, each from the previous stamp
PHASES = (
    ("interpreter start", "interpreter"),
    ("import ftlint.cli.app", "cli-imported"),
    ("parse arguments, import the report", "setup-start"),
    ("setup (config, plugins, rules)", "setup-end"),
    ("discovery (load_campaign)", "load-end"),
    ("lint (all processes)", "lint-end"),
    ("report", "report-end"),
    ("exit", "exit"),
)


def profiled(ws: Path, cwd: Path, jobs: str) -> dict[str, object]:
    """One `ftlint check` through the shim: each stamp in ms since the spawn, and each
    process's run spans."""
    with tempfile.NamedTemporaryFile("w", suffix=".stamps", delete=False) as f:
        stamps = Path(f.name)
    output = cwd / "startup-profile.json"
    argv = ["check", str(ws), "--format", "json", "--output", str(output), "--fail-on", "never"]
    cmd = [sys.executable, "-c", SHIM, str(stamps), *argv, "--jobs", jobs]
    t0 = time.time()
    done = subprocess.run(cmd, cwd=cwd, env=bench.child_env(), capture_output=True, check=False)
    end = time.time()
    try:
        lines = stamps.read_text().split()
    finally:
        stamps.unlink()
    if done.returncode != 0:
        raise bench.BenchmarkError(f"ftlint exited {done.returncode}: {done.stderr[-2000:]!r}")
    at: dict[str, float] = {"exit": 1000 * (end - t0)}
    runs: dict[int, list[list[float]]] = defaultdict(list)
    driver = 0
    for pid, label, when in zip(lines[::3], lines[1::3], lines[2::3], strict=True):
        ms = 1000 * (float(when) - t0)
        if label == "run-start":
            runs[int(pid)].append([ms])
        elif label == "run-end":
            runs[int(pid)][-1].append(ms)
        else:
            at.setdefault(label, ms)
            if label == "interpreter":
                driver = int(pid)
    order = sorted(runs, key=lambda pid: (pid != driver, pid))  # the driver first
    return {"at": at, "runs": [runs[pid] for pid in order]}


def _ms(values: Sequence[float]) -> str:
    return f"{statistics.median(values):7.1f} {min(values):7.1f} {max(values):7.1f}"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--jobs", default="auto", help="ftlint's --jobs (default auto)")
    ap.add_argument("--src", type=Path, help="measure the ftlint package in this src/ folder")
    ap.add_argument("--work", type=Path, default=HERE / ".work")
    ap.add_argument("--runs", type=int, default=20, help="runs in the workspace (default 20)")
    ap.add_argument("--hard-cases", type=int, default=80, help="rows per run (default 80)")
    args = ap.parse_args(argv)
    if args.src is not None:
        bench.SOURCE["dir"] = args.src.resolve()
    bench.PYCACHE["prefix"] = args.work.resolve() / "pycache"
    name = f"startup-{args.runs}x{args.hard_cases}"
    ws = generate.ensure_workspace(
        args.work, name, None, runs=args.runs, hard_cases=args.hard_cases, steps=5
    )
    with tempfile.TemporaryDirectory(prefix="ftlint-startup-") as tmp:
        cwd = Path(tmp)
        check = [sys.executable, "-m", "ftlint", "check", str(ws), "--format", "json"]
        check += ["--output", str(cwd / "o.json"), "--fail-on", "never"]
        foreign, own = bench.imported_modules(check, cwd)
        floor = bench.floor_script(foreign)
        split = [sys.executable, "-c", SPLIT, repr((foreign, own))]
        references = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "bare json load": [sys.executable, "-c", bench.BARE_LOAD, str(ws)],
            "imports + bare json load": [sys.executable, "-c", floor, str(ws)],
        }
        walls: dict[str, list[float]] = defaultdict(list)
        imports: list[list[float]] = []
        profiles = []
        profiled(ws, cwd, args.jobs)  # warm-up (bytecode, page cache)
        for _ in range(args.repeat):
            for label, cmd in references.items():
                walls[label].append(1000 * bench.measure(cmd, cwd, bench.child_env()).wall)
            profiles.append(profiled(ws, cwd, args.jobs))
            done = subprocess.run(
                split, cwd=cwd, env=bench.child_env(), capture_output=True, check=True
            )
            imports.append([float(x) for x in done.stdout.split()])
    print(f"ftlint check {name} --jobs {args.jobs}: {args.repeat} runs, ms (median min max)")
    print(f"{'reference':34s} {'median':>7s} {'min':>7s} {'max':>7s}")
    for label, values in walls.items():
        print(f"  {label:32s} {_ms(values)}")
    alone = [statistics.median(x[i] for x in imports) for i in (0, 1)]
    print(
        f"  imports alone: {len(foreign)} standard-library and dependency modules "
        f"{alone[0]:.1f} ms, then ftlint's {len(own)} {alone[1]:.1f} ms"
    )
    print(f"{'phase':34s} {'median':>7s} {'min':>7s} {'max':>7s}   ends at (median)")
    before = [0.0] * len(profiles)
    for label, key in PHASES:
        ends = [p["at"][key] for p in profiles]  # type: ignore[index]
        spans = [e - b for e, b in zip(ends, before, strict=True)]
        print(f"  {label:32s} {_ms(spans)}   {statistics.median(ends):7.1f}")
        before = ends
    bare = statistics.median(walls["bare json load"])
    total = statistics.median(p["at"]["exit"] for p in profiles)  # type: ignore[index]
    print(f"  {'total':32s} {total:7.1f}   = {total / bare:.2f}x the bare json load (budget 2x)")
    print("lint, by process (driver first): runs, first run, other runs (median), span")
    for i in range(max(len(p["runs"]) for p in profiles)):  # type: ignore[arg-type]
        mine = [p["runs"][i] for p in profiles if len(p["runs"]) > i]  # type: ignore[index,arg-type]
        first = [spans[0][1] - spans[0][0] for spans in mine]
        rest = [statistics.median(e - s for s, e in spans[1:]) for spans in mine if spans[1:]]
        span = [spans[-1][1] - spans[0][0] for spans in mine]
        count = statistics.median(len(spans) for spans in mine)
        other = f"{statistics.median(rest):6.1f}" if rest else "     -"
        name = "driver" if i == 0 else f"worker {i}"
        print(
            f"  {name:9s} {count:5.0f} runs  first {statistics.median(first):6.1f}  "
            f"other {other}  span {statistics.median(span):6.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
