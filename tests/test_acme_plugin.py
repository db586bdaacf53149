"""The example team plugin (plugins/ftlint-acme) through the real `ftlint` command line.

Skipped unless the plugin is installed (`pip install -e plugins/ftlint-acme`, which
.ci/run does): it tests the entry point a team's package uses, not a local import.
"""

from __future__ import annotations

import json
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from helpers import REPO, assert_valid_sarif, final_metrics, submission

INSTALLED = any(ep.name == "acme" for ep in entry_points(group="ftlint"))
pytestmark = pytest.mark.skipif(
    not INSTALLED,
    reason="ftlint-acme is not installed: python -m pip install -e plugins/ftlint-acme",
)


def _hot_workspace(ws, temperature: str = "0.7") -> Path:
    ws.run("run-a", metrics=final_metrics())
    ws.jsonl(
        "artifacts/hf_jobs/eval_submissions.jsonl",
        [submission("run-a", mode="fine_tuned", env={"EVAL_TEMPERATURE": temperature})],
    )
    return ws.root


def test_plugin_rules_are_listed_and_explained(cli) -> None:
    rules = {r["code"]: r for r in cli("rules", "--format", "json").json()}
    assert {"ACME001", "ACME002"} <= set(rules)
    explain = cli("explain", "sampled-eval")
    assert explain.code == 0
    assert "# ACME002 `sampled-eval`" in explain.out and "max_temperature" in explain.out
    blocked = {r["code"] for r in cli("rules", "--format", "json", "-p", "no:acme").json()}
    assert "ACME002" not in blocked


def test_sampled_eval_through_the_cli(ws, cli) -> None:
    root = _hot_workspace(ws)
    result = cli("check", str(root), "--select", "ACME", "--format", "json")
    assert result.code == 0, result.err  # a warning does not fail by default
    (finding,) = result.json()["findings"]
    assert finding["rule"] == "ACME002" and finding["run"] == "run-a"
    assert finding["message"].startswith("EVAL_TEMPERATURE 0.7 is above ACME's maximum")
    assert finding["evidence"] == [
        {"path": "artifacts/hf_jobs/eval_submissions.jsonl", "line": 1, "pointer": "/command"}
    ]
    assert finding["actions"][0]["text"] == "EVAL_TEMPERATURE: 0.7 -> 0"
    assert finding["actions"][0]["knob"] == "acme_temperature"
    assert cli("check", str(root), "--select", "ACME", "--fail-on", "warning").code == 1
    assert cli("check", str(root), "--select", "ACME", "-p", "no:acme").code == 2  # unknown code

    project = ws.root.parent / "project"
    project.mkdir()
    (project / "rules.yaml").write_text("rules:\n  ACME002:\n    severity: error\n")
    assert cli("check", str(root), "--select", "ACME", cwd_dir=project).code == 1
    (project / "rules.yaml").write_text("rules:\n  ACME002:\n    max_temperature: 1\n")
    assert cli("check", str(root), "--select", "ACME", cwd_dir=project).code == 0
    greedy = _hot_workspace(type(ws)(ws.root.parent / "greedy"), "0")
    clean = cli("check", str(greedy), "--select", "ACME", "--format", "json").json()
    assert clean["findings"] == []


def test_plugin_rules_in_every_ci_format(ws, cli) -> None:
    root = _hot_workspace(ws)
    sarif = json.loads(cli("check", str(root), "--select", "ACME", "--format", "sarif").out)
    assert_valid_sarif(sarif)
    (run,) = sarif["runs"]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert ids == ["ACME002"]  # ACME001 is opt-in: not selected by a prefix
    (result,) = run["results"]
    assert result["ruleId"] == "ACME002" and result["level"] == "warning"
    github = cli(
        "check", str(root), "--select", "ACME", "--format", "github", env={"GITHUB_WORKSPACE": ""}
    ).out
    assert github.splitlines()[0] == (
        f"::warning file={root.as_posix()}/artifacts/hf_jobs/eval_submissions.jsonl,line=1,"
        "title=ACME002 sampled-eval (run-a)::EVAL_TEMPERATURE 0.7 is above ACME's maximum eval "
        "temperature 0: outputs are sampled, so metrics vary between evals of the same adapter"
    )
    junit = cli("check", str(root), "--select", "ACME", "--format", "junit").out
    assert 'name="ACME002 sampled-eval"' in junit


def test_min_eval_size_on_the_examples(cli) -> None:
    """ACME001 is opt-in; selected, it flags every example run measured on 80 rows."""
    result = cli("check", str(REPO / "examples"), "--select", "ACME001", "--format", "json")
    assert result.code == 0, result.err
    findings = result.json()["findings"]
    assert findings and all(f["rule"] == "ACME001" for f in findings)
    assert {f["message"] for f in findings} == {"eval set has 80 rows, below ACME's minimum of 200"}
    by_run = {f["run"]: f for f in findings}
    assert {"sft-c1-baseline", "sft-c2-candidate"} <= set(by_run)
    assert by_run["sft-c1-baseline"]["evidence"] == [
        {"path": "outputs/sft-c1-baseline/final_metrics.json", "pointer": "/valid_examples"}
    ]
    default = cli("check", str(REPO / "examples"), "--format", "json").json()
    assert not any(f["rule"].startswith("ACME") for f in default["findings"])
