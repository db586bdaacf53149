"""Runs loaded when linted, summaries kept afterwards (`ftlint.assemble.lazy`): the same
findings and reports as runs loaded whole up front, whatever executor maps them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from helpers import bench_generator

from ftlint import api
from ftlint.assemble.lazy import (
    CompactCurves,
    CompactMetrics,
    LazyRun,
    compact_curves,
    compact_metrics,
    full,
    summary,
)
from ftlint.engine.run import Engine, select_rules
from ftlint.engine.split import ForkExecutor, InlineExecutor, compact_findings
from ftlint.model import Action, Category, Evidence, Finding, Metric, Point, Severity
from ftlint.report.runs import render_runs
from ftlint.report.runs_verbose import render_runs_verbose


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten runs with failure modes, a bad series line and a final_metrics.json whose
    hard_cases_path names a missing file (problems found only when a run is loaded)."""
    root = tmp_path_factory.mktemp("lazy") / "ws"
    mix = {"valid": 0.4, "truncated": 0.2, "prose": 0.2, "fenced": 0.1, "empty": 0.1}
    bench_generator().generate_workspace(root, runs=10, hard_cases=20, steps=3, failure_mix=mix)
    series = sorted(root.glob("outputs/*/iter_eval_metrics.jsonl"))
    with series[2].open("a", encoding="utf-8") as handle:
        handle.write("{broken\n")
    return root


def _eager(campaign):
    """The same campaign with every run loaded up front (what discovery did before)."""
    return replace(campaign, runs=tuple(full(r) for r in campaign.runs))


def _findings(session, campaign, *, jobs: int = 1, executor=None) -> list[dict]:
    rules = select_rules(list(session.rules), session.config)
    engine = Engine(campaign, rules, session.config, jobs=jobs, sources=api.sources_of(session))
    return [f.to_dict() for f in engine.run(executor).findings]


def _reachable_paths(roots: list[object], show: bool = False) -> Any:
    """Distinct `PurePath`s reachable from `roots` through containers and instances
    (not through modules, classes or functions: their globals are not the runs')."""
    import gc
    from pathlib import PurePath
    from types import BuiltinFunctionType, FunctionType, ModuleType

    stop = (ModuleType, type, FunctionType, BuiltinFunctionType)
    seen: set[int] = set()
    found: set[int] = set()
    shown: list[str] = []
    todo = list(roots)
    while todo:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, stop):
            continue
        seen.add(id(obj))
        if isinstance(obj, PurePath):
            found.add(id(obj))
            shown.append(str(obj))
            continue
        todo.extend(gc.get_referents(obj))
    return shown if show else len(found)


def test_noted_runs_hold_no_path_per_run(workspace: Path) -> None:
    """10,000 noted runs kept a `Path` (and its list of parts) per file until linted:
    the loaders hold strings; only the workspace's own paths are shared by all."""
    session = api.setup(workspace=workspace)
    campaign = api.load_campaign(session, workspace, deferred=True)
    loaders = [run.loader for run in campaign.runs]
    assert len(loaders) == 10
    assert _reachable_paths(loaders) <= 3, _reachable_paths(loaders, show=True)
    assert full(campaign.runs[0]).metrics  # and the loader still reads the run


def test_discovery_defers_the_run_files(workspace: Path) -> None:
    session = api.setup(workspace=workspace)
    campaign = api.load_campaign(session, workspace, deferred=True)
    assert campaign.runs and all(isinstance(r, LazyRun) for r in campaign.runs)
    first = campaign.runs[0]
    assert first.final_metrics_path and first.series_path and first.hard_cases_path
    assert not first.metrics and not first.series  # not read yet
    loaded = full(first)
    assert not isinstance(loaded, LazyRun) and loaded.metrics and loaded.series
    assert full(first) == loaded  # loading again reads the same run


def test_the_api_loads_whole_runs_unless_told_otherwise(workspace: Path) -> None:
    session = api.setup(workspace=workspace)
    eager = api.load_campaign(session, workspace)
    assert not any(isinstance(r, LazyRun) for r in eager.runs)
    assert eager == _eager(api.load_campaign(session, workspace, deferred=True))


def test_lazy_runs_lint_like_runs_loaded_up_front(workspace: Path) -> None:
    session = api.setup(workspace=workspace)
    campaign = api.load_campaign(session, workspace, deferred=True)
    expected = _findings(session, _eager(campaign))
    assert {"PRV005", "FMT001"} <= {f["rule"] for f in expected}
    assert _findings(session, campaign) == expected
    for executor in (InlineExecutor(), ForkExecutor(2)):
        assert _findings(session, campaign, jobs=2, executor=executor) == expected


def test_rule_groups_in_processes_load_runs_like_one_process(tmp_path: Path) -> None:
    """Fewer runs than processes: `--jobs 2` runs rule groups (or row ranges) in forked
    processes, each loading the runs it lints; the kept campaign is this process's."""
    root = tmp_path / "ws"
    bench_generator().generate_workspace(root, runs=1, hard_cases=40, steps=3)
    session = api.setup(workspace=root)
    campaign = api.load_campaign(session, root, deferred=True)
    assert all(isinstance(r, LazyRun) for r in campaign.runs)
    expected = _findings(session, _eager(campaign))
    assert _findings(session, campaign, jobs=2) == expected
    rules = select_rules(list(session.rules), session.config)
    result = Engine(campaign, rules, session.config, jobs=2).run()
    assert not any(isinstance(r, LazyRun) for r in result.campaign.runs)


def test_the_linted_campaign_keeps_summaries_and_the_pair_whole(workspace: Path) -> None:
    session = api.setup(workspace=workspace)
    campaign = api.load_campaign(session, workspace, baseline="sft-c1-r0000", deferred=True)
    result = api.lint(session, campaign)
    assert result.campaign.candidate and result.campaign.baseline == "sft-c1-r0000"
    for run in result.campaign.runs:
        assert not isinstance(run, LazyRun)
        if run.name in (result.campaign.baseline, result.campaign.candidate):
            assert run.traces and run.final_metrics and run.env
        else:
            assert not run.traces and not run.env and run.final_metrics == {}
            assert all(not s.raw for s in run.submissions)
            assert run.metrics == full(campaign.get(run.name)).metrics
            assert run.curves == full(campaign.get(run.name)).curves


def test_runs_tables_read_each_run_once(workspace: Path) -> None:
    session = api.setup(workspace=workspace)
    campaign = api.load_campaign(session, workspace, deferred=True)
    eager = _eager(campaign)
    for fmt in ("json", "text", "csv"):
        lazy = render_runs(campaign, fmt, color=False, runs=api.loaded_runs(campaign))
        assert lazy == render_runs(eager, fmt, color=False)
    verbose = render_runs_verbose(campaign, runs=api.loaded_runs(campaign))
    assert verbose == render_runs_verbose(eager)


def test_compact_metrics_and_curves_hold_the_same_values() -> None:
    ev = Evidence("outputs/r/final_metrics.json")
    metrics = {
        k: Metric(v, replace(ev, pointer=f"/eval/{k}"))
        for k, v in (("a", 0.5), ("b", 1e-300), ("c", -0.0), ("d", 3.0))
    }
    compact = compact_metrics(metrics)
    assert isinstance(compact, CompactMetrics)
    assert compact == metrics and list(compact) == list(metrics)
    assert compact.get("a") == metrics["a"] and compact.get("zz") is None and "b" in compact
    mixed = {**metrics, "e": Metric(1.0, Evidence("other.json"))}
    assert compact_metrics(mixed) is mixed  # two files: kept as it is
    line = Evidence("outputs/r/iter_eval_metrics.jsonl", 3)
    curves = {"eval_loss": (Point(1, 0.5, line), Point(2, 0.25, replace(line, line=4)))}
    packed = compact_curves(curves)
    assert isinstance(packed, CompactCurves) and packed == curves
    assert type(packed["eval_loss"][0].step) is int
    odd = {"x": (Point(1.5, 0.5, line),)}
    assert compact_curves(odd) is odd  # a float step: kept as it is


def test_summary_drops_the_heavy_parts_only(workspace: Path) -> None:
    session = api.setup(workspace=workspace)
    run = full(api.load_campaign(session, workspace, deferred=True).runs[0])
    kept = summary(run)
    assert kept.name == run.name and kept.provenance == run.provenance
    assert kept.status == run.status and kept.sources == run.sources
    assert kept.metrics == run.metrics and kept.train_metrics == run.train_metrics
    assert bool(kept.series) == bool(run.series) and not kept.traces
    assert [s.exit_code for s in kept.submissions] == [s.exit_code for s in run.submissions]


def _finding(value: object) -> Finding:
    action = Action(tier=4, kind="env", text="raise it", knob="LR", value=value)
    return Finding("X001", "x", Severity.INFO, Category.OPS, "r", "m", actions=(action,))


def test_equal_actions_are_shared_but_never_merged_across_types() -> None:
    table: dict = {}
    a, b, c = compact_findings([_finding(1), _finding(1), _finding(1.0)], table)
    assert a.actions[0] is b.actions[0]
    assert c.actions[0] is not a.actions[0] and type(c.actions[0].value) is float
    assert [f.to_dict() for f in (a, b, c)] == [
        f.to_dict() for f in (_finding(1), _finding(1), _finding(1.0))
    ]
