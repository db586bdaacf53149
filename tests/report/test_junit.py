"""`--format junit`: one case per evaluated (rule, run) pair, parsed back with junitparser."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from helpers import REPO, final_metrics, per_run_rule, submission
from junitparser import Error, Failure, JUnitXml, TestCase

from ftlint.model import Campaign, Category, Evidence, Finding, Run, Severity, fingerprint
from ftlint.plugins import build_plugins
from ftlint.report import Report, render
from ftlint.rule import Rule

HOSTILE = 'a "quote" <script>&amp; ]]> ü 日本 \x00\x1b[2J\x0b \ufffe \ud800 end'


PerRun = per_run_rule()


class Paired(Rule):
    """What it detects: a baseline/candidate test rule.

    Why it matters: tests.

    What the planner does: nothing.
    """

    code = "TST002"
    name = "paired"
    category = Category.QUALITY

    def check_pair(self, baseline: Run, candidate: Run, ctx: Any) -> list[Finding]:
        return []


class Campaignwide(Rule):
    """What it detects: a campaign test rule.

    Why it matters: tests.

    What the planner does: nothing.
    """

    code = "TST003"
    name = "campaign-wide"
    category = Category.OPS

    def check_campaign(self, campaign: Campaign, ctx: Any) -> list[Finding]:
        return []


def _finding(rule: str, run: str | None, severity: Severity, message: str, *ev, **kw) -> Finding:
    return Finding(
        rule=rule,
        name=kw.pop("name", "x"),
        severity=severity,
        category=Category.QUALITY,
        run=run,
        message=message,
        evidence=tuple(ev),
        fingerprint=fingerprint(rule, run, "", ascii(message)),
        **kw,
    )


FINDINGS = [
    _finding(
        "TST001",
        "run-a",
        Severity.ERROR,
        HOSTILE,
        Evidence("outputs/run-a/hard_cases.valid.jsonl", line=4, sample_id="s4", url="https://t/4"),
        Evidence("outputs/run-a/final_metrics.json", pointer="/eval/mae_raw"),
    ),
    _finding("TST001", "run-a", Severity.WARNING, "second finding of the same pair"),
    _finding("TST001", "run-b", Severity.WARNING, "below fail-on"),
    _finding("TST002", "run-b", Severity.ERROR, "accepted", suppressed=True),
    _finding(
        "FTL001",
        "run-a",
        Severity.ERROR,
        "rule TST003 (campaign-wide) crashed in check_campaign: KeyError: 'x'",
        measurements={"crashed_rule": "TST003", "where": "check_campaign"},
        name="internal-error",
    ),
    _finding("TST003", None, Severity.ERROR, "campaign-level problem"),
    _finding("FTL002", "run-c", Severity.INFO, "stale suppression", name="stale-suppression"),
]


def _render(fail_on: str = "error", findings: list[Finding] = FINDINGS) -> str:
    report = Report(
        tool_version="0.1.0",
        workspace="ws",
        campaign=Campaign(
            root="/ws",
            runs=(Run(name="run-a"), Run(name="run-b")),
            baseline="run-a",
            candidate="run-b",
        ),
        findings=findings,
        rules=[PerRun, Paired, Campaignwide],
        fail_on=fail_on,
    )
    return render("junit", report, build_plugins(use_entry_points=False).report_formats())


def cases(xml: JUnitXml) -> dict[tuple[str, str], TestCase]:
    return {(suite.name, case.name): case for suite in xml for case in suite}


def test_one_case_per_evaluated_pair_with_failures_and_errors() -> None:
    text = _render()
    ET.fromstring(text.encode("utf-8"))  # well-formed XML 1.0, encodable
    xml = JUnitXml.fromstring(text.encode("utf-8"))
    got = cases(xml)
    assert sorted(got) == [
        ("(campaign)", "TST003 campaign-wide"),
        ("run-a", "TST001 per-run"),
        ("run-a", "TST003 campaign-wide"),
        ("run-b", "TST001 per-run"),
        ("run-b", "TST002 paired"),  # pair rules are evaluated for the candidate only
        ("run-b", "TST003 campaign-wide"),
        ("run-c", "FTL002 stale-suppression"),  # observed, not planned: still reported
    ]
    assert (xml.tests, xml.failures, xml.errors) == (7, 2, 1)
    assert [s.name for s in xml] == ["run-a", "run-b", "run-c", "(campaign)"]
    assert sum(s.tests for s in xml) == 7 and sum(s.failures for s in xml) == 2

    hostile = got[("run-a", "TST001 per-run")]
    (failure,) = hostile.result
    assert isinstance(failure, Failure) and failure.type == "error"
    assert (
        failure.message
        == 'a "quote" <script>&amp; ]]> ü 日本 \\x00\\x1b[2J\\x0b \\ufffe \\ud800 end'
    )
    body = failure.text
    assert "<script>&amp; ]]> ü 日本 \\x00\\x1b[2J\\x0b \\ufffe \\ud800 end" in body
    assert "at outputs/run-a/hard_cases.valid.jsonl:4 (sample s4, trace https://t/4)" in body
    assert "at outputs/run-a/final_metrics.json#/eval/mae_raw" in body
    assert "second finding" in hostile.system_out  # warning below fail-on: listed, not failing

    assert got[("run-b", "TST001 per-run")].is_passed
    assert "below fail-on" in got[("run-b", "TST001 per-run")].system_out
    suppressed = got[("run-b", "TST002 paired")]
    assert suppressed.is_passed and "[error, suppressed]" in suppressed.system_out

    crashed = got[("run-a", "TST003 campaign-wide")]
    (error,) = crashed.result
    assert isinstance(error, Error) and "KeyError" in error.message
    assert got[("run-b", "TST003 campaign-wide")].is_passed
    (campaign_failure,) = got[("(campaign)", "TST003 campaign-wide")].result
    assert campaign_failure.message == "campaign-level problem"
    assert got[("run-c", "FTL002 stale-suppression")].is_passed


def test_fail_on_decides_what_fails() -> None:
    warn = JUnitXml.fromstring(_render("warning").encode())
    assert (warn.failures, warn.errors) == (3, 1)
    assert cases(warn)[("run-b", "TST001 per-run")].result[0].type == "warning"
    never = JUnitXml.fromstring(_render("never").encode())
    assert (never.failures, never.errors) == (0, 1)  # a crash is an error whatever --fail-on


def test_no_findings_all_pass_and_output_is_deterministic() -> None:
    text = _render(findings=[])
    assert text == _render(findings=[])
    xml = JUnitXml.fromstring(text.encode())
    assert (xml.tests, xml.failures, xml.errors) == (6, 0, 0)
    assert all(case.is_passed for suite in xml for case in suite)


def test_secrets_are_redacted_before_xml_escaping() -> None:
    leaky = _finding("TST001", "run-a", Severity.ERROR, 'cfg {"password": "hunter2secret"}')
    text = _render(findings=[leaky])
    assert "hunter2secret" not in text
    (failure,) = cases(JUnitXml.fromstring(text.encode()))[("run-a", "TST001 per-run")].result
    assert failure.message == 'cfg {"password": "****"}'


def test_examples_junit(cli, tmp_path: Path) -> None:
    out = tmp_path / "report.xml"
    args = ["check", str(REPO / "examples"), "--baseline", "sft-c1-baseline"]
    args += ["--candidate", "sft-c2-candidate"]
    result = cli(*args, "--format", "junit", "--output", str(out))
    assert result.code == 1, result.err
    findings = cli(*args, "--format", "json").json()["findings"]
    xml = JUnitXml.fromfile(str(out))
    failing = {
        (f["run"] or "(campaign)", f["rule"])
        for f in findings
        if f["severity"] == "error" and not f["suppressed"]
    }
    got = {(suite.name, case.name.split()[0]): case for suite in xml for case in suite}
    failed = {key for key, case in got.items() if not case.is_passed and not case.is_skipped}
    assert failed == failing and xml.failures == len(failing) and xml.errors == 0
    # an eval-only run has no eval rows: the row rules were not checked, so not passed
    skipped = {key for key, case in got.items() if case.is_skipped}
    assert ("20250312T131807Z_prompt_baseline", "FMT004") in skipped
    assert not skipped & failing and xml.skipped == len(skipped)
    reason = got[("20250312T131807Z_prompt_baseline", "FMT004")].result[0].message
    assert reason == "no eval rows for this run: nothing to check"
    assert ("sft-c2-candidate", "FMT004") not in skipped
    rules = {r["code"] for r in cli("rules", "--format", "json").json()}
    runs = {s.name for s in xml}
    assert {"sft-c1-baseline", "sft-c2-candidate", "sft-c2-scale10"} <= runs
    # every run-scoped rule has a case for every run, passing or not
    assert {code for (suite, code) in got if suite == "sft-c2-scale10"} <= rules
    ops = got[("sft-c1-baseline", "OPS001")]
    assert "at artifacts/hf_jobs/eval_submissions.jsonl:2" in ops.result[0].text
    prv = got[("sft-c2-scale10", "PRV005")]  # error or warning depending on the config
    listed = prv.result[0].text if prv.result else prv.system_out
    assert "half-written last line (truncated JSON)" in listed
    assert "at outputs/sft-c2-scale10/iter_eval_metrics.jsonl:6" in listed


def test_junit_redacts_secrets(ws, cli) -> None:
    token = "hf_" + "Mn8Bv6Cx4Zl2Kj0Hg8Fd6Sa4Po2Iu0Yt8Re"
    ws.run("run-a", metrics=final_metrics())
    ws.jsonl(
        "artifacts/hf_jobs/eval_submissions.jsonl",
        [submission("run-a", exit_code=1, env={"HF_TOKEN": token}, stderr_tail=f"bad {token}")],
    )
    result = cli("check", str(ws.root), "--format", "junit")
    assert result.code == 1
    assert token not in result.out and token[:10] not in result.out
    xml = JUnitXml.fromstring(result.out.encode())
    assert xml.failures >= 1
