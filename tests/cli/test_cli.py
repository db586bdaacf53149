"""The CLI through its real entry point: exit codes, formats, determinism, errors."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from helpers import REPO, final_metrics, hard_case, submission

from ftlint.sources.validate import schema


def _bad_workspace(ws) -> Path:
    doc = final_metrics()
    doc["eval"]["json_valid_rate"] = float("nan")
    ws.run("run-a", metrics=doc, cases=[hard_case(1)])
    ws.run("run-b", cases=[hard_case(1)])
    ws.jsonl(
        "artifacts/hf_jobs/eval_submissions.jsonl",
        [submission("run-b", exit_code=1, mode="fine_tuned")],
    )
    return ws.root


def test_exit_codes_follow_fail_on(ws, cli) -> None:
    root = _bad_workspace(ws)
    assert cli("check", str(root)).code == 1
    assert cli("check", str(root), "--fail-on", "never").code == 0
    assert cli("check", str(root), "--select", "PRV004").code == 0
    assert cli("check", str(root), "--select", "PRV004", "--fail-on", "warning").code == 1


def test_clean_workspace_exits_0(ws, cli) -> None:
    ws.run("run-a", metrics=final_metrics(weave_trace_path=None))
    ws.jsonl("outputs/run-a/hard_cases.valid.jsonl", [hard_case(1)])
    ws.jsonl(
        "outputs/run-a/iter_eval_metrics.jsonl",
        [{"step": 10, "metrics": {"json_valid_rate": 0.99}}],
    )
    result = cli("check", str(ws.root), "--select", "PRV,OPS,SEC")
    assert result.code == 0, result.out
    assert "No findings in 1 run." in result.out


def test_json_output_validates_and_is_deterministic(ws, cli) -> None:
    root = _bad_workspace(ws)
    first = cli("check", str(root), "--format", "json")
    second = cli("check", str(root), "--format", "json")
    assert first.out == second.out
    doc = first.json()
    jsonschema.validate(doc, schema("findings"))
    assert doc["summary"]["error"] >= 2
    nan = [f for f in doc["findings"] if f["rule"] == "PRV005"]
    assert nan[0]["evidence"][0] == {
        "path": "outputs/run-a/final_metrics.json",
        "pointer": "/eval/json_valid_rate",
    }
    assert all(len(f["fingerprint"]) == 16 for f in doc["findings"])


def test_plain_text_is_one_line_per_finding(ws, cli) -> None:
    root = _bad_workspace(ws)
    result = cli("check", str(root), "--no-color")
    line = (
        (root / "outputs/run-a/final_metrics.json")
        .read_text()
        .splitlines()
        .index('    "json_valid_rate": NaN,')
    )
    assert (
        f"outputs/run-a/final_metrics.json:{line + 1}: PRV005 json_valid_rate is NaN" in result.out
    )
    assert "artifacts/hf_jobs/eval_submissions.jsonl:1: OPS001 " in result.out
    assert result.out.rstrip().splitlines()[-2].startswith("Found ")
    assert "\x1b[" not in result.out


def test_colour_and_run_headers_on_a_terminal(ws, cli) -> None:
    root = _bad_workspace(ws)
    result = cli("check", str(root), env={"FORCE_COLOR": "1", "COLUMNS": "140"})
    assert "\x1b[" in result.out  # colored
    assert "\x1b[1mrun-a\x1b[0m 1 error, 1 warning\n" in result.out
    assert (
        cli("check", str(root), "--color", "never", env={"FORCE_COLOR": "1"}).out.count("\x1b[")
        == 0
    )
    assert "\x1b[" in cli("check", str(root), "--color", "always").out


def test_output_file_is_written(ws, cli, tmp_path: Path) -> None:
    root = _bad_workspace(ws)
    target = tmp_path / "out.json"
    result = cli("check", str(root), "--format", "json", "--output", str(target))
    assert result.code == 1 and result.out == ""
    assert json.loads(target.read_text())["findings"]
    assert not list(tmp_path.glob(".out.json.*"))  # no temp file left behind


def test_unknown_run_lists_known_runs(ws, cli) -> None:
    root = _bad_workspace(ws)
    result = cli("check", str(root), "--baseline", "nope")
    assert result.code == 2
    assert (
        "--baseline 'nope' is not a run of this workspace; known runs: run-a, run-b" in result.err
    )
    assert "Traceback" not in result.err


def test_usage_and_config_errors_are_exit_2(ws, cli, tmp_path: Path) -> None:
    assert cli("check", "--fail-on", "sometimes").code == 2
    assert cli("check", str(tmp_path / "missing")).code == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("select: [ALL]\nrules:\n  PRV005:\n    rate_sum_tolerance: -1\n")
    result = cli("check", str(ws.root), "--config", str(bad))
    assert result.code == 2
    assert f"{bad}:4: rules.PRV005: rate_sum_tolerance: -1 out of range" in result.err
    assert cli("check", str(ws.root), "--select", "NOPE").code == 2
    assert cli("check", str(ws.root), "--format", "xml").code == 2


def test_config_found_from_cwd_not_from_workspace(ws, cli, tmp_path: Path) -> None:
    root = _bad_workspace(ws)
    (root / "rules.yaml").write_text("plugins:\n  paths: [evil]\nignore: [PRV, OPS, SEC]\n")
    assert cli("check", str(root)).code == 1  # the workspace's own config is not used
    project = tmp_path / "project"
    project.mkdir()
    (project / "rules.yaml").write_text("ignore: [PRV, OPS, SEC]\n")
    assert cli("check", str(root), cwd_dir=project).code == 0


def test_runs_rules_explain_init(ws, cli, tmp_path: Path) -> None:
    root = _bad_workspace(ws)
    runs = cli("runs", str(root), "--format", "json").json()
    assert [r["name"] for r in runs["runs"]] == ["run-a", "run-b"]
    assert runs["runs"][1]["adapter"] == "acme/run-b"
    table = cli("runs", str(root))
    assert "run-b" in table.out and "2 runs discovered." in table.out
    rules = cli("rules", "--format", "json").json()
    assert {"PRV004", "PRV005", "OPS001", "SEC001"} <= {r["code"] for r in rules}
    explain = cli("explain", "prv005")
    assert explain.code == 0 and "## Why it matters" in explain.out
    assert cli("explain", "inconsistent-metrics").code == 0
    missing = cli("explain", "XYZ999")
    assert missing.code == 2 and "known rules:" in missing.err
    target = tmp_path / "new" / "rules.yaml"
    target.parent.mkdir()
    assert cli("init", str(target)).code == 0
    assert target.read_text() == (REPO / "rules.yaml").read_text()
    assert cli("init", str(target)).code == 2  # refuses to overwrite
    assert cli("init", str(target), "--force").code == 0


def test_secrets_are_redacted_in_every_format(ws, cli) -> None:
    token = "hf_" + "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3f"
    ws.run("run-a")
    ws.jsonl(
        "artifacts/hf_jobs/eval_submissions.jsonl",
        [
            submission(
                "run-a",
                exit_code=1,
                env={"HF_TOKEN": token},
                stderr_tail=f"ValueError: bad token {token}",
            )
        ],
    )
    for fmt in ("text", "json"):
        result = cli("check", str(ws.root), "--format", fmt)
        assert token not in result.out and token[:12] not in result.out
        assert "SEC001" in result.out
    runs = cli("runs", str(ws.root), "--format", "json")
    assert token not in runs.out


def test_control_characters_in_artifacts_are_escaped(ws, cli) -> None:
    ws.run("run-a")
    ws.jsonl(
        "artifacts/hf_jobs/eval_submissions.jsonl",
        [
            submission(
                "run-a",
                exit_code=1,
                stderr_tail="RuntimeError: \x1b[2J\x1b]0;pwned\x07 [bold]x[/bold]",
            )
        ],
    )
    for env in ({}, {"FORCE_COLOR": "1"}):
        out = cli("check", str(ws.root), env=env).out
        assert "\x1b[2J" not in out and "\x07" not in out
        assert "\\x1b[2J" in out
        assert "[bold]x[/bold]" in out  # shown literally, not interpreted as markup


def test_python_dash_m_and_version(cli) -> None:
    result = cli("--version")
    assert result.code == 0 and result.out.startswith("ftlint ")


def test_readme_example_command(cli) -> None:
    """The README's first command: lint the shipped example workspace."""
    readme = (REPO / "README.md").read_text()
    assert "ftlint check examples --baseline sft-c1-baseline" in readme
    result = cli("check", "examples", "--baseline", "sft-c1-baseline", cwd_dir=REPO)
    assert result.code == 1, result.err
    assert "sft-c2-candidate" in result.out and "Traceback" not in result.err
    assert "hf_" + "****" in result.out or "SEC001" in result.out


def test_output_to_a_device_writes_through_and_keeps_the_device(ws, cli, tmp_path: Path) -> None:
    """Atomic rename over /dev/null would replace the device with a regular file."""
    import os
    import stat

    root = _bad_workspace(ws)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    import threading

    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    result = cli("check", str(root), "--format", "json", "--output", str(fifo))
    reader.join(timeout=60)
    assert result.code == 1 and json.loads(got[0])["findings"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert cli("check", str(root), "--output", os.devnull).code == 1
    assert stat.S_ISCHR(Path(os.devnull).stat().st_mode)


def test_error_messages_escape_names_from_artifacts(ws, cli) -> None:
    ws.run("evil\n\x1b[2Jrun", submit=False)
    result = cli("check", str(ws.root), "--baseline", "nope")
    assert result.code == 2
    assert "\x1b" not in result.err and result.err.count("\n") == 1
    assert "evil\\x1b[2Jrun" in result.err or "evil \\x1b[2Jrun" in result.err
