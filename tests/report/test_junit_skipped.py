"""JUnit: a rule with nothing to check for a run is `skipped`, read back with junitparser."""

from __future__ import annotations

from typing import Any, ClassVar

from junitparser import JUnitXml

from ftlint.model import Campaign, Category, Run, Severity
from ftlint.report import Report
from ftlint.report.junit import render_junit
from ftlint.report.junit_skip import needs_of
from ftlint.rule import Rule


class CurveRule(Rule):
    """What it detects: a curve problem. Why it matters: tests. What the planner does: no."""

    code = "TST101"
    name = "curve-rule"
    category = Category.TRAINING
    default_severity = Severity.WARNING
    needs: ClassVar[tuple[str, ...]] = ("curves",)

    def check_run(self, run: Run, ctx: Any) -> None:
        return None


class PairRule(Rule):
    """What it detects: a pair problem. Why it matters: tests. What the planner does: no."""

    code = "TST102"
    name = "pair-rule"
    category = Category.QUALITY

    def check_pair(self, baseline: Run, candidate: Run, ctx: Any) -> None:
        return None


class PlainRule(Rule):
    """What it detects: anything. Why it matters: tests. What the planner does: no."""

    code = "TST103"
    name = "plain-rule"

    def check_run(self, run: Run, ctx: Any) -> None:
        return None


def _cases(campaign: Campaign) -> dict[tuple[str, str], Any]:
    report = Report("0.1.0", "ws", campaign, [], [CurveRule, PairRule, PlainRule])
    xml = JUnitXml.fromstring(render_junit(report).encode())
    return {(suite.name, case.name.split()[0]): case for suite in xml for case in suite}


def test_needs_declared_or_inferred() -> None:
    assert needs_of(CurveRule) == ("curves",)
    assert needs_of(PairRule) == ("pair",)
    assert needs_of(PlainRule) == ()


def test_rules_without_their_inputs_are_skipped_not_passed() -> None:
    campaign = Campaign("/ws", (Run("a"), Run("b")), baseline=None, candidate="b")
    cases = _cases(campaign)
    assert cases[("a", "TST101")].is_skipped  # no curves
    assert cases[("b", "TST102")].is_skipped  # no baseline to compare with
    assert cases[("b", "TST102")].result[0].message.startswith("no baseline and candidate pair")
    assert cases[("a", "TST103")].is_passed and not cases[("a", "TST103")].is_skipped
    xml = JUnitXml.fromstring(
        render_junit(Report("0.1.0", "ws", campaign, [], [CurveRule, PairRule, PlainRule])).encode()
    )
    assert xml.skipped == 3 and xml.failures == 0
