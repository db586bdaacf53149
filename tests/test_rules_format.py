"""FMT001/FMT002 (contract metrics), FMT006 (spikes), FMT007 (pair regression), and what
the format pack says about the shipped example workspace."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from helpers import REPO, codes, final_metrics, hard_case, lint

from ftlint.analysis.stats import newcombe_diff_interval, two_proportion_ztest

FORMAT = ["FMT001", "FMT002", "FMT003", "FMT004", "FMT005", "FMT006", "FMT007", "FMT008"]


def only(findings: list[Any], code: str, run: str | None = None) -> list[Any]:
    return [f for f in findings if f.rule == code and (run is None or f.run == run)]


def one(findings: list[Any], code: str, run: str | None = None) -> Any:
    found = only(findings, code, run)
    assert len(found) == 1, [f.message for f in findings]
    return found[0]


# -- FMT001 / FMT002 ---------------------------------------------------------------------


def test_fmt001_triggers_below_min_with_counts_and_pointer(ws) -> None:
    ws.run("r", metrics=final_metrics(json_valid_rate=0.975))
    f = one(lint(ws.root, select=["FMT001"]), "FMT001")
    assert f.severity == "error"
    assert f.message == "json_valid_rate 0.975 (78/80) is below the minimum 0.98"
    ev = f.evidence[0]
    assert (ev.path, ev.pointer) == ("outputs/r/final_metrics.json", "/eval/json_valid_rate")
    assert f.measurements["count"] == 78 and f.measurements["eval_size"] == 80
    assert {a.tier for a in f.actions} <= {1, 2}
    decode = next(a for a in f.actions if a.kind == "decode")
    assert decode.tier == 1
    assert decode.value["required"] == list(final_metrics()["target_keys"])
    assert decode.value["properties"]["energy"] == {"type": "integer", "minimum": 0, "maximum": 100}


@pytest.mark.parametrize(("rate", "fires"), [(0.979, True), (0.98, False), (0.99, False)])
def test_fmt001_threshold_edge(ws, rate: float, fires: bool) -> None:
    ws.run("r", metrics=final_metrics(json_valid_rate=rate))
    assert ("FMT001" in codes(lint(ws.root, select=["FMT001"]))) is fires


@pytest.mark.parametrize(("rate", "fires"), [(0.979, True), (0.98, False)])
def test_fmt002_threshold_edge_despite_float_noise(ws, rate: float, fires: bool) -> None:
    # final_metrics writes parse_error_rate = round(1 - rate, 10): 0.02 must not fire
    ws.run("r", metrics=final_metrics(json_valid_rate=rate))
    found = only(lint(ws.root, select=["FMT002"]), "FMT002")
    assert bool(found) is fires
    if fires:
        assert found[0].message == "parse_error_rate 0.021 (2/80) is above the maximum 0.02"
        assert found[0].evidence[0].pointer == "/eval/parse_error_rate"


def test_fmt001_fmt002_params_from_config(ws) -> None:
    ws.run("r", metrics=final_metrics(json_valid_rate=0.95))
    cfg = "rules:\n  FMT001:\n    min: 0.9\n  FMT002:\n    max: 0.1\n"
    assert codes(lint(ws.root, select=["FMT001", "FMT002"], config_text=cfg)) == []
    assert codes(lint(ws.root, select=["FMT001", "FMT002"])) == ["FMT001", "FMT002"]


def test_fmt001_without_eval_size_has_no_counts(ws) -> None:
    ws.run("r", metrics=final_metrics(json_valid_rate=0.9, valid_examples=None))
    f = one(lint(ws.root, select=["FMT001"]), "FMT001")
    assert f.message == "json_valid_rate 0.9 is below the minimum 0.98"


def _eval_result(ws, name: str, mode: str, rate: float) -> None:
    ws.json(
        f"artifacts/eval/runs/{name}.json",
        {
            "dataset_version": "v3",
            "mode": mode,
            "evaluated_count": 80,
            "timestamp": "2026-11-02T10:00:00Z",
            "metrics": {"json_valid_rate": rate, "vector_mae": 10.0, "r2_score": 0.5},
        },
    )


def test_eval_result_runs_and_reference_modes(ws) -> None:
    _eval_result(ws, "20261102T100000Z_fine_tuned", "fine_tuned", 0.8625)
    _eval_result(ws, "20261102T110000Z_prompt_baseline", "prompt_baseline", 0.7375)
    _eval_result(ws, "20261102T120000Z_fine_tuned", "fine_tuned", 0.98)  # 1 - 0.98 noise
    found = lint(ws.root, select=["FMT001", "FMT002"])
    by_run = {(f.run, f.rule): f for f in found}
    tuned = by_run[("20261102T100000Z_fine_tuned", "FMT001")]
    assert tuned.severity == "error"
    assert tuned.message == "json_valid_rate 0.8625 (69/80) is below the minimum 0.98"
    assert tuned.evidence[0].path == "artifacts/eval/runs/20261102T100000Z_fine_tuned.json"
    assert tuned.evidence[0].pointer == "/metrics/json_valid_rate"
    assert by_run[("20261102T100000Z_fine_tuned", "FMT002")].message.startswith(
        "parse_error_rate 0.1375 (11/80)"
    )
    ref = by_run[("20261102T110000Z_prompt_baseline", "FMT001")]
    assert ref.severity == "info" and "reference mode prompt_baseline" in ref.message
    assert not [f for f in found if f.run == "20261102T120000Z_fine_tuned"]


def test_fmt001_names_the_largest_failure_class_of_the_hard_cases(ws) -> None:
    cut = '{"energy": 12, "warmth": 40, "bright'
    cases = [hard_case(i, parse_error="json_decode_error:Expecting ','", text=cut) for i in (1, 2)]
    cases.append(hard_case(3, parse_error="json_block_not_found", text="I cannot help."))
    ws.run("r", metrics=final_metrics(json_valid_rate=0.9), cases=cases)
    f = one(lint(ws.root, select=["FMT001"]), "FMT001")
    first = f.actions[0]
    assert (first.tier, first.kind) == (1, "process")
    assert "unterminated (2 of 3 failed hard-case rows" in first.text


# -- FMT006 ------------------------------------------------------------------------------


def _series(rates: list[float], start: int = 20) -> list[dict[str, Any]]:
    return [
        {
            "timestamp": f"2026-11-01T10:{i:02d}:00Z",
            "step": start * (i + 1),
            "metrics": {"json_valid_rate": round(1 - r, 10), "parse_error_rate": r},
        }
        for i, r in enumerate(rates)
    ]


def test_fmt006_persistent_spike_is_an_error_at_its_line(ws) -> None:
    ws.run("r", series=_series([0.025, 0.0125, 0.0125, 0.0125, 0.1625, 0.175, 0.1875]))
    f = one(lint(ws.root, select=["FMT006"]), "FMT006")
    assert f.severity == "error"
    assert f.evidence[0].path == "outputs/r/iter_eval_metrics.jsonl"
    assert f.evidence[0].line == 5
    assert f.evidence[-1].line == 7
    m = f.measurements
    assert (m["step"], m["value"], m["baseline_median"]) == (100, 0.1625, 0.0125)
    assert m["jump"] == pytest.approx(0.15) and m["z"] == pytest.approx(15.0)
    assert m["recovered_step"] is None and m["last_step"] == 140
    assert "jumps to 0.1625 at step 100 (median 0.0125 of the 4 evals before" in f.message
    assert "to the last eval (step 140: 0.1875" in f.message
    assert any(a.value == 80 and "step 80" in a.text for a in f.actions)


def test_fmt006_recovering_spike_is_a_warning(ws) -> None:
    ws.run("r", series=_series([0.02, 0.0125, 0.0125, 0.0125, 0.2, 0.0125, 0.0125]))
    f = one(lint(ws.root, select=["FMT006"]), "FMT006")
    assert f.severity == "warning"
    assert f.measurements["recovered_step"] == 120
    assert [e.line for e in f.evidence] == [5, 6]
    assert "recovers at step 120" in f.message


@pytest.mark.parametrize(
    "rates",
    [
        [0.02, 0.0125, 0.0125, 0.0125, 0.05, 0.06],  # jump 0.0475 < 0.05
        [0.0, 0.15, 0.05, 0.2, 0.1, 0.26],  # jump 0.16 over a noisy history: robust z 2.2
        [0.3, 0.1],  # too little history to judge
        [0.05, 0.04, 0.03, 0.02, 0.02],  # improving
    ],
)
def test_fmt006_near_misses(ws, rates: list[float]) -> None:
    ws.run("r", series=_series(rates))
    assert "FMT006" not in codes(lint(ws.root, select=["FMT006"]))


def test_fmt006_uses_json_valid_rate_when_parse_error_rate_is_missing(ws) -> None:
    rows = _series([0.0125, 0.0125, 0.0125, 0.2])
    for row in rows:
        del row["metrics"]["parse_error_rate"]
    ws.run("r", series=rows)
    f = one(lint(ws.root, select=["FMT006"]), "FMT006")
    assert f.measurements["value"] == pytest.approx(0.2)


def test_fmt006_min_jump_param(ws) -> None:
    ws.run("r", series=_series([0.025, 0.0125, 0.0125, 0.0125, 0.1625, 0.175]))
    cfg = "rules:\n  FMT006:\n    min_jump: 0.2\n"
    assert "FMT006" not in codes(lint(ws.root, select=["FMT006"], config_text=cfg))


# -- FMT007 ------------------------------------------------------------------------------


def _pair(ws, base: float, cand: float, **extra: Any) -> list[Any]:
    ws.run("base", metrics=final_metrics(json_valid_rate=base, **extra))
    ws.run("cand", metrics=final_metrics(json_valid_rate=cand, cycle_id="c2", **extra))
    return lint(ws.root, select=["FMT007"], baseline="base", candidate="cand")


def test_fmt007_significant_regression_is_an_error(ws) -> None:
    f = one(_pair(ws, 0.9875, 0.8125), "FMT007")
    assert f.severity == "error" and f.run == "cand"
    ci = newcombe_diff_interval(79, 80, 65, 80, 0.9)
    _, p = two_proportion_ztest(1, 80, 15, 80, "greater")
    m = f.measurements
    assert (m["baseline"], m["candidate"]) == (0.9875, 0.8125)
    assert m["ci_low"] == pytest.approx(ci.low, abs=1e-6)
    assert m["ci_high"] == pytest.approx(ci.high, abs=1e-6)
    assert m["p"] == pytest.approx(p)
    assert "from 0.9875 (79/80) in base to 0.8125 (65/80) in cand" in f.message
    assert f"90% Newcombe interval {ci.low:+.3f} to {ci.high:+.3f}" in f.message
    assert "one-sided p=0.00011 < 0.05" in f.message
    assert [e.path for e in f.evidence] == [
        "outputs/cand/final_metrics.json",
        "outputs/base/final_metrics.json",
    ]
    hold = f.actions[0]
    assert hold.tier == 1 and "within 0.01 of 0.9875" in hold.text
    assert "roll back to" in hold.rollback_trigger


def test_fmt007_unresolved_difference_is_info(ws) -> None:
    f = one(_pair(ws, 0.9875, 0.975), "FMT007")
    assert f.severity == "info"
    assert "not resolved at these sample sizes" in f.message


def test_fmt007_no_finding_when_candidate_is_not_worse(ws) -> None:
    assert _pair(ws, 0.975, 0.9875) == []


def test_fmt007_without_sizes_is_point_estimate_only(ws) -> None:
    f = one(_pair(ws, 0.99, 0.9, valid_examples=None), "FMT007")
    assert f.severity == "info"
    assert "point estimate only" in f.message and "p=" not in f.message


def test_fmt007_alpha_param(ws) -> None:
    ws.run("base", metrics=final_metrics(json_valid_rate=0.9875))
    ws.run("cand", metrics=final_metrics(json_valid_rate=0.8125, cycle_id="c2"))
    cfg = "rules:\n  FMT007:\n    alpha: 0.0001\n"
    found = lint(ws.root, select=["FMT007"], baseline="base", candidate="cand", config_text=cfg)
    assert one(found, "FMT007").severity == "info"  # p = 0.00011 >= 0.0001


# -- the shipped example workspace -------------------------------------------------------

CAND, BASE = "sft-c2-candidate", "sft-c1-baseline"


@pytest.fixture(scope="module")
def examples() -> list[Any]:
    return lint(REPO / "examples", select=[*FORMAT, "QLT004"], baseline=BASE, candidate=CAND)


def test_examples_contract_metrics(examples) -> None:
    f = one(examples, "FMT001", CAND)
    assert f.severity == "error"
    assert f.message == "json_valid_rate 0.8125 (65/80) is below the minimum 0.98"
    assert "unterminated (8 of 15" in f.actions[0].text
    assert one(examples, "FMT002", CAND).message.startswith("parse_error_rate 0.1875 (15/80)")
    assert not only(examples, "FMT001", BASE) and not only(examples, "FMT002", BASE)


def test_examples_taxonomy(examples) -> None:
    found = {f.measurements["class"]: f for f in only(examples, "FMT003", CAND)}
    counts = {k: f.measurements["count"] for k, f in found.items()}
    assert counts == {
        "unterminated": 8,
        "trailing_text": 4,
        "wrapper_object": 1,
        "decode_error": 1,
        "no_json": 1,
    }
    unterminated = found["unterminated"]
    assert unterminated.severity == "error"
    assert "hard cases hold 15 of the run's 15 failures" in unterminated.message
    assert unterminated.measurements["sample_ids"] == ["21", "31", "3", "45", "73"]
    assert [e.line for e in unterminated.evidence] == [2, 3, 8, 9, 11]
    assert unterminated.evidence[0].url.startswith("https://wandb.ai/")
    assert found["trailing_text"].severity == "warning"
    assert found["wrapper_object"].severity == "info"
    assert found["wrapper_object"].evidence[0].line == 7
    baseline = one(examples, "FMT003", BASE)
    assert baseline.severity == "info" and baseline.measurements["class"] == "no_json"


def _example_rows() -> list[dict[str, Any]]:
    path = REPO / "examples/outputs" / CAND / "hard_cases.valid.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_examples_truncation_proposes_a_budget_from_the_data(examples) -> None:
    f = one(examples, "FMT004", CAND)
    assert f.severity == "error"
    # recompute the documented formula from the rows, independently of the rule
    rows = _example_rows()
    longest_object = max(len(r["generated_text"].strip()) for r in rows if not r["parse_error"])
    cut = [
        t for r in rows if r["parse_error"] and (t := r["generated_text"]).count("{") > t.count("}")
    ]
    assert len(cut) == f.measurements["truncated"] == 8
    needed_tokens = math.ceil((max(t.find("{") for t in cut) + longest_object) / 3.0)
    expected = math.ceil(math.ceil(1.25 * needed_tokens) / 16) * 16
    env = next(a for a in f.actions if a.knob == "max_new_tokens")
    assert env.value == expected == 192 > 96
    assert "EVAL_LOCAL_MAX_NEW_TOKENS: 96 -> 192" in env.text
    assert "HF_FT_GENERATION_MAX_NEW_TOKENS: 96 -> 192" in env.text
    assert f.measurements["prose_first"] == 7 and f.measurements["far_below_cap"] == 0
    assert any(a.kind == "prompt" and "preamble" in a.text for a in f.actions)
    assert f.evidence[-1].path == "artifacts/hf_jobs/submissions.jsonl"
    # FMT003's unterminated class proposes the same value, so the planner sees no conflict
    taxonomy = next(
        f for f in only(examples, "FMT003", CAND) if f.measurements["class"] == "unterminated"
    )
    assert next(a.value for a in taxonomy.actions if a.knob == "max_new_tokens") == 192


def test_examples_trailing_text_degenerate_and_contamination(examples) -> None:
    trailing = one(examples, "FMT005", CAND)
    assert trailing.measurements["failed_kinds"] == {
        "markdown fence": 1,
        "prose after": 2,
        "repeated object": 2,
    }
    empty = one(examples, "FMT008", CAND)
    assert empty.measurements["sample_ids"] == ["48"] and empty.evidence[0].line == 12
    qlt = one(examples, "QLT004", CAND)
    assert qlt.severity == "warning"
    assert qlt.measurements["placeholder_rows"] == 15
    failed_sum = sum(r["mae_raw"] for r in _example_rows() if r["parse_error"])
    exact = (11.377083 * 80 - failed_sum) / 65
    assert qlt.measurements["mae_parsed_all"] == pytest.approx(exact, abs=1e-5)
    assert "MAE over the 65 parsed rows is 8.962" in qlt.message
    assert one(examples, "QLT004", BASE).severity == "info"


def test_examples_spike_and_regression(examples) -> None:
    spike = one(examples, "FMT006", CAND)
    assert spike.severity == "error" and spike.measurements["step"] == 100
    assert spike.evidence[0].location() == f"outputs/{CAND}/iter_eval_metrics.jsonl:5"
    assert not only(examples, "FMT006", BASE)
    reg = one(examples, "FMT007", CAND)
    assert reg.severity == "error"
    assert "0.9875 (79/80)" in reg.message and "0.8125 (65/80)" in reg.message
    assert reg.measurements["changed_env"]["HF_FT_LR"] == ["0.00002", "0.00005"]
