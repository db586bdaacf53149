"""Rule groups in forked processes (`--jobs`): the result is the sequential one, byte for
byte, whatever the workspace, the command, a crashing rule or a dying process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO, bench_generator

from ftlint.engine.processes import Pairs, process_groups

BENCH = REPO / "benchmarks"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six runs with every failure mode, a bad line and a truncated last line."""
    root = tmp_path_factory.mktemp("gen") / "ws"
    mix = {"valid": 0.3, "truncated": 0.2, "prose": 0.2, "fenced": 0.1, "wrapper": 0.1,
           "empty": 0.1}  # fmt: skip
    bench_generator().generate_workspace(root, runs=6, hard_cases=120, steps=4, failure_mix=mix)
    hard = sorted(root.glob("outputs/*/hard_cases.valid.jsonl"))
    with hard[0].open("a", encoding="utf-8") as handle:
        handle.write('{"rank": "not a number"}\nnot json at all\n{"rank": 9999, "mae_raw": ')
    return root


def _both(cli, *args: str) -> tuple[str, str]:
    one = cli(*args, "--jobs", "1")
    two = cli(*args, "--jobs", "2")
    assert (one.code, one.err) == (two.code, two.err)
    return one.out, two.out


@pytest.mark.parametrize("fmt", ["json", "sarif", "text"])
def test_examples_same_output_in_one_or_two_processes(cli, fmt: str) -> None:
    one, two = _both(cli, "check", str(REPO / "examples"), "--baseline", "sft-c1-baseline",
                     "--format", fmt)  # fmt: skip
    assert one == two and "SEC001" in one and "FMT" in one


def test_generated_workspace_same_findings(cli, generated: Path) -> None:
    one, two = _both(cli, "check", str(generated), "--format", "json", "--fail-on", "never")
    assert one == two
    codes = {f["rule"] for f in json.loads(one)["findings"]}
    # rules of both processes found something, and the bad lines are reported once
    assert {"FMT001", "FMT003", "FMT008", "QLT004", "QLT006", "PRV005"} <= codes, codes
    bad_lines = [f for f in json.loads(one)["findings"] if f["rule"] == "PRV005"]
    assert len(bad_lines) == len({f["fingerprint"] for f in bad_lines})


@pytest.mark.parametrize("command", ["plan", "gate"])
def test_plan_and_gate_same_output(cli, command: str) -> None:
    args = [command, str(REPO / "examples"), "--baseline", "sft-c1-baseline",
            "--candidate", "sft-c2-candidate"]  # fmt: skip
    if command == "plan":
        args += ["--format", "markdown"]
    one, two = _both(cli, *args)
    assert one == two and one


PLUGIN = '''
import os
from ftlint.hookspecs import hookimpl
from ftlint.model import Severity
from ftlint.rule import Rule


class Counter:
    def __init__(self, rule, run, ctx):
        self.rule, self.run, self.ctx, self.rows = rule, run, ctx, 0

    def row(self, case):
        self.rows += 1
        if self.rule.crash == "row" and self.rows == 3:
            raise ValueError("boom on the third row")

    def finish(self):
        yield self.ctx.finding(self.run, f"{self.rows} rows seen", anchor="rows",
                               severity=Severity.INFO)


class Probe(Rule):
    """What it detects: a test probe.

    Why it matters: tests.

    What the planner does: nothing.
    """

    code = "TST900"
    name = "probe"
    process_group = "probe"
    crash = os.environ.get("PROBE_CRASH", "")

    def hard_case_visitor(self, run, ctx):
        return Counter(self, run, ctx)

    def check_campaign(self, campaign, ctx):
        if self.crash == "exit" and os.getpid() != int(os.environ["PROBE_MAIN_PID"]):
            os._exit(9)  # the forked process dies: its rules must run in the main one
        if self.crash == "campaign":
            raise RuntimeError("campaign boom")
        return ()


@hookimpl
def ftlint_rules():
    return [Probe]
'''


@pytest.mark.parametrize("crash", ["", "row", "campaign", "exit"])
def test_plugin_group_crashes_and_dying_processes(cli, tmp_path: Path, crash: str) -> None:
    plugdir = tmp_path / "plug"
    plugdir.mkdir()
    (plugdir / "probe_plugin.py").write_text(PLUGIN)
    ws = tmp_path / "ws"
    shutil.copytree(REPO / "examples", ws)
    env = {"PYTHONPATH": str(plugdir), "PROBE_CRASH": crash}
    args = ("check", str(ws), "--format", "json", "-p", "probe_plugin", "--fail-on", "never")
    if crash == "exit":
        # the main process's pid is not known before it starts: a wrapper tells it
        wrapper = tmp_path / "run.py"
        wrapper.write_text(
            "import os, runpy, sys\nos.environ['PROBE_MAIN_PID'] = str(os.getpid())\n"
            "sys.argv = ['ftlint', *sys.argv[1:]]\nrunpy.run_module('ftlint', run_name='__main__')\n"
        )
        outs = []
        for jobs in ("1", "2"):
            proc = subprocess.run(
                [sys.executable, str(wrapper), *args, "--jobs", jobs],
                capture_output=True, text=True, env={**os.environ, **env},
                timeout=120,
            )  # fmt: skip
            assert proc.returncode == 0, proc.stderr
            outs.append(proc.stdout)
        one, two = outs
    else:
        one = cli(*args, "--jobs", "1", env=env).out
        two = cli(*args, "--jobs", "2", env=env).out
    assert one == two
    found = json.loads(one)["findings"]
    mine = [f for f in found if f["rule"] in ("TST900", "FTL001")]
    if not crash:  # 5 runs, 4 processes: no run split; a plugin visits rows: no ranges
        four = cli(*args, "--jobs", "4", "-v", env=env)
        assert four.out == one and "ftlint: processes: rule groups in " in four.err
    if crash in ("", "exit"):
        assert any(f["rule"] == "TST900" and "rows seen" in f["message"] for f in mine)
    else:
        assert any(f["rule"] == "FTL001" and "TST900" in f["message"] for f in mine), mine


def _split(groups: list[str | None], jobs: int | None) -> tuple[Pairs, list[Pairs]] | None:
    rules = [
        (type(f"R{i}", (), {"process_group": g})(), None)  # type: ignore[misc]
        for i, g in enumerate(groups)
    ]
    return process_groups(rules, jobs, lambda: 0)  # type: ignore[arg-type]


def test_groups_never_split_and_jobs_one_is_sequential() -> None:
    groups = [None, "a", "b", "a", None, "c", "b"]
    assert _split(groups, 1) is None
    assert _split([None, None], 2) is None
    main, children = _split(groups, 2)
    assert [type(r).process_group for r, _ in main] == [None, None]
    assert len(children) == 1 and sorted(type(r).process_group for r, _ in children[0]) == [
        "a", "a", "b", "b", "c"]  # fmt: skip
    main, children = _split(groups, 3)
    for child in children:
        for group in {type(r).process_group for r, _ in child}:
            elsewhere = [c for c in children if c is not child]
            assert all(type(r).process_group != group for c in elsewhere for r, _ in c)


def test_verbose_says_when_nothing_could_be_split(cli, generated: Path) -> None:
    """Six runs cannot give two to each of four processes, and no file is big enough
    for row ranges: `-v` says so, not that anything was split."""
    four = cli("check", str(generated), "--format", "json", "--fail-on", "never", "-j", "4", "-v")
    assert (
        "ftlint: processes: one process for the runs (6: fewer than 2 for each of 4); "
        "no hard-cases files of 4 MiB or more to split in row ranges\n"
    ) in four.err


def test_auto_rule_groups_count_a_cpu_quota(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule groups fork under auto from PARALLEL_MIN_BYTES on two usable cores; a cgroup
    quota of one CPU is one usable core."""
    from ftlint.engine import cores, processes

    monkeypatch.setattr(processes.sys, "platform", "linux")
    monkeypatch.setattr(cores.os, "sched_getaffinity", lambda _: {0, 1}, raising=False)
    monkeypatch.setattr(cores, "quota_cores", lambda: None)
    rules = [(type(f"R{i}", (), {"process_group": g})(), None) for i, g in enumerate("ab")]
    size = processes.PARALLEL_MIN_BYTES
    assert process_groups(rules, None, lambda: size) is not None  # type: ignore[arg-type]
    monkeypatch.setattr(cores, "quota_cores", lambda: 1)
    assert process_groups(rules, None, lambda: size) is None  # type: ignore[arg-type]
