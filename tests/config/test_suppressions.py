"""Suppressions (accepted findings) and per-path ignores."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from helpers import final_metrics, hard_case, submission

from ftlint.sources.validate import schema


def _workspace(ws) -> Path:
    doc = final_metrics()
    doc["eval"]["mae_raw"] = float("nan")
    ws.run("run-a", metrics=doc, cases=[hard_case(1)])
    ws.jsonl(
        "artifacts/hf_jobs/eval_submissions.jsonl",
        [submission("run-a", exit_code=1, mode="fine_tuned")],
    )
    return ws.root


def test_write_then_apply_suppressions(ws, cli, tmp_path: Path) -> None:
    root = _workspace(ws)
    sup = tmp_path / "suppressions.json"
    written = cli("check", str(root), "--write-suppressions", str(sup))
    assert written.code == 0 and "recorded" in written.err
    doc = json.loads(sup.read_text())
    assert {e["rule"] for e in doc["suppressions"]} >= {"PRV005", "OPS001"}
    # with every current finding accepted, the check passes ...
    quiet = cli("check", str(root), "--suppressions", str(sup), "--format", "json")
    assert quiet.code == 0
    out = quiet.json()
    jsonschema.validate(out, schema("findings"))
    assert out["findings"] and all(f["suppressed"] for f in out["findings"])
    assert out["summary"]["suppressed"] == len(out["findings"])
    # ... and a new finding still fails it
    (root / "outputs/run-a/iter_eval_metrics.jsonl").write_text('{"step": 1, "metr')
    new = cli(
        "check", str(root), "--suppressions", str(sup), "--format", "json", "--fail-on", "warning"
    )
    assert new.code == 1
    active = [f for f in new.json()["findings"] if not f["suppressed"]]
    assert any(f["rule"] == "PRV005" and "half-written" in f["message"] for f in active)
    # the iteration file now exists, so the accepted "iter_eval_metrics_path not found" is stale
    stale = [f for f in active if f["rule"] == "FTL002"]
    assert len(stale) == 1 and "PRV004" in stale[0]["message"]


def test_stale_suppression_is_reported(ws, cli, tmp_path: Path) -> None:
    root = _workspace(ws)
    sup = tmp_path / "s.json"
    cli("check", str(root), "--write-suppressions", str(sup))
    (root / "artifacts/hf_jobs/eval_submissions.jsonl").unlink()  # the OPS001 finding is gone
    result = cli("check", str(root), "--suppressions", str(sup), "--no-color")
    assert result.code == 0
    assert "FTL002 suppression" in result.out and "OPS001" in result.out


def test_suppressions_from_config_and_bad_file(ws, cli, tmp_path: Path) -> None:
    root = _workspace(ws)
    project = tmp_path / "project"
    project.mkdir()
    cli("check", str(root), "--write-suppressions", str(project / "accepted.json"))
    (project / "rules.yaml").write_text("suppressions: accepted.json\n")
    assert cli("check", str(root), cwd_dir=project).code == 0
    (project / "accepted.json").write_text("{\n  oops\n")
    bad = cli("check", str(root), cwd_dir=project)
    assert bad.code == 2 and "accepted.json:2: invalid JSON" in bad.err


def test_per_path_ignores(ws, cli, tmp_path: Path) -> None:
    root = _workspace(ws)
    project = tmp_path / "project"
    project.mkdir()
    (project / "rules.yaml").write_text(
        "per-path-ignores:\n  'outputs/run-a/*': [PRV005]\n  'run:run-*': [OPS]\n"
    )
    result = cli("check", str(root), "--format", "json", cwd_dir=project)
    rules = {f["rule"] for f in result.json()["findings"]}
    assert "PRV005" not in rules and "OPS001" not in rules
    (project / "rules.yaml").write_text("per-path-ignores:\n  'x/*': [NOPE]\n")
    bad = cli("check", str(root), cwd_dir=project)
    assert (
        bad.code == 2 and "rules.yaml:2: per-path-ignores: 'NOPE' matches no known rule" in bad.err
    )
