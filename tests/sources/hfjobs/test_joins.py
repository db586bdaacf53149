"""The HF Jobs layout joins job records to runs on explicit keys; an ambiguous join is
reported, never merged (issue 13: one adapter id shared by several runs)."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import final_metrics, submission

from ftlint.assemble.campaign import load_campaign
from ftlint.config.settings import Config


def _write(ws: Path, runs: list[str], adapter: str, eval_record: dict) -> None:
    jobs = ws / "artifacts" / "hf_jobs"
    jobs.mkdir(parents=True)
    train = [submission(r, output_model_id=adapter) for r in runs]
    (jobs / "submissions.jsonl").write_text(
        "".join(json.dumps(t) + "\n" for t in train), encoding="utf-8"
    )
    (jobs / "eval_submissions.jsonl").write_text(json.dumps(eval_record) + "\n", "utf-8")
    for r in runs:
        out = ws / "outputs" / r
        out.mkdir(parents=True)
        (out / "final_metrics.json").write_text(json.dumps(final_metrics()), encoding="utf-8")


def _eval_job(adapter: str, **extra: object) -> dict:
    record = {
        "submitted_at": "2026-11-02T10:00:00Z",
        "command": f"hf jobs uv run --env EVAL_LOCAL_ADAPTER_MODEL_ID={adapter} scripts/eval.py",
        "exit_code": 0,
        "job_id": "ev1",
        "local_adapter_model_id": adapter,
    }
    record.update(extra)
    return record


def test_an_eval_job_whose_adapter_several_runs_produced_is_reported_not_merged(
    tmp_path: Path,
) -> None:
    _write(tmp_path, ["r1", "r2", "r3"], "acme/shared", _eval_job("acme/shared"))
    campaign = load_campaign(tmp_path, Config())
    assert all(len(r.submissions) == 1 for r in campaign.runs)  # only its own train job
    (problem,) = [p for p in campaign.problems if "acme/shared" in p.message]
    assert problem.kind == "ambiguous"
    assert "3 runs produced (r1, r2, r3)" in problem.message
    assert problem.evidence.path == "artifacts/hf_jobs/eval_submissions.jsonl"
    assert problem.evidence.line == 1
    assert [s.job_id for s in campaign.unjoined] == ["ev1"]


def test_an_eval_job_whose_adapter_one_run_produced_joins_it(tmp_path: Path) -> None:
    """Near miss: one producer is an explicit key, so the job joins that run."""
    _write(tmp_path, ["r1"], "acme/only", _eval_job("acme/only"))
    campaign = load_campaign(tmp_path, Config())
    assert [s.job_id for s in campaign.get("r1").submissions] == ["abc123", "ev1"]
    assert not campaign.unjoined
    assert not [p for p in campaign.problems if "acme/only" in p.message]
