"""`--format sarif`: valid against the official SARIF 2.1.0 schema, rules, locations, fingerprints."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO, assert_valid_sarif, final_metrics, submission

from ftlint.model import (
    Campaign,
    Category,
    Evidence,
    Finding,
    Run,
    Severity,
    fingerprint,
)
from ftlint.plugins import build_plugins
from ftlint.report import Report, render
from ftlint.rule import Rule

HOSTILE = 'say "hi"\nnext line\r\n<script>alert(1)</script> & ü 日本語 \u202e \x1b[2J \x00 \ud800'
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


class InfoRule(Rule):
    """What it detects: a rule whose default severity is info. Used by these tests.

    Why it matters: info maps to the SARIF level `note`.

    What the planner does: nothing.
    """

    code = "TST001"
    name = "info-rule"
    category = Category.QUALITY
    default_severity = Severity.INFO

    def check_run(self, run: Run, ctx: Any) -> list[Finding]:
        return []


def _rule_classes() -> dict[str, Any]:
    classes = {c.code: c for c in build_plugins().rule_classes()}  # like the CLI
    return {**classes, InfoRule.code: InfoRule}


def _finding(rule: str, run: str | None, message: str, *evidence: Evidence, **kw: Any) -> Finding:
    classes = _rule_classes()
    cls = classes.get(rule)
    return Finding(
        rule=rule,
        name=kw.pop("name", cls.name if cls else "internal-error"),
        severity=kw.pop("severity", cls.default_severity if cls else Severity.ERROR),
        category=kw.pop("category", cls.category if cls else Category.OPS),
        run=run,
        message=message,
        evidence=tuple(evidence),
        fingerprint=fingerprint(rule, run, evidence[0].path if evidence else "", message[:8]),
        **kw,
    )


def synthetic_report(tmp_path: Path, findings: list[Finding], **kw: Any) -> Report:
    runs = (
        Run(name="run-a", final_metrics_path="outputs/run-a/final_metrics.json"),
        Run(name="run-b"),
    )
    classes = _rule_classes()
    return Report(
        tool_version="0.1.0",
        workspace="ws",
        campaign=Campaign(
            root=str(tmp_path / "ws"), runs=runs, baseline="run-a", candidate="run-b"
        ),
        findings=findings,
        rules=[classes[c] for c in ("PRV004", "PRV005", "QLT002", "SEC001", "TST001")],
        **kw,
    )


def sarif_of(report: Report) -> dict[str, Any]:
    formats = build_plugins(use_entry_points=False).report_formats()
    return json.loads(render("sarif", report, formats))


def hostile_findings() -> list[Finding]:
    return [
        _finding(
            "PRV005",
            "run-a",
            HOSTILE,
            Evidence("outputs/run-a/final_metrics.json", pointer="/eval/a~1b"),
            Evidence(
                "outputs/run a/#odd%name ü.jsonl", line=7, sample_id="s-7", url="https://w/t/1"
            ),
            measurements={"value": float("nan"), "ratio": 0.5, "nested": {"inf": float("inf")}},
        ),
        _finding(
            "QLT002",
            "run-b",
            "hard case row",
            Evidence("outputs/run-b/hard_cases.valid.jsonl", line=3, sample_id="42"),
        ),
        _finding("SEC001", "run-b", "suppressed one", Evidence("a.jsonl", line=1), suppressed=True),
        _finding(
            "PRV004", "run-a", 'config {"password": "hunter2secret"}: no evidence for this run'
        ),
        _finding("PRV004", None, "no evidence, campaign-wide", severity=Severity.INFO),
        _finding(
            "FTL001",
            "run-a",
            "rule QLT002 (high-error-dimension) crashed in check_run: ZeroDivisionError",
            measurements={"crashed_rule": "QLT002", "where": "check_run"},
        ),
    ]


def test_examples_sarif_is_valid_and_complete(cli) -> None:
    args = ("check", str(REPO / "examples"), "--baseline", "sft-c1-baseline")
    first = cli(*args, "--candidate", "sft-c2-candidate", "--format", "sarif")
    second = cli(*args, "--candidate", "sft-c2-candidate", "--format", "sarif")
    assert first.code == 1, first.err
    assert first.out == second.out  # deterministic
    doc = json.loads(first.out)
    assert_valid_sarif(doc)
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "ftlint" and driver["version"]
    ids = [r["id"] for r in driver["rules"]]
    assert ids == sorted(ids) and {"OPS001", "PRV005", "SEC001", "QLT006"} <= set(ids)
    findings = cli(*args, "--candidate", "sft-c2-candidate", "--format", "json").json()["findings"]
    assert len(run["results"]) == len(findings)
    by_fp = {r["partialFingerprints"]["ftlint/v1"]: r for r in run["results"]}
    assert set(by_fp) == {f["fingerprint"] for f in findings}
    # URIs are relative to the repository root: the git root above examples/
    base = run["originalUriBaseIds"]["SRCROOT"]["uri"]
    assert base == REPO.resolve().as_uri() + "/"
    assert run["properties"]["pathPrefix"] == "examples"

    # the failed eval submission: error, JSONL line
    ops = next(r for r in run["results"] if r["ruleId"] == "OPS001")
    assert ops["level"] == "error"
    loc = ops["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {
        "uri": "examples/artifacts/hf_jobs/eval_submissions.jsonl",
        "uriBaseId": "SRCROOT",
    }
    assert loc["region"] == {"startLine": 2}
    assert ops["message"]["text"].startswith("sft-c1-baseline: eval submission")
    # the pasted token is redacted even inside SARIF
    assert not re.search(r"hf_[A-Za-z0-9]{20,}", first.out) and "hf_****" in first.out

    # JSON-pointer evidence: a logical location, properties and the line of the key
    pointed = [
        r["locations"][0]
        for r in run["results"]
        if "jsonPointer" in r["locations"][0].get("properties", {})
    ]
    assert pointed
    for loc in pointed:
        pointer = loc["properties"]["jsonPointer"]
        assert loc["logicalLocations"][0]["fullyQualifiedName"] == pointer
        physical = loc["physicalLocation"]
        if loc["message"]["text"].endswith("#" + pointer):  # a JSON file, not a JSONL line
            lines = (REPO / physical["artifactLocation"]["uri"]).read_text().splitlines()
            key = pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
            line = lines[physical["region"]["startLine"] - 1]
            assert f'"{key}"' in line or key.isdigit() or len(lines) == 1, (pointer, line)
    # hard-case evidence: line, sample id and Weave trace URL
    traced = [
        loc
        for r in run["results"]
        for loc in r.get("locations", []) + r.get("relatedLocations", [])
        if "traceUrl" in loc.get("properties", {})
    ]
    assert traced and all(loc["physicalLocation"]["region"]["startLine"] >= 1 for loc in traced)
    assert all(loc["properties"]["traceUrl"].startswith("https://") for loc in traced)

    # a rule descriptor carries the three docstring parts and the default level
    prv005 = driver["rules"][ids.index("PRV005")]
    assert prv005["name"] == "inconsistent-metrics"
    assert prv005["shortDescription"]["text"] == "Artifacts that cannot be trusted as written."
    assert prv005["fullDescription"]["text"].startswith("Artifacts that cannot be trusted")
    help_text = prv005["help"]["text"]
    assert "What it detects:" in help_text and "Why it matters:" in help_text
    assert "What the planner does:" in help_text
    assert prv005["defaultConfiguration"]["level"] == "error"
    classes = _rule_classes()
    for descriptor in driver["rules"]:
        default = classes[descriptor["id"]].default_severity.value
        assert descriptor["defaultConfiguration"]["level"] == LEVELS[default]


def test_hostile_unicode_suppressed_and_evidence_less_findings_validate(tmp_path: Path) -> None:
    report = synthetic_report(tmp_path, hostile_findings())
    text = render("sarif", report, build_plugins(use_entry_points=False).report_formats())
    text.encode("utf-8")  # a lone surrogate must not make the output unwritable
    assert "hunter2secret" not in text  # redacted before JSON escaping hid the quotes
    doc = json.loads(text)
    assert_valid_sarif(doc)
    (run,) = doc["runs"]
    results = run["results"]
    hostile = next(r for r in results if r["ruleId"] == "PRV005")
    assert hostile["message"]["text"].startswith('run-a: say "hi"\nnext line')
    assert "<script>" in hostile["message"]["text"]  # JSON carries it verbatim, escaped
    assert "\\ud800" in hostile["message"]["text"]
    assert hostile["properties"]["measurements"] == {
        "nested": {"inf": "inf"},
        "ratio": 0.5,
        "value": "nan",
    }
    ptr_loc, line_loc = hostile["locations"][0], hostile["relatedLocations"][0]
    assert ptr_loc["logicalLocations"][0] == {
        "name": "a/b",
        "fullyQualifiedName": "/eval/a~1b",
        "kind": "member",
    }
    assert line_loc["physicalLocation"]["artifactLocation"]["uri"] == (
        "outputs/run%20a/%23odd%25name%20%C3%BC.jsonl"
    )
    assert line_loc["physicalLocation"]["region"]["startLine"] == 7
    assert line_loc["properties"] == {"sampleId": "s-7", "traceUrl": "https://w/t/1"}
    # a result with a line leaves primaryLocationLineHash to upload-sarif; others carry ours
    assert set(hostile["partialFingerprints"]) == {"ftlint/v1", "primaryLocationLineHash"}
    qlt = next(r for r in results if r["ruleId"] == "QLT002")
    assert set(qlt["partialFingerprints"]) == {"ftlint/v1"}

    suppressed = next(r for r in results if r["ruleId"] == "SEC001")
    assert suppressed["suppressions"] == [{"kind": "external", "status": "accepted"}]
    assert all("suppressions" not in r for r in results if r is not suppressed)

    no_ev_run = next(r for r in results if r["message"]["text"].endswith("for this run"))
    (home,) = no_ev_run["locations"]
    assert home["physicalLocation"]["artifactLocation"]["uri"] == "outputs/run-a/final_metrics.json"
    assert "no exact evidence" in home["message"]["text"]
    campaign_wide = next(r for r in results if r["message"]["text"].endswith("campaign-wide"))
    assert "locations" not in campaign_wide and campaign_wide["level"] == "note"

    # FTL001 is not a selected rule but still gets a descriptor its ruleIndex points at
    rules = run["tool"]["driver"]["rules"]
    crash = next(r for r in results if r["ruleId"] == "FTL001")
    assert rules[crash["ruleIndex"]]["name"] == "internal-error"
    # every selected rule is described, with or without findings
    assert {r["id"] for r in rules} == {"FTL001", "PRV004", "PRV005", "QLT002", "SEC001", "TST001"}
    info = next(r for r in rules if r["id"] == "TST001")
    assert info["defaultConfiguration"]["level"] == "note"
    assert info["shortDescription"]["text"] == "A rule whose default severity is info."


def test_empty_report_is_valid(tmp_path: Path) -> None:
    doc = sarif_of(synthetic_report(tmp_path, []))
    assert_valid_sarif(doc)
    assert doc["runs"][0]["results"] == []
    assert len(doc["runs"][0]["tool"]["driver"]["rules"]) == 5


def test_sarif_redacts_secrets_and_exit_code_follows_fail_on(ws, cli) -> None:
    token = "hf_" + "Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Jh0Gf9Ed8Cb"
    ws.run("run-a", metrics=final_metrics())
    ws.jsonl(
        "artifacts/hf_jobs/eval_submissions.jsonl",
        [submission("run-a", exit_code=1, env={"HF_TOKEN": token}, stderr_tail=f"bad {token}")],
    )
    result = cli("check", str(ws.root), "--format", "sarif")
    assert result.code == 1
    assert token not in result.out and token[:10] not in result.out
    doc = json.loads(result.out)
    assert_valid_sarif(doc)
    assert "SEC001" in {r["ruleId"] for r in doc["runs"][0]["results"]}
    assert cli("check", str(ws.root), "--format", "sarif", "--fail-on", "never").code == 0


@pytest.mark.parametrize("fmt", ["sarif", "github", "junit"])
def test_formats_are_registered(fmt: str) -> None:
    assert fmt in build_plugins(use_entry_points=False).report_formats()
