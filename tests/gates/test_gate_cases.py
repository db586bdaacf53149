"""Declarative gate cases (tests/gates/cases/*.yaml): two runs, the gates: section, and
the verdicts, sentences and decision the report must show.

A case file:

    gates: {absolute: point_estimate}          # the rules.yaml gates: section (optional)
    baseline: {name: base, eval_size: 2000, metrics: {accuracy: 0.9}, adapter: acme/v1}
    candidate: {name: cand, eval_size: 2000, metrics: {accuracy: 0.93}}
    expect:
      overall: PASS
      gates: {"accuracy:non-inferiority": PASS}      # gate id -> verdict
      details: {"json_valid_rate:min": [substrings]}  # gate id -> detail substrings
      not_applicable: [gate ids]
      absent: [words that appear nowhere in the JSON or text report]
      decision: {promote: true, keep: acme/v1}
      rollback: true | false                         # rollback criteria present
      text: [substrings of the text report]
      unpaired_gates: {gate id: verdict}   # the same pair without its rows

    `paired_answers: {both_right, both_wrong, baseline_only, candidate_only}` gives both
    runs complete eval rows that join by id (closed answers, right or wrong).
    `recount: {baseline: [valid, rows], candidate: [valid, rows]}` gives both runs
    complete JSON-contract rows and no reported validity (it is recounted).

Runs are built in memory (the gates read only metrics and provenance), so a case is
about the decision, not about a source format.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from ftlint.gates.decide import evaluate
from ftlint.gates.policy import gate_policy
from ftlint.gates.results import RowResults
from ftlint.gates.rows import row_results
from ftlint.model import EvalRow, Evidence, Metric, Provenance, Run
from ftlint.report.plan_text import render_gate_text
from ftlint.report.planjson import render_gate_json
from ftlint.sources.validate import schema

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))


def make_run(spec: dict[str, Any]) -> Run:
    name = spec["name"]
    ev = Evidence(f"outputs/{name}/final_metrics.json")
    return Run(
        name=name,
        provenance=Provenance(
            eval_size=spec.get("eval_size"),
            adapter=spec.get("adapter"),
            base_model=spec.get("base_model"),
            mode=spec.get("mode"),
        ),
        metrics={k: Metric(float(v), ev) for k, v in (spec.get("metrics") or {}).items()},
        settings=spec.get("settings") or {},
        kind=spec.get("kind", "train"),
    )


def paired_rows(case: dict[str, Any], baseline: Run | None, candidate: Run) -> dict[str, Any]:
    """Complete eval rows of both runs that join by id, from `paired_answers` counts
    (both_right, both_wrong, baseline_only, candidate_only right)."""
    if case.get("recount") and baseline is not None:
        return {
            run.name: RowResults(
                run.name,
                total,
                True,
                {f"r{i}": (i < valid, None) for i in range(total)},
            )
            for run, (valid, total) in (
                (baseline, case["recount"]["baseline"]),
                (candidate, case["recount"]["candidate"]),
            )
        }
    spec = case.get("paired_answers")
    if not spec or baseline is None:
        return {}
    pairs = (
        [(True, True)] * spec.get("both_right", 0)
        + [(False, False)] * spec.get("both_wrong", 0)
        + [(True, False)] * spec.get("baseline_only", 0)
        + [(False, True)] * spec.get("candidate_only", 0)
    )
    out = {}
    for run, side in ((baseline, 0), (candidate, 1)):
        items = [
            EvalRow(
                id=f"q{i}",
                input="question",
                output="A" if p[side] else "B",
                reference="A",
                evidence=Evidence(f"outputs/{run.name}/predictions.jsonl", line=i + 1),
            )
            for i, p in enumerate(pairs)
        ]
        out[run.name] = row_results(run.name, items, run.provenance.eval_size, complete=True)
    return out


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_gate_case(path: Path) -> None:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    expect = case["expect"]
    baseline = make_run(case["baseline"]) if case.get("baseline") else None
    candidate = make_run(case["candidate"])
    rows = paired_rows(case, baseline, candidate)
    report = evaluate(baseline, candidate, [], gate_policy(case.get("gates")), rows)
    if rows:
        # the same numbers without the rows: what pairing changed
        unpaired = evaluate(baseline, candidate, [], gate_policy(case.get("gates")))
        verdicts = {r.gate_id: r.verdict.value for r in unpaired.results}
        for gate_id, verdict in (expect.get("unpaired_gates") or {}).items():
            assert verdicts.get(gate_id) == verdict, (gate_id, verdicts)
    text = render_gate_text(report)
    doc = json.loads(render_gate_json(report, tool_version="0", workspace="ws", selection_note=""))
    jsonschema.validate(doc, schema("gate"))
    assert report.overall.value == expect["overall"], text
    verdicts = {r.gate_id: r.verdict.value for r in report.results}
    for gate_id, verdict in (expect.get("gates") or {}).items():
        assert verdicts.get(gate_id) == verdict, (gate_id, verdicts, text)
    details = {r.gate_id: r.detail for r in report.results}
    for gate_id, parts in (expect.get("details") or {}).items():
        for part in parts:
            assert part in details[gate_id], details[gate_id]
    if "not_applicable" in expect:
        assert [n.gate_id for n in report.not_applicable] == expect["not_applicable"]
    dumped = json.dumps(doc).lower() + text.lower()
    for word in expect.get("absent", ()):
        assert word.lower() not in dumped, word
    if "decision" in expect:
        assert report.decision is not None
        got = report.decision.to_dict()
        assert {k: got[k] for k in expect["decision"]} == expect["decision"]
    if "rollback" in expect:
        assert bool(report.rollback) is expect["rollback"]
        assert ("Rollback criteria" in text) is expect["rollback"]
    for part in expect.get("text", ()):
        assert part in text, text
    assert "adapter id unknown" not in text


def test_the_issue_cases_exist() -> None:
    assert {
        "classification_passes_on_accuracy",
        "numeric_fails_on_mae",
        "perfect_70_rows_inconclusive",
        "perfect_70_rows_point_estimate",
        "fail_keeps_the_baseline",
    } <= {p.stem for p in CASES}
