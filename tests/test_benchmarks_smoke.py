"""The benchmark suite keeps working: the generator and `benchmarks/run.py --quick`.

No timing assertions (the budgets are measured by the benchmark, not by tests): only
that the generator is deterministic and writes what ARTIFACTS.md describes, and that
the quick benchmark runs, prints every metric line and writes the JSON it documents.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from itertools import pairwise
from pathlib import Path
from types import ModuleType

import pytest
from helpers import REPO, lint

BENCH = REPO / "benchmarks"


def _load(name: str, path: Path) -> ModuleType:
    """Import a benchmarks/ script as a module (registered first: it defines dataclasses)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    saved = list(sys.path)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = saved  # run.py puts benchmarks/ first to import its sibling
    return module


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return _load("ftlint_bench_generate", BENCH / "generate.py")


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_generator_is_deterministic_and_complete(gen: ModuleType, tmp_path: Path) -> None:
    mix = {
        "valid": 0.5,
        "truncated": 0.2,
        "prose": 0.1,
        "fenced": 0.1,
        "wrapper": 0.05,
        "empty": 0.05,
    }
    kw = {"runs": 3, "hard_cases": 20, "steps": 4, "failure_mix": mix, "wandb_summaries": True}
    summary = gen.generate_workspace(tmp_path / "a", **kw)
    gen.generate_workspace(tmp_path / "b", **kw)
    a = _tree(tmp_path / "a")
    assert a == _tree(tmp_path / "b")
    assert summary["runs"] == 3 and summary["hard_case_rows"] == 60

    runs = sorted({k.split("/")[1] for k in a if k.startswith("outputs/")})
    assert len(runs) == 3
    for run in runs:
        for name in (
            "final_metrics.json",
            "iter_eval_metrics.jsonl",
            "hard_cases.valid.jsonl",
            "weave_eval_traces.json",
        ):
            assert f"outputs/{run}/{name}" in a
    records = [json.loads(x) for x in a["artifacts/hf_jobs/submissions.jsonl"].splitlines()]
    assert [r["run_name"] for r in records] == runs
    assert all(f"--env HF_FT_RUN_NAME={r['run_name']}" in r["command"] for r in records)
    assert sum(k.endswith("files/wandb-summary.json") for k in a) == 3
    assert sum(k.endswith("files/config.yaml") for k in a) == 3

    # final_metrics is consistent with the rows: every unparsed eval row is a hard case
    run = runs[0]
    fm = json.loads(a[f"outputs/{run}/final_metrics.json"])
    rows = [json.loads(x) for x in a[f"outputs/{run}/hard_cases.valid.jsonl"].splitlines()]
    failed = sum(r["parse_error"] is not None for r in rows)
    assert fm["eval"]["json_valid_rate"] == pytest.approx(
        1 - failed / fm["valid_examples"], abs=1e-6
    )
    assert [r["rank"] for r in rows] == list(range(1, 21))
    assert all(x["mae_raw"] >= y["mae_raw"] for x, y in pairwise(rows))
    assert sum(r["generated_text"] == "" for r in rows) == 1  # 5% of 20
    assert all(r["parse_error"] is not None for r in rows if r["generated_text"] == "")


def test_generated_workspace_has_no_schema_problems(gen: ModuleType, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    gen.generate_workspace(root, runs=2, hard_cases=12, steps=3, wandb_summaries=True)
    gen.generate_workspace(tmp_path / "big", runs=1, hard_case_bytes=64 << 10)
    for ws in (root, tmp_path / "big"):
        findings = lint(ws, select=["PRV004", "PRV005"])
        assert not findings, [f.message for f in findings]


def test_streamed_file_reaches_size_with_unique_rows(gen: ModuleType, tmp_path: Path) -> None:
    work = tmp_path / "work"
    root = gen.ensure_workspace(work, "s", runs=1, hard_case_bytes=256 << 10)
    (path,) = root.glob("outputs/*/hard_cases.valid.jsonl")
    assert path.stat().st_size >= 256 << 10
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert gen.manifest_summary(work, "s")["hard_case_rows"] == len(rows)
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert len({r["request_text"] for r in rows}) == len(rows)
    assert max(len(r["generated_text"]) for r in rows) <= 600
    mtime = path.stat().st_mtime_ns
    assert gen.ensure_workspace(work, "s", runs=1, hard_case_bytes=256 << 10) == root
    assert path.stat().st_mtime_ns == mtime  # reused, not regenerated


METRIC_LINES = (
    "python -c pass",
    "ftlint check",
    "startup ratio (median ftlint / median python):",
    "bare json load of the ws",
    "bare json.loads loop",
    "ftlint throughput",
    "streaming throughput ratio (ftlint --jobs 1 / bare loop):",
    "ftlint check --jobs 2",
    "streaming peak RSS:",
    "scale growth exponent:",
    "start-up: ftlint check / bare json-load script",
    "streaming: ftlint / bare json.loads loop",
    "streaming: ftlint peak RSS",
    "scale: growth exponent",
    "scale: ms per run at",
    "scale: peak RSS at",
    "speedup (median --jobs 1 / median --jobs 2):",
    "outputs byte-identical: yes",
    "jobs: --jobs 1 / --jobs 2 wall",
    "runs: `ftlint runs` peak RSS",
)


def test_quick_benchmark_runs_and_reports_every_metric(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(BENCH / "run.py"),
            "--quick",
            "--work",
            str(tmp_path / "work"),
            "--json",
            str(out),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    for line in METRIC_LINES:
        assert line in proc.stdout, line
    budget_lines = [x for x in proc.stdout.splitlines() if x.endswith(("PASS", "FAIL"))]
    assert len(budget_lines) == 11  # every budget of issue 19, the big file's --jobs 2 too

    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["schema"] == "ftlint-benchmark/1"
    assert {"cpus", "cpu_model", "python", "date"} <= set(doc["machine"])
    assert doc["settings"]["quick"] is True
    res = doc["results"]
    assert {
        "python_pass_seconds",
        "ftlint_seconds",
        "ratio",
        "bare_load_seconds",
        "ratio_vs_bare_load",
    } <= set(res["startup"])
    assert {"min", "median", "max"} <= set(res["startup"]["ftlint_seconds"])
    # the import floor: the modules ftlint imports (json, re, pluggy, ...), never its own
    assert res["startup"]["import_floor_modules"] > 20
    assert res["startup"]["import_floor_seconds"]["median"] > 0
    stream = res["streaming"]
    assert {"file_bytes", "rows", "baseline", "ftlint", "ratio"} <= set(stream)
    assert {"mb_per_s", "peak_rss_mb", "seconds"} <= set(stream["ftlint"])
    assert stream["file_bytes"] >= 4 << 20 and stream["ftlint"]["peak_rss_mb"] > 0
    scale = res["scale"]
    assert [p["runs"] for p in scale["points"]] == doc["settings"]["scale_runs"]
    assert {"exponent", "exponent_raw", "empty_workspace_seconds"} <= set(scale)
    assert [b["name"].split(":")[0] for b in doc["budgets"]] == [
        "start-up",
        "streaming",
        "streaming",
        "jobs",  # the streamed file at --jobs 2
        "jobs",
        "scale",
        "scale",
        "scale",
        "jobs",
        "jobs",
        "runs",
    ]
    assert res["jobs"]["identical"] is True and res["streaming"]["jobs2_identical"] is True
    assert {"speedup", "jobs_1_seconds", "jobs_2_seconds"} <= set(res["jobs"])
    assert res["runs_command"]["peak_rss_mb"] > 0
    assert all({"limit", "measured", "passed"} <= set(b) for b in doc["budgets"])
    assert doc["passed"] == all(b["passed"] for b in doc["budgets"])


def test_exit_codes_missed_budget_and_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missed budget exits 0, or 1 with --check; a failed measurement exits 2."""
    run = _load_run_module()
    fake = {
        "workspace": {"runs": 20, "hard_cases_per_run": 80, "path": "x"},
        "repeat": 1,
        "python_pass_seconds": {"min": 0.01, "median": 0.01, "max": 0.01, "n": 1},
        "ftlint_seconds": {"min": 0.99, "median": 0.99, "max": 0.99, "n": 1},
        "ratio": 99.0,
        "bare_load_seconds": {"min": 0.03, "median": 0.03, "max": 0.03, "n": 1},
        "bare_load_ratio": 3.0,
        "ratio_vs_bare_load": 33.0,
    }
    monkeypatch.setattr(run, "bench_startup", lambda settings: fake)
    args = ["--only", "startup", "--work", str(tmp_path / "work")]
    assert run.main(args) == 0
    assert run.main([*args, "--check"]) == 1
    assert "33.00x  FAIL" in capsys.readouterr().out

    def crash(settings: object) -> None:
        raise run.BenchmarkError("ftlint exited 2")

    monkeypatch.setattr(run, "bench_startup", crash)
    assert run.main(args) == 2
    assert "benchmark error: ftlint exited 2" in capsys.readouterr().err


def test_growth_exponent_fit() -> None:
    run = _load_run_module()
    assert run.fit_exponent([(10, 1.0), (100, 10.0), (1000, 100.0)]) == pytest.approx(1.0)
    assert run.fit_exponent([(10, 1.0), (100, 100.0)]) == pytest.approx(2.0)
    assert run.fit_exponent([(10, 1.0)]) is None


def _load_run_module() -> ModuleType:
    return _load("ftlint_bench_run", BENCH / "run.py")


def test_scale_profile_prints_every_phase(tmp_path: Path) -> None:
    """`profile_scale.py` keeps working (phases and the per-field run size; no timings)."""
    proc = subprocess.run(
        [sys.executable, str(BENCH / "profile_scale.py"), "--runs", "3", "--work", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    for phase in ("setup", "load", "lint", "render (json)", "one run as Python objects"):
        assert phase in proc.stdout, phase
    assert "3 runs" in proc.stdout


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_startup_profile_prints_every_phase(tmp_path: Path, jobs: str) -> None:
    """`profile_startup.py` keeps working: every phase, the references, each process's
    runs (no timings asserted)."""
    cmd = [sys.executable, str(BENCH / "profile_startup.py"), "--repeat", "1", "--jobs", jobs]
    cmd += ["--runs", "3", "--hard-cases", "4", "--work", str(tmp_path)]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    for line in (
        "bare json load",
        "imports + bare json load",
        "imports alone:",
        "setup (config, plugins, rules)",
        "discovery (load_campaign)",
        "lint (all processes)",
        "report",
        "x the bare json load (budget 2x)",
        "driver ",
    ):
        assert line in proc.stdout, line
    processes = [line.split() for line in proc.stdout.splitlines()]
    processes = [w for w in processes if w[:1] == ["driver"] or w[:1] == ["worker"]]
    counts = [int(w[w.index("runs") - 1]) for w in processes]
    assert sum(counts) == 3  # every run linted once, by one process or split
    if jobs == "1":
        assert len(processes) == 1


def test_alternate_runs_each_variant_and_refuses_a_bad_one(tmp_path: Path) -> None:
    """`alternate.py` keeps working: a row per variant (no timings asserted), and a
    variant that is not NAME=SRC[:JOBS] is a usage error."""
    ws = REPO / "examples"
    cmd = [sys.executable, str(BENCH / "alternate.py"), str(ws), "--pairs", "1"]
    cmd += ["--variant", "one=:1", "--variant", f"two={REPO / 'src'}:2"]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rows = [line.split() for line in proc.stdout.splitlines()[2:]]
    assert [row[0] for row in rows] == ["one", "two"]
    assert all(len(row) == 5 for row in rows)
    bad = subprocess.run(
        [*cmd[:5], "--variant", "nameless"], cwd=tmp_path, capture_output=True, text=True
    )
    assert bad.returncode == 2 and "NAME=SRC[:JOBS]" in bad.stderr
