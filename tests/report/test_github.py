"""`--format github`: workflow-command annotations with the Actions toolkit's escaping."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import REPO, final_metrics, submission

from ftlint.model import Campaign, Category, Evidence, Finding, Run, Severity, fingerprint
from ftlint.plugins import build_plugins
from ftlint.report import Report, render
from ftlint.report.github import annotation, escape_data, escape_property, repo_path

COMMAND = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")


def unescape_data(text: str) -> str:
    return text.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")


def unescape_property(text: str) -> str:
    return unescape_data(text.replace("%3A", ":").replace("%2C", ","))


def parse(line: str) -> tuple[str, dict[str, str], str]:
    """Parse a workflow command the way the runner does."""
    m = COMMAND.match(line)
    assert m, line
    props = {}
    for part in (m.group(2) or "").split(","):
        if part:
            key, _, value = part.partition("=")
            props[key] = unescape_property(value)
    return m.group(1), props, unescape_data(m.group(3))


def test_toolkit_escaping() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_data("a:b,c") == "a:b,c"  # data keeps ':' and ','
    assert escape_property("a:b,c%\n\r") == "a%3Ab%2Cc%25%0A%0D"
    assert escape_data("%0A") == "%250A"  # '%' first: no double decoding
    assert escape_data("\x1b[31mred\x07") == "\\x1b[31mred\\x07"
    assert escape_data("\u202eevil") == "\\u202eevil"
    assert annotation("error", "m", file="a,b.json", line=3, title="T: x") == (
        "::error file=a%2Cb.json,line=3,title=T%3A x::m"
    )
    assert annotation("notice", "only a message") == "::notice::only a message"


def _finding(rule: str, severity: Severity, message: str, *evidence: Evidence, **kw) -> Finding:
    return Finding(
        rule=rule,
        name=kw.pop("name", "some-rule"),
        severity=severity,
        category=Category.QUALITY,
        run=kw.pop("run", "run-a"),
        message=message,
        evidence=tuple(evidence),
        fingerprint=fingerprint(rule, "run-a", "", message),
        **kw,
    )


def _render(
    findings: list[Finding], workspace: str = "evals", fail_on: str = "error", quiet: bool = False
) -> str:
    report = Report(
        extra={"quiet": quiet},
        tool_version="0.1.0",
        workspace=workspace,
        campaign=Campaign(root="/nonexistent/evals", runs=(Run(name="run-a"),)),
        findings=findings,
        rules=[],
        fail_on=fail_on,
    )
    return render("github", report, build_plugins(use_entry_points=False).report_formats())


def test_hostile_strings_cannot_break_out_of_a_command() -> None:
    hostile = "bad\n::error file=x::injected\r\n%0A <script> ü 日本 \x1b[2J"
    findings = [
        _finding(
            "QLT002",
            Severity.ERROR,
            hostile,
            Evidence("outputs/run:a,b/hard_cases.valid.jsonl", line=12, sample_id="7", url="u"),
            run="run:a,b\nx",
            name="high-error-dimension",
        ),
        _finding("PRV005", Severity.WARNING, "w", Evidence("outputs/f.json", pointer="/eval/x")),
        _finding("QLT006", Severity.INFO, "i"),
        _finding("QLT007", Severity.INFO, 'cfg {"password": "hunter2secret"}', run="run-z"),
        _finding(
            "SEC001", Severity.ERROR, "suppressed", Evidence("a.jsonl", line=1), suppressed=True
        ),
    ]
    out = _render(findings)
    lines = out.splitlines()
    assert "hunter2secret" not in out and 'cfg {"password": "****"}' in out
    lines = [line for line in lines if "password" not in line]
    assert len(lines) == 4  # three annotations (suppressed: none) + the summary
    assert all(line.startswith("::") for line in lines[:3])
    assert "\x1b" not in out and "\r" not in out
    by_kind = {parse(line)[0]: parse(line) for line in lines[:3]}
    _, props, message = by_kind["error"]
    assert props == {
        "file": "evals/outputs/run:a,b/hard_cases.valid.jsonl",
        "line": "12",
        "title": "QLT002 high-error-dimension (run:a,b\nx)",
    }
    assert message.startswith("bad\n::error file=x::injected\r\n%0A <script> ü 日本 \\x1b[2J")
    assert message.endswith(
        "evidence: outputs/run:a,b/hard_cases.valid.jsonl:12 (sample 7) trace u"
    )
    _, props, message = by_kind["warning"]
    assert props["file"] == "evals/outputs/f.json" and "line" not in props
    assert message == "w\nevidence: outputs/f.json#/eval/x"
    _, props, message = by_kind["notice"]
    assert "file" not in props and message == "i"
    assert lines[3] == (
        "ftlint: 1 error(s), 1 warning(s), 2 info in 1 run(s); 1 suppressed (fail-on: error)"
    )


def test_quiet_prints_only_annotations() -> None:
    finding = _finding("PRV005", Severity.ERROR, "x", Evidence("outputs/f.json", line=2))
    assert _render([finding], quiet=True) == (
        "::error file=evals/outputs/f.json,line=2,title=PRV005 some-rule (run-a)::x\n"
    )
    assert _render([], quiet=True) == ""


def test_repo_paths(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert repo_path(".", "outputs/a.json") == "outputs/a.json"
    assert repo_path("examples/", "outputs/a.json") == "examples/outputs/a.json"
    assert repo_path("./x/../evals", "outputs/a.json") == "evals/outputs/a.json"
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    assert repo_path(str(tmp_path / "evals"), "outputs/a.json") == "evals/outputs/a.json"
    assert repo_path("/elsewhere/ws", "outputs/a.json") == "/elsewhere/ws/outputs/a.json"


def test_examples_annotations(cli) -> None:
    result = cli(
        "check",
        "examples",
        "--baseline",
        "sft-c1-baseline",
        "--candidate",
        "sft-c2-candidate",
        "--format",
        "github",
        cwd_dir=REPO,
    )
    assert result.code == 1, result.err
    findings = cli(
        "check",
        "examples",
        "--baseline",
        "sft-c1-baseline",
        "--candidate",
        "sft-c2-candidate",
        "--format",
        "json",
        cwd_dir=REPO,
    ).json()["findings"]
    lines = result.out.splitlines()
    active = [f for f in findings if not f["suppressed"]]
    assert len(lines) == len(active) + 1 and lines[-1].startswith("ftlint: ")
    parsed = [parse(line) for line in lines[:-1]]
    kinds = {"error": "error", "warning": "warning", "info": "notice"}
    assert [k for k, _, _ in parsed] == [kinds[f["severity"]] for f in active]
    for (_, props, _), f in zip(parsed, active, strict=True):
        if f["evidence"]:
            path = props["file"]
            assert path == "examples/" + f["evidence"][0]["path"]
            assert (REPO / path).is_file()
            assert props.get("line") == (
                str(f["evidence"][0]["line"]) if "line" in f["evidence"][0] else None
            )
    ops = next(p for p in parsed if p[1]["title"].startswith("OPS001"))
    assert ops[1] == {
        "file": "examples/artifacts/hf_jobs/eval_submissions.jsonl",
        "line": "2",
        "title": "OPS001 failed-submission (sft-c1-baseline)",
    }
    assert "401 Client Error" in ops[2]


def test_github_redacts_secrets(ws, cli) -> None:
    token = "hf_" + "Qw3Er5Ty7Ui9Op1As3Df5Gh7Jk9Lz1Xc3Vb"
    ws.run("run-a", metrics=final_metrics())
    ws.jsonl(
        "artifacts/hf_jobs/eval_submissions.jsonl",
        [submission("run-a", exit_code=1, env={"HF_TOKEN": token}, stderr_tail=f"bad {token}")],
    )
    result = cli("check", str(ws.root), "--format", "github")
    assert result.code == 1
    assert token not in result.out and token[:10] not in result.out
    assert any(line.startswith("::error ") and "SEC001" in line for line in result.out.splitlines())
