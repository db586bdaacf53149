"""ftlint-acme's own tests: run after `pip install -e plugins/ftlint-acme`.

Each rule gets an artifact set that must trigger it and a near miss that must not,
with the message numbers, the evidence and the rules.yaml params checked. The lint runs
in-process exactly the way `ftlint check` wires it (config, plugins, knobs, engine),
and once through the real command line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
from ftlint_acme.rules import EvalTemperature, MinEvalSize

from ftlint import api
from ftlint.config.settings import Config, load_config
from ftlint.model import Finding
from ftlint.plugins import build_plugins
from ftlint.rule import validate_rule_class


def final_metrics(rows: int) -> dict[str, Any]:
    return {
        "objective": "sft_hidden_params",
        "target_keys": ["energy", "warmth"],
        "cycle_id": "c1",
        "dataset_version": "v3",
        "target_scale": 100,
        "train": {"train_loss": 0.42, "epoch": 2.0},
        "eval": {
            "json_valid_rate": 0.99,
            "parse_error_rate": 0.01,
            "mae_raw": 8.0,
            "mae_norm": 0.08,
            "mae_raw_energy": 8.0,
            "mae_raw_warmth": 8.0,
            "target_scale": 100,
        },
        "train_examples": 1200,
        "valid_examples": rows,
    }


def eval_submission(run: str, env: dict[str, str]) -> dict[str, Any]:
    pairs = {"HF_FT_RUN_NAME": run, "EVAL_TARGET_SCALE": "100", **env}
    command = (
        "hf jobs uv run --flavor a10g-small --secrets HF_TOKEN "
        + " ".join(f"--env {k}={v}" for k, v in pairs.items())
        + " scripts/eval.py"
    )
    return {
        "submitted_at": "2026-11-02T10:00:00Z",
        "run_name": run,
        "mode": "fine_tuned",
        "command": command,
        "exit_code": 0,
        "job_id": "ev1",
        "stdout_tail": "Job started with ID: ev1",
        "stderr_tail": "",
    }


def workspace(tmp_path: Path, *, rows: int = 80, env: dict[str, str] | None = None) -> Path:
    root = tmp_path / "ws"
    out = root / "outputs" / "sft-a"
    out.mkdir(parents=True)
    (out / "final_metrics.json").write_text(json.dumps(final_metrics(rows), indent=2))
    if env is not None:
        jobs = root / "artifacts" / "hf_jobs"
        jobs.mkdir(parents=True)
        record = eval_submission("sft-a", env)
        (jobs / "eval_submissions.jsonl").write_text(json.dumps(record) + "\n")
    return root


def lint(root: Path, *, config_text: str = "", select: tuple[str, ...] = ()) -> list[Finding]:
    """In-process `ftlint check`, wired like the CLI (entry points and plugin knobs)."""
    config = Config()
    if config_text:
        path = root.parent / "rules.yaml"
        path.write_text(config_text, encoding="utf-8")
        config = load_config(path)
    session = api.setup(config=config, select=select)
    result = api.lint(session, api.load_campaign(session, root), select=select)
    return [f for f in result.findings if f.rule.startswith("ACME")]


def test_the_entry_point_registers_rules_and_knob() -> None:
    (ep,) = [e for e in entry_points(group="ftlint") if e.name == "acme"]
    assert ep.value == "ftlint_acme.plugin"
    plugins = build_plugins()
    codes = {c.code for c in plugins.rule_classes()}
    assert {"ACME001", "ACME002"} <= codes
    assert plugins.knobs()["acme_temperature"] == ("EVAL_TEMPERATURE",)
    assert validate_rule_class(MinEvalSize) == [] and validate_rule_class(EvalTemperature) == []
    assert "ACME001" not in {c.code for c in build_plugins(cli_plugins=["no:acme"]).rule_classes()}


def test_sampled_eval_triggers_with_evidence_and_action(tmp_path: Path) -> None:
    root = workspace(tmp_path, env={"EVAL_TEMPERATURE": "0.7"})
    (finding,) = lint(root)
    assert finding.rule == "ACME002" and finding.severity.value == "warning"
    assert finding.message.startswith(
        "EVAL_TEMPERATURE 0.7 is above ACME's maximum eval temperature 0: outputs are sampled"
    )
    (ev,) = finding.evidence
    assert (ev.path, ev.line, ev.pointer) == (
        "artifacts/hf_jobs/eval_submissions.jsonl",
        1,
        "/command",
    )
    assert finding.measurements == {"temperature": 0.7, "max_temperature": 0.0}
    (action,) = finding.actions
    assert (action.tier, action.kind, action.knob, action.value) == (
        2,
        "decode",
        "acme_temperature",
        0.0,
    )
    assert action.text == "EVAL_TEMPERATURE: 0.7 -> 0"


def test_sampled_eval_near_misses_and_params(tmp_path: Path) -> None:
    assert lint(workspace(tmp_path / "greedy", env={"EVAL_TEMPERATURE": "0"})) == []
    assert lint(workspace(tmp_path / "unset", env={})) == []
    hot = workspace(tmp_path / "hot", env={"EVAL_TEMPERATURE": "0.7"})
    relaxed = "rules:\n  ACME002:\n    max_temperature: 1.0\n"
    assert lint(hot, config_text=relaxed) == []
    (bad,) = lint(workspace(tmp_path / "bad", env={"EVAL_TEMPERATURE": "hot"}))
    assert (
        bad.message == "EVAL_TEMPERATURE='hot' is not a number, so the eval temperature is unknown"
    )


def test_the_knob_can_be_remapped_in_rules_yaml(tmp_path: Path) -> None:
    env = {"EVAL_TEMPERATURE": "0", "EVAL_LOCAL_TEMPERATURE": "0.9"}
    root = workspace(tmp_path, env=env)
    assert lint(root) == []  # the default variable is greedy
    remapped = "knobs:\n  acme_temperature: [EVAL_LOCAL_TEMPERATURE]\n"
    (finding,) = lint(root, config_text=remapped)
    assert finding.message.startswith("EVAL_LOCAL_TEMPERATURE 0.9 is above")
    assert finding.actions[0].text == "EVAL_LOCAL_TEMPERATURE: 0.9 -> 0"


def test_min_eval_size_is_opt_in(tmp_path: Path) -> None:
    root = workspace(tmp_path, rows=80)
    assert lint(root) == []  # not selected, not configured: off
    (finding,) = lint(root, select=("ACME001",))
    assert finding.message == "eval set has 80 rows, below ACME's minimum of 200"
    (ev,) = finding.evidence
    assert (ev.path, ev.pointer) == ("outputs/sft-a/final_metrics.json", "/valid_examples")
    assert finding.measurements == {"eval_size": 80, "min_rows": 200}
    assert finding.actions[0].tier == 3 and finding.actions[0].kind == "dataset"
    configured = "rules:\n  ACME001:\n    min_rows: 100\n"
    (finding,) = lint(root, config_text=configured)  # configuring it turns it on
    assert finding.message == "eval set has 80 rows, below ACME's minimum of 100"
    assert lint(root, config_text="rules:\n  ACME001:\n    min_rows: 80\n") == []  # near miss


def test_through_the_command_line(tmp_path: Path) -> None:
    root = workspace(tmp_path, env={"EVAL_TEMPERATURE": "0.7"})
    cwd = tmp_path / "cwd"
    cwd.mkdir()

    def ftlint(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "ftlint", *args]
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)

    result = ftlint("check", str(root), "--select", "ACME", "--format", "json")
    assert result.returncode == 0, result.stderr  # warnings do not fail by default
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["ACME002"]
    failing = ftlint("check", str(root), "--select", "ACME", "--fail-on", "warning")
    assert failing.returncode == 1
    explain = ftlint("explain", "ACME002")
    assert explain.returncode == 0 and "## What the planner does" in explain.stdout


@pytest.mark.parametrize("rule", [MinEvalSize, EvalTemperature])
def test_docs_have_a_short_summary(rule: type) -> None:
    assert rule.summary().endswith(".") and len(rule.summary()) < 120
