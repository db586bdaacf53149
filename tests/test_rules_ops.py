"""OPS001 failed-submission, OPS002 orphan-run, OPS003 latency-budget."""

from __future__ import annotations

import json
import shutil
from typing import Any

from helpers import REPO, codes, lint, submission

SUBS = "artifacts/hf_jobs/submissions.jsonl"
BUDGETS = "rules:\n  OPS003:\n    max_p95_latency_ms: 1000\n    max_cost_per_request_usd: 0.0002\n"


def only(findings: list[Any], code: str) -> list[Any]:
    return [f for f in findings if f.rule == code]


def append(ws, rel: str, record: dict[str, Any]) -> None:
    path = ws.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")


def eval_result(ws, stem: str, p95: float, cost_per_100: float) -> None:
    metrics = {
        "json_valid_rate": 0.99,
        "p95_inference_latency_ms": p95,
        "cost_per_100_requests_usd": cost_per_100,
    }
    ws.json(f"artifacts/eval/runs/{stem}.json", {"mode": "fine_tuned", "metrics": metrics})


# -- OPS001 failed-submission (kept working next to the new rules) -----------------------


def test_ops001_failed_submission_still_reported(ws) -> None:
    ws.run("r")
    append(ws, SUBS, submission("r", exit_code=1))
    (f,) = only(lint(ws.root, select=["OPS001"]), "OPS001")
    assert "exited 1" in f.message and "401 Client Error" in f.message
    assert (f.evidence[0].path, f.evidence[0].line) == (SUBS, 2)


# -- OPS002 orphan-run -------------------------------------------------------------------


def test_ops002_submission_without_outputs(ws) -> None:
    ws.run("r")
    append(ws, SUBS, submission("ghost"))
    (f,) = only(lint(ws.root, select=["OPS002"]), "OPS002")
    assert f.run == "ghost" and f.severity.value == "warning"
    assert "(job abc123) exited 0 but the workspace has no outputs" in f.message
    assert (f.evidence[0].path, f.evidence[0].line) == (SUBS, 2)


def test_ops002_outputs_without_submission(ws) -> None:
    ws.run("r")
    ws.run("stray", submit=False)
    (f,) = only(lint(ws.root, select=["OPS002"]), "OPS002")
    assert f.run == "stray"
    assert "final metrics but no training job record" in f.message
    assert f.evidence[0].path == "outputs/stray/final_metrics.json"


def test_ops002_near_misses(ws) -> None:
    ws.run("r")
    append(ws, SUBS, submission("failed", exit_code=1))  # never started: OPS001, not an orphan
    ws.jsonl("outputs/started/iter_eval_metrics.jsonl", [{"step": 20, "metrics": {}}])
    append(ws, SUBS, submission("started"))  # a series but no final metrics: PRV006
    eval_result(ws, "20260101T000000Z_fine_tuned", 500.0, 0.01)  # eval results have no job
    found = lint(ws.root, select=["OPS002", "PRV006"])
    assert only(found, "OPS002") == []
    assert [f.run for f in only(found, "PRV006")] == ["started"]


def test_ops002_no_job_records_kept_at_all(ws) -> None:
    ws.run("a", submit=False)
    ws.run("b", submit=False)
    assert only(lint(ws.root, select=["OPS002"]), "OPS002") == []


# -- OPS003 latency-budget ---------------------------------------------------------------


def test_ops003_is_off_unless_configured(ws) -> None:
    eval_result(ws, "20260101T000000Z_fine_tuned", 5000.0, 1.0)
    assert "OPS003" not in codes(lint(ws.root))  # opt-in: not part of ALL
    assert only(lint(ws.root, select=["OPS003"]), "OPS003") == []  # no budget set


def test_ops003_over_budget(ws) -> None:
    eval_result(ws, "20260101T000000Z_fine_tuned", 1187.3, 0.0214)
    found = only(lint(ws.root, config_text=BUDGETS), "OPS003")
    by_anchor = {f.measurements.get("p95_inference_latency_ms") is not None: f for f in found}
    latency, cost = by_anchor[True], by_anchor[False]
    assert "p95 inference latency 1187.3 ms is above the 1000 ms budget (19% over)" in (
        latency.message
    )
    assert latency.evidence[0].pointer == "/metrics/p95_inference_latency_ms"
    assert "cost per request $0.000214" in cost.message
    assert cost.measurements["cost_per_request_usd"] == 0.000214
    assert cost.evidence[0].pointer == "/metrics/cost_per_100_requests_usd"


def test_ops003_within_budget(ws) -> None:
    eval_result(ws, "20260101T000000Z_fine_tuned", 942.8, 0.0187)
    assert only(lint(ws.root, config_text=BUDGETS), "OPS003") == []


# -- the shipped example workspace --------------------------------------------------------


def test_examples_ops_findings(tmp_path) -> None:
    ex = REPO / "examples"
    found = lint(ex, select=["OPS001", "OPS002", "OPS003"], baseline="sft-c1-baseline")
    assert only(found, "OPS002") == []  # every run has its job record and its outputs
    assert only(found, "OPS003") == []  # no budget configured
    (failed,) = only(found, "OPS001")
    assert failed.run == "sft-c1-baseline"
    config = "rules:\n  OPS003:\n    max_p95_latency_ms: 1000\n"
    # lint() writes rules.yaml next to the workspace: use a copy, not the repo's examples/
    shutil.copytree(ex, tmp_path / "ex")
    budget = only(lint(tmp_path / "ex", select=["OPS003"], config_text=config), "OPS003")
    assert [(f.run, f.measurements["p95_inference_latency_ms"]) for f in budget] == [
        ("20250312T140300Z_fine_tuned", 1187.3)
    ]
