"""The concise text format, read the way a person and grep read it.

One `path:line: CODE message` line per finding, the candidate's findings first, errors
before warnings, identical findings of several runs folded into one line.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

from _example import EXAMPLES, PAIR

from ftlint.model import Campaign, Category, Evidence, Finding, Run, Severity
from ftlint.report import Report
from ftlint.report.fold import sections, statistics
from ftlint.report.locate import clear_cache, pointer_line
from ftlint.report.text import render_text

LINE = re.compile(r"^(?P<path>[^\s:#]+):(?P<line>\d+): (?P<code>[A-Z]+\d{3}) (?P<msg>.+)$")


def _report(example, **extra) -> Report:
    return Report("0.1.0", "examples", example.campaign, example.findings, (), extra=extra)


def test_every_finding_is_one_grep_friendly_line(example) -> None:
    text = render_text(_report(example, fold=False))
    lines = [line for line in text.splitlines() if LINE.match(line)]
    assert len(lines) == len(example.findings)
    for line in lines:
        path = LINE.match(line)["path"]
        assert (EXAMPLES / path).is_file(), line  # a real file, never cut in the middle


def test_candidate_first_then_baseline_and_errors_before_warnings(example) -> None:
    text = render_text(_report(example, fold=False))
    headers = [line.split(" ")[0] for line in text.splitlines() if line and not LINE.match(line)]
    assert headers[:2] == [PAIR[1], PAIR[0]]
    candidate = sections(example.findings, example.campaign, fold=False)[0]
    ranks = [line.finding.severity.rank for line in candidate.lines]
    assert ranks == sorted(ranks, reverse=True)
    for rank in set(ranks):
        codes = [ln.finding.rule for ln in candidate.lines if ln.finding.severity.rank == rank]
        assert codes == sorted(codes)


def test_json_pointer_evidence_gets_the_line_of_its_key(example) -> None:
    text = render_text(_report(example, fold=False))
    match = re.search(
        r"^outputs/sft-c2-candidate/final_metrics\.json:(\d+): FMT001 ", text, re.MULTILINE
    )
    assert match is not None
    lines = (EXAMPLES / "outputs/sft-c2-candidate/final_metrics.json").read_text().splitlines()
    assert '"json_valid_rate"' in lines[int(match[1]) - 1]


def test_pointer_line_follows_the_keys_in_order(tmp_path: Path) -> None:
    doc = {"train": {"mae_raw": 1}, "eval": {"x": [1, 2], "mae_raw": 2}, "a/b": {"~k": 3}}
    (tmp_path / "m.json").write_text(json.dumps(doc, indent=2))
    (tmp_path / "one.json").write_text(json.dumps(doc))
    clear_cache()
    lines = (tmp_path / "m.json").read_text().splitlines()
    at = pointer_line(tmp_path, "m.json", "/eval/mae_raw")
    assert lines[at - 1].strip() == '"mae_raw": 2'
    assert lines[pointer_line(tmp_path, "m.json", "/a~1b/~0k") - 1].strip() == '"~k": 3'
    assert lines[pointer_line(tmp_path, "m.json", "/eval/x/1") - 1].strip().startswith('"x"')
    assert pointer_line(tmp_path, "one.json", "/eval/mae_raw") == 1
    assert pointer_line(tmp_path, "m.json", None) == 1
    assert pointer_line(tmp_path, "missing.json", "/a") is None
    assert pointer_line(tmp_path, "../m.json", "/a") is None  # never outside the workspace


def _finding(run: str, severity: str = "warning", message: str = "same text") -> Finding:
    return Finding(
        "PRV002",
        "small-sample",
        Severity(severity),
        Category.PROVENANCE,
        run,
        message,
        (Evidence(f"outputs/{run}/hard_cases.valid.jsonl", 3),),
        fingerprint=run,
    )


def _sweep(n: int) -> tuple[Campaign, list[Finding]]:
    runs = tuple(Run(f"run-{i:02d}") for i in range(n))
    campaign = Campaign("/nowhere", runs, baseline="run-00", candidate="run-05")
    findings = [_finding(r.name) for r in runs] + [_finding("run-03", "error", "other")]
    return campaign, findings


def test_identical_findings_across_runs_fold_into_one_line() -> None:
    campaign, findings = _sweep(8)
    report = Report("0.1.0", "ws", campaign, findings, ())
    text = render_text(report)
    same = [line for line in text.splitlines() if "same text" in line]
    assert same == [
        "outputs/run-05/hard_cases.valid.jsonl:3: PRV002 same text "
        "[8 runs: run-05, run-00, run-01 +5 more]"
    ]
    assert "7 identical finding(s) in other runs folded; --no-fold lists each." in text
    expanded = render_text(dataclasses.replace(report, extra={"fold": False}))
    assert sum("same text" in line for line in expanded.splitlines()) == 8
    assert "folded" not in expanded


def test_summary_and_statistics() -> None:
    campaign, findings = _sweep(4)
    report = Report("0.1.0", "ws", campaign, findings, (), extra={"statistics": True})
    text = render_text(report)
    assert text.splitlines()[0] == "5  PRV002  small-sample  1 error, 4 warning  4 runs"
    assert text.splitlines()[-1] == "Found 5 findings (1 error, 4 warnings) in 4 runs."
    assert "same text" not in text
    (top, *_) = statistics(findings)
    assert (top.code, top.count, top.runs) == ("PRV002", 5, 4)


def test_colour_only_on_request_and_untrusted_text_escaped() -> None:
    campaign, _ = _sweep(1)
    evil = _finding("run-00", "error", "boom \x1b[2J\x1b]0;pwned\x07 [bold]x[/bold]")
    plain = render_text(Report("0.1.0", "ws", campaign, [evil], ()))
    assert "\x1b" not in plain and "\\x1b[2J" in plain and "[bold]x[/bold]" in plain
    coloured = render_text(Report("0.1.0", "ws", campaign, [evil], (), color=True))
    assert "\x1b[1;31mPRV002\x1b[0m" in coloured and "\x1b[2J" not in coloured


def test_quiet_prints_only_the_finding_lines() -> None:
    campaign, findings = _sweep(2)
    text = render_text(Report("0.1.0", "ws", campaign, findings, (), extra={"quiet": True}))
    assert all(LINE.match(line) for line in text.splitlines())
