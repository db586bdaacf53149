"""The engine's row pass (`ftlint.engine.stream`): visitors that name a `row_filter`
get only the rows it accepts, equal filters are called once per row, `NO_ROWS`
visitors are never fed but finish, and a visitor (or its filter) that crashes is an
FTL001 finding while the others go on."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from helpers import bench_generator

from ftlint import api
from ftlint.engine.run import Engine
from ftlint.model import Category, Finding, HardCase, Run
from ftlint.rule import NO_ROWS, Rule, RuleContext

LOG: dict[str, Any] = {}


def _workspace(root: Path) -> Any:
    module = bench_generator()
    module.generate_workspace(root, runs=1, hard_cases=12, steps=3)
    session = api.setup(workspace=root)
    return session, api.load_campaign(session, root)


class EvenRanks:
    """Accepts rows of even rank; equal to every other instance (one call per row)."""

    def __call__(self, case: HardCase) -> bool:
        LOG["filter calls"] = LOG.get("filter calls", 0) + 1
        return bool(case.rank and case.rank % 2 == 0)

    def __eq__(self, other: object) -> bool:
        return type(other) is EvenRanks

    def __hash__(self) -> int:
        return 7


class Crashing:
    def __call__(self, case: HardCase) -> bool:
        raise ValueError("filter broke")

    def __hash__(self) -> int:
        return 8


class _Visitor:
    def __init__(self, name: str, row_filter: Any = None, crash_at: int | None = None) -> None:
        self.name, self.crash_at = name, crash_at
        if row_filter is not None:
            self.row_filter = row_filter
        LOG[name] = []

    def row(self, case: HardCase) -> None:
        if self.crash_at is not None and len(LOG[self.name]) == self.crash_at:
            raise RuntimeError("row broke")
        LOG[self.name].append(case.rank)

    def finish(self) -> Iterable[Finding]:
        LOG[self.name + " finished"] = True
        return ()


def _rule(code: str, make: Any) -> type[Rule]:
    class Probe(Rule):
        name = "probe"
        category = Category.OPS
        runs_independent: ClassVar[bool | None] = True

        def hard_case_visitor(self, run: Run, ctx: RuleContext) -> Any:
            return make()

    Probe.code = code
    return Probe


RULES = [
    _rule("ZZZ801", lambda: _Visitor("all")),
    _rule("ZZZ802", lambda: _Visitor("even a", EvenRanks())),
    _rule("ZZZ803", lambda: _Visitor("even b", EvenRanks())),
    _rule("ZZZ804", lambda: _Visitor("none", NO_ROWS, crash_at=0)),
    _rule("ZZZ805", lambda: _Visitor("crash", crash_at=2)),
    _rule("ZZZ806", lambda: _Visitor("bad filter", Crashing())),
]


def test_filters_no_rows_and_crashes(tmp_path: Path) -> None:
    session, campaign = _workspace(tmp_path)
    LOG.clear()
    result = Engine(campaign, RULES, session.config, jobs=1).run()
    ranks = LOG["all"]
    assert result.rows_streamed == len(ranks) == 12
    even = [r for r in ranks if r % 2 == 0]
    assert LOG["even a"] == LOG["even b"] == even
    assert LOG["filter calls"] == len(ranks)  # one test per row for both visitors
    assert LOG["none"] == [] and LOG["none finished"]  # never fed, still finished
    assert LOG["crash"] == ranks[:2] and "crash finished" not in LOG
    assert LOG["bad filter"] == [] and "bad filter finished" not in LOG
    crashed = sorted(
        (f.measurements["crashed_rule"], f.measurements["where"])
        for f in result.findings
        if f.rule == "FTL001"
    )
    assert crashed == [("ZZZ805", "row"), ("ZZZ806", "row")]
    assert all(LOG[k + " finished"] for k in ("all", "even a", "even b"))
