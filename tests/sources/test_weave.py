"""Weave exports (JSON, JSONL, CSV) and PRV007 weave-denominator.

The exports follow Weave's call schema: an `Evaluation.evaluate` root (its output is
the reported summary), `Evaluation.predict_and_score` children with
`output = {"output", "scores", "model_latency"}` (older: `model_output`), nested model and
scorer calls below them, failed rows with `output: null` and an exception.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from helpers import REPO, codes, final_metrics, hard_case, lint

from ftlint.assemble.campaign import load_campaign
from ftlint.config.settings import Config
from ftlint.sources.hardcases import stream_hard_cases
from ftlint.sources.io import Workspace
from ftlint.sources.weave_export import load_weave_export

PROJECT = "weave:///acme/ft-evals/op"


def _call(op: str, call_id: str, parent: str | None, **fields: Any) -> dict[str, Any]:
    call = {
        "id": call_id,
        "project_id": "acme/ft-evals",
        "op_name": f"{PROJECT}/{op}:d1g3st",
        "display_name": None,
        "trace_id": "trace-eval",
        "parent_id": parent,
        "started_at": "2026-11-02T09:00:00Z",
        "ended_at": "2026-11-02T09:00:01Z",
        "inputs": {},
        "output": None,
        "exception": None,
        "summary": {"weave": {"status": "success", "latency_ms": 700}},
        "attributes": {"weave": {"client_version": "0.52.0"}},
    }
    call.update(fields)
    return call


def evaluation(
    *,
    rows: int = 80,
    valid: int = 70,
    crashed: int = 5,
    old_key_failures: int = 3,
    root_id: str = "eval-c2",
    name: str = "eval-sft-c2",
    run_name: str | None = "sft-c2",
    summary: dict[str, Any] | None = None,
    url: str | None = None,
) -> list[dict[str, Any]]:
    """An evaluation's calls: nested under a cycle op, with failed rows and scorer calls.

    The reported summary is what Weave computes: None scores dropped from each denominator.
    """
    calls = [_call("run_cycle", f"{root_id}-cycle", None, trace_id=f"trace-{root_id}")]
    failed = crashed + old_key_failures
    scored = rows - failed
    errors: list[float] = []
    children = []
    for i in range(rows):
        row_id = f"{root_id}-row-{i:03d}"
        example = {"rank": i + 1, "request_text": f"calm piano {i}"}
        fields: dict[str, Any] = {
            "trace_id": f"trace-{root_id}",
            "inputs": {"self": f"{PROJECT}/Evaluation:x", "example": example},
            "summary": {"weave": {"status": "success", "latency_ms": 400 + i}},
        }
        if i < crashed:
            fields["output"] = None
            fields["exception"] = "ValueError: model output is not JSON"
            fields["summary"] = {"weave": {"status": "error", "latency_ms": 900}}
        elif i < failed:
            fields["output"] = {"model_output": None, "scores": {}, "model_latency": 0.9}
        else:
            ok = (i - failed) < valid
            mae = 6.0 + (i % 7)
            errors.append(mae)
            fields["output"] = {
                "output": {"energy": 50},
                "scores": {"json_valid": {"valid": ok}, "mae_scorer": {"mae": mae}},
                "model_latency": 0.4,
            }
        if url is not None and i == 0:
            fields["ui_url"] = url
        children.append(_call("Evaluation.predict_and_score", row_id, root_id, **fields))
        children.append(_call("Model.predict", f"{row_id}-p", row_id, trace_id=f"trace-{root_id}"))
        children.append(
            _call(
                "json_valid.score", f"{row_id}-s", row_id, trace_id=f"trace-{root_id}", output=True
            )
        )
    valid_scored = min(valid, scored)
    reported = summary or {
        "json_valid": {
            "valid": {"true_count": valid_scored, "true_fraction": valid_scored / scored}
        },
        "mae_scorer": {"mae": {"mean": sum(errors) / len(errors)}},
        "model_latency": {"mean": 0.45},
    }
    attributes = {"run_name": run_name} if run_name else {}
    root = _call(
        "Evaluation.evaluate",
        root_id,
        f"{root_id}-cycle",
        trace_id=f"trace-{root_id}",
        display_name=name,
        output=reported,
        attributes=attributes,
    )
    summarize = _call("Evaluation.summarize", f"{root_id}-sum", root_id, output=reported)
    return [*calls, root, *children, summarize]


def _workspace(ws, calls: list[dict[str, Any]], *, name: str = "weave/evals.json") -> Path:
    ws.run("sft-c2", metrics=final_metrics(json_valid_rate=0.9))
    ws.json(name, calls)
    return ws.root


def _prv007(root: Path, config_text: str | None = None):
    return [f for f in lint(root, select=["PRV007"], config_text=config_text) if f.rule == "PRV007"]


def test_failed_rows_missing_from_the_summary_are_flagged(ws) -> None:
    calls = evaluation()
    root = _workspace(ws, calls)
    (finding,) = _prv007(root)
    assert finding.run == "sft-c2"
    assert finding.message == (
        "Weave evaluation 'eval-sft-c2': 8 of 80 rows failed (output null or exception) and "
        "are missing from the summary: json_valid.valid true_fraction reported 0.9722 "
        "(70 of 72 scored), recount 0.875 (70/80); 1 more scorer value(s) disagree"
    )
    root_index = next(i for i, c in enumerate(calls) if c["id"] == "eval-c2")
    first = finding.evidence[0]
    assert (first.path, first.pointer) == ("weave/evals.json", f"/{root_index}")
    assert first.url == "https://wandb.ai/acme/ft-evals/r/call/eval-c2"
    failed = finding.evidence[1:]
    assert len(failed) == 5  # capped
    assert failed[0].url == "https://wandb.ai/acme/ft-evals/r/call/eval-c2-row-000"
    m = finding.measurements
    assert (m["rows"], m["failed_rows"], m["scored"], m["total"]) == (80, 8, 72, 80)
    assert m["reported"] == 70 / 72 and m["recount"] == 0.875
    assert m["disagreements"][1]["metric"] == "mae_scorer.mae"
    assert m["disagreements"][1]["unscored_share"] == 0.1
    assert m["exceptions"] == ["ValueError: model output is not JSON"]
    assert finding.actions[0].tier == 1 and "0.875 over all 80 rows" in finding.actions[0].text


def test_near_miss_consistent_summary_without_failures(ws) -> None:
    root = _workspace(ws, evaluation(crashed=0, old_key_failures=0))
    assert _prv007(root) == []


def test_summary_that_disagrees_without_failures(ws) -> None:
    reported = {"json_valid": {"valid": {"true_count": 79, "true_fraction": 0.9875}}}
    root = _workspace(ws, evaluation(crashed=0, old_key_failures=0, summary=reported))
    (finding,) = _prv007(root)
    assert "its 80 exported rows do not give the reported summary" in finding.message
    assert "reported 0.9875 (70 of 80 scored), recount 0.875 (70/80)" in finding.message


def test_params_change_the_outcome(ws) -> None:
    root = _workspace(ws, evaluation())
    config = "rules:\n  PRV007:\n    fraction_tolerance: 0.2\n    max_unscored_share: 0.2\n"
    assert _prv007(root, config) == []
    config = "rules:\n  PRV007:\n    fraction_tolerance: 0.2\n"
    (finding,) = _prv007(root, config)
    assert (
        "mae_scorer.mae mean" in finding.message and "covers only 72 of 80 rows" in finding.message
    )


def test_evaluation_recount_and_latency(ws) -> None:
    root = _workspace(ws, evaluation())
    (run,) = load_campaign(root, Config()).runs
    (ev,) = run.weave_evals
    assert (ev.name, ev.call_id, len(ev.rows), ev.failed) == ("eval-sft-c2", "eval-c2", 80, 8)
    stats = {s.path: s for s in ev.scores}
    assert set(stats) == {"json_valid.valid", "mae_scorer.mae"}  # nested scorer calls ignored
    assert (stats["json_valid.valid"].true_count, stats["json_valid.valid"].scored) == (70, 72)
    assert stats["mae_scorer.mae"].kind == "number" and stats["mae_scorer.mae"].scored == 72
    assert ev.latency_p50_ms is not None and 400 <= ev.latency_p50_ms <= 900
    assert "weave/evals.json" in run.sources


def test_json_calls_object_and_jsonl_give_the_same_counts(ws) -> None:
    calls = evaluation()
    ws.json("weave/a.json", {"calls": calls})
    ws.jsonl("weave/b.jsonl", calls)
    wsp = Workspace(ws.root.resolve())
    a = load_weave_export(wsp, ws.root / "weave/a.json")
    b = load_weave_export(wsp, ws.root / "weave/b.jsonl")
    assert a.problems == [] and b.problems == []
    (ea,), (eb,) = a.evaluations, b.evaluations
    assert (len(ea.rows), ea.failed) == (len(eb.rows), eb.failed) == (80, 8)
    assert ea.evidence.pointer == "/calls/1"
    assert eb.evidence.line == 2 and eb.evidence.pointer is None


def _csv(calls: list[dict[str, Any]]) -> str:
    """Flatten calls the way Weave's CSV export does: dotted columns, JSON in cells."""

    def flat(value: Any, prefix: str, out: dict[str, Any]) -> None:
        if (
            isinstance(value, dict)
            and value
            and prefix.split(".")[0] in ("output", "summary", "inputs", "attributes")
        ):
            for key, inner in value.items():
                flat(inner, f"{prefix}.{key}", out)
        else:
            out[prefix] = value

    rows = []
    for call in calls:
        out: dict[str, Any] = {}
        for key, value in call.items():
            flat(value, key, out)
        rows.append(out)
    columns = sorted({k for r in rows for k in r})
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        cells = []
        for c in columns:
            v = r.get(c)
            cells.append(
                "" if v is None else json.dumps(v) if isinstance(v, (dict, list, bool)) else v
            )
        writer.writerow(cells)
    return buffer.getvalue()


def test_csv_export_with_dotted_columns_and_a_ragged_row(ws) -> None:
    text = _csv(evaluation())
    header, *lines = text.splitlines()
    assert "output.scores.json_valid.valid" in header and "summary.weave.latency_ms" in header
    lines.insert(3, "only,three,cells")  # a ragged row at file line 5
    ws.run("sft-c2", metrics=final_metrics())
    ws.write("weave/export.csv", "\n".join([header, *lines]) + "\n")
    (run,) = load_campaign(ws.root, Config()).runs
    (ev,) = run.weave_evals
    assert (len(ev.rows), ev.failed) == (80, 8)
    stats = {s.path: s for s in ev.scores}
    assert stats["json_valid.valid"].true_count == 70
    findings = lint(ws.root, select=["PRV005", "PRV007"])
    ragged = [f for f in findings if "the header has" in f.message]
    assert ragged and ragged[0].evidence[0].location() == "weave/export.csv:5"
    assert "PRV007" in codes(findings)


def test_trace_urls_join_hard_cases_by_rank_and_trace_id(ws) -> None:
    ws.run("sft-c2", metrics=final_metrics(), cases=[hard_case(1), hard_case(2), hard_case(3)])
    ws.json(
        "outputs/sft-c2/weave_eval_traces.json",
        {"run_name": "sft-c2", "rows": [{"trace_id": "trace-x", "rank": 3, "mae_raw": 4.0}]},
    )
    loose = _call("predict", "call-x", None, trace_id="trace-x")
    ws.json(
        "weave/sft-c2.json", [*evaluation(rows=2, valid=2, crashed=0, old_key_failures=0), loose]
    )
    (run,) = load_campaign(ws.root, Config()).runs
    urls = {t.rank: t.url for t in run.traces}
    assert urls[1] == "https://wandb.ai/acme/ft-evals/r/call/eval-c2-row-000"
    assert urls[3] == "https://wandb.ai/acme/ft-evals/r/call/call-x"  # filled by trace id
    wsp = Workspace(ws.root.resolve())
    traces = {t.rank: t for t in run.traces if t.rank is not None}
    cases = list(
        stream_hard_cases(
            wsp, ws.root / run.hard_cases_path, run.name, max_line_bytes=1 << 20, traces=traces
        )
    )
    assert [c.evidence.url for c in cases] == [urls[1], urls[2], urls[3]]


def test_unsafe_urls_are_dropped(ws) -> None:
    root = _workspace(ws, evaluation(url="javascript:alert(1)"))
    (run,) = load_campaign(root, Config()).runs
    assert all((t.url or "").startswith("https://") for t in run.traces)
    findings = lint(root, select=["PRV005"])
    assert any("ui_url is not an http(s) URL" in f.message for f in findings)


def test_joins_by_wb_run_id_to_a_wandb_run(ws) -> None:
    files = ws.root / "wandb" / "run-20261101_100000-abc123" / "files"
    files.mkdir(parents=True)
    (files / "wandb-summary.json").write_text('{"eval/json_valid_rate": 0.9}')
    (files / "config.yaml").write_text("HF_FT_RUN_NAME:\n  value: sft-w\n")
    calls = evaluation(run_name=None)
    for call in calls:
        call["wb_run_id"] = "acme/ft-evals/abc123"
    ws.json("weave/export.json", calls)
    campaign = load_campaign(ws.root, Config())
    assert [r.name for r in campaign.runs] == ["sft-w"]
    assert len(campaign.runs[0].weave_evals) == 1


def test_unjoined_export_is_reported_once(ws) -> None:
    root = _workspace(ws, evaluation(run_name=None), name="weave/mystery.json")
    campaign = load_campaign(root, Config())
    (problem,) = campaign.problems
    assert "matches no run" in problem.message and problem.evidence.path == "weave/mystery.json"
    assert any("matches no run" in f.message for f in lint(root, select=["PRV004"]))


def test_bad_exports_are_problems_with_file_and_line(ws) -> None:
    ws.run("sft-c2", metrics=final_metrics())
    ws.write("weave/sft-c2.json", '{"not": "calls"}')
    ws.write("weave/broken.jsonl", '{"op_name": "x"}\n{"op_name": \n')
    ws.write("weave/latin.csv", b"op_name,id\nEvaluation.evaluate,caf\xe9\n")
    ws.json("weave/noop.json", [{"id": "a"}, 5])
    campaign = load_campaign(ws.root, Config())
    where = sorted(p.evidence.location() for p in campaign.problems)
    assert where == [
        "weave/broken.jsonl:2",
        "weave/latin.csv:2",
        "weave/noop.json#/0",
        "weave/noop.json#/1",
        "weave/sft-c2.json:1",
    ]


def test_examples_weave_export_is_flagged_once() -> None:
    """The shipped candidate export drops 14 failed rows; the baseline CSV holds no evaluation."""
    (finding,) = _prv007(REPO / "examples")
    assert finding.run == "sft-c2-candidate" and finding.measurements["failed_rows"] == 14
