"""`ctx.shared` per-run entries are dropped once the run's rules are done (memory stays
flat over many runs); the baseline's and the candidate's stay for the pair rules."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from helpers import bench_generator

from ftlint import api
from ftlint.engine.run import Engine
from ftlint.model import Category, Finding, Run
from ftlint.rule import Rule, RuleContext


def _generate(root: Path, runs: int) -> None:
    module = bench_generator()
    module.generate_workspace(root, runs=runs, hard_cases=5, steps=3)


class Recorder(Rule):
    """Keeps a per-run entry and a lint-wide one; records what is left at each step."""

    code = "ZZZ901"
    name = "shared-recorder"
    category = Category.OPS
    seen: ClassVar[dict[str, Any]] = {}

    def check_run(self, run: Run, ctx: RuleContext) -> Iterable[Finding]:
        left = sorted(k[1] for k in ctx.shared if isinstance(k, tuple))
        Recorder.seen.setdefault("before", []).append(left)
        ctx.shared[("recorder", run.name)] = object()
        ctx.shared["lint-wide"] = True
        return ()

    def check_pair(self, baseline: Run, candidate: Run, ctx: RuleContext) -> Iterable[Finding]:
        Recorder.seen["pair"] = {k[1] for k in ctx.shared if isinstance(k, tuple)}
        Recorder.seen["lint-wide"] = ctx.shared.get("lint-wide")
        return ()


def test_run_entries_dropped_pair_runs_kept(tmp_path: Path) -> None:
    _generate(tmp_path, 5)
    session = api.setup(workspace=tmp_path)
    campaign = api.load_campaign(
        session, tmp_path, baseline="sft-c1-r0001", candidate="sft-c1-r0003"
    )
    Recorder.seen.clear()
    Engine(campaign, [Recorder], session.config, jobs=1).run()
    pair = {"sft-c1-r0001", "sft-c1-r0003"}
    assert {campaign.baseline, campaign.candidate} == pair
    assert Recorder.seen["pair"] == pair and Recorder.seen["lint-wide"] is True
    # while run i is checked, only the pair runs' entries of earlier runs are left
    for before in Recorder.seen["before"]:
        assert set(before) <= pair
    assert Recorder.seen["before"][-1] == sorted(pair)
