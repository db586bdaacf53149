"""PRV001 incomparable-pair, PRV002 small-sample, PRV003 fallback-contamination,
PRV006 unfinished-run."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers import REPO, final_metrics, lint, submission

from ftlint.rules.provenance.small_sample import rows_needed, wilson_half_width

SUBS = "artifacts/hf_jobs/submissions.jsonl"
EVAL_SUBS = "artifacts/hf_jobs/eval_submissions.jsonl"
PLAN_ENV = {
    "HF_FT_EPOCHS": "2",
    "HF_FT_BATCH_SIZE": "8",
    "HF_FT_GRAD_ACCUM": "2",
    "HF_FT_EVAL_STEPS": "20",
}


def only(findings: list[Any], code: str) -> list[Any]:
    return [f for f in findings if f.rule == code]


def append(ws, rel: str, record: dict[str, Any]) -> None:
    path = ws.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")


def run_with_env(ws, name: str, env: dict[str, str] | None = None, **kwargs: Any) -> None:
    """A run whose training submission carries `env` on top of the conftest defaults."""
    ws.run(name, submit=False, **kwargs)
    append(ws, SUBS, submission(name, env=env))


def series(steps: list[int]) -> list[dict[str, Any]]:
    return [{"step": s, "metrics": {"mae_raw": 10.0 - i * 0.5}} for i, s in enumerate(steps)]


def eval_result(ws, stem: str, metrics: dict[str, Any], **fields: Any) -> None:
    doc = {"dataset_version": "v3", "mode": "fine_tuned", "evaluated_count": 80}
    doc.update(fields)
    doc["metrics"] = {"json_valid_rate": 0.99, "vector_mae": 8.0, **metrics}
    ws.json(f"artifacts/eval/runs/{stem}.json", doc)


# -- PRV001 incomparable-pair ------------------------------------------------------------


def test_prv001_target_scale_and_dataset_version(ws) -> None:
    run_with_env(ws, "a")
    metrics = final_metrics(scale=10, dataset_version="v4")
    run_with_env(ws, "b", {"HF_FT_TARGET_SCALE": "10", "FT_DATASET_VERSION": "v4"}, metrics=metrics)
    found = only(lint(ws.root, select=["PRV001"], baseline="a", candidate="b"), "PRV001")
    by_field = {f.measurements["field"]: f for f in found}
    assert set(by_field) == {"target_scale", "dataset_version"}
    scale = by_field["target_scale"]
    assert scale.severity.value == "error" and scale.run == "b"
    assert "target_scale differs: 100 in baseline a vs 10 in candidate b" in scale.message
    assert "0..100 vs 0..10" in scale.message
    assert [(e.path, e.pointer) for e in scale.evidence] == [
        ("outputs/a/final_metrics.json", "/target_scale"),
        ("outputs/b/final_metrics.json", "/target_scale"),
    ]
    (act,) = scale.actions
    assert (act.knob, act.value, act.text) == (
        "target_scale",
        "100",
        "HF_FT_TARGET_SCALE: 10 -> 100",
    )
    version = by_field["dataset_version"]
    assert version.actions[0].text == "FT_DATASET_VERSION: v4 -> v3"


def test_prv001_eval_path_from_eval_submissions(ws) -> None:
    for name, path in (("a", "data/eval/v3.jsonl"), ("b", "data/eval/v3_small.jsonl")):
        run_with_env(ws, name)
        append(
            ws,
            EVAL_SUBS,
            submission(
                name, mode="fine_tuned", dataset_path=path, local_adapter_model_id=f"acme/{name}"
            ),
        )
    (f,) = only(lint(ws.root, select=["PRV001"], baseline="a", candidate="b"), "PRV001")
    assert f.measurements["field"] == "eval_path"
    assert [(e.path, e.line, e.pointer) for e in f.evidence] == [
        (EVAL_SUBS, 1, "/dataset_path"),
        (EVAL_SUBS, 2, "/dataset_path"),
    ]
    assert f.actions[0].knob == "eval_dataset_path"


def test_prv001_near_misses(ws) -> None:
    run_with_env(ws, "a")
    # same keys in another order, same everything else
    keys = ["nostalgia", "energy", "warmth", "brightness", "acousticness", "complexity"]
    run_with_env(ws, "b", metrics=final_metrics(target_keys=keys))
    # dataset version unknown on one side is not a difference
    ws.run("c", metrics=final_metrics(dataset_version=None), submit=False)
    assert only(lint(ws.root, select=["PRV001"], baseline="a", candidate="b"), "PRV001") == []
    assert only(lint(ws.root, select=["PRV001"], baseline="a", candidate="c"), "PRV001") == []


def test_prv001_different_key_set_and_size(ws) -> None:
    run_with_env(ws, "a")
    dims = {"energy": 8.0, "warmth": 8.0}
    run_with_env(
        ws, "b", metrics=final_metrics(dims=dims, target_keys=list(dims), valid_examples=200)
    )
    found = only(lint(ws.root, select=["PRV001"], baseline="a", candidate="b"), "PRV001")
    assert {f.measurements["field"] for f in found} == {"target_keys", "eval_size"}
    size = next(f for f in found if f.measurements["field"] == "eval_size")
    assert "eval_size differs: 80 in baseline a vs 200 in candidate b" in size.message
    assert [e.pointer for e in size.evidence] == ["/valid_examples", "/valid_examples"]


def test_prv001_all_unknown_is_an_info(ws) -> None:
    bare = {"eval": {"json_valid_rate": 0.99, "parse_error_rate": 0.01}}
    ws.run("a", metrics=bare, submit=False)
    ws.run("b", metrics=bare, submit=False)
    (f,) = only(lint(ws.root, select=["PRV001"], baseline="a", candidate="b"), "PRV001")
    assert f.severity.value == "info" and "cannot verify" in f.message


# -- PRV002 small-sample -----------------------------------------------------------------


def test_prv002_two_rows_flagged_with_interval_and_rows_needed(ws) -> None:
    ws.run("r", metrics=final_metrics(json_valid_rate=1.0, valid_examples=2))
    (f,) = only(lint(ws.root, select=["PRV002"]), "PRV002")
    assert f.severity.value == "warning"
    assert "json_valid_rate 1 (2/2) has a 95% Wilson interval [0.342, 1.000]" in f.message
    assert f.measurements["n"] == 2
    assert f.measurements["low"] == pytest.approx(0.3424, abs=1e-4)
    assert [(e.path, e.pointer) for e in f.evidence] == [
        ("outputs/r/final_metrics.json", "/eval/json_valid_rate"),
        ("outputs/r/final_metrics.json", "/valid_examples"),
    ]
    (act,) = f.actions
    need = act.value
    assert act.kind == "process" and need == f.measurements["rows_needed"]
    assert wilson_half_width(1.0, need, 0.95) <= 0.05 < wilson_half_width(1.0, need - 1, 0.95)
    assert f"from 2 to at least {need} rows" in act.text


def test_prv002_five_hundred_rows_pass_even_at_one_half(ws) -> None:
    ws.run("r", metrics=final_metrics(json_valid_rate=0.5, valid_examples=500))
    eval_result(ws, "20260101T000000Z_fine_tuned", {"json_valid_rate": 0.5}, evaluated_count=500)
    assert only(lint(ws.root, select=["PRV002"]), "PRV002") == []
    config = "rules:\n  PRV002:\n    max_half_width: 0.04\n"
    flagged = only(lint(ws.root, select=["PRV002"], config_text=config), "PRV002")
    assert {f.run for f in flagged} == {"r", "20260101T000000Z_fine_tuned"}
    er = next(f for f in flagged if f.run != "r")
    assert er.evidence[1].pointer == "/evaluated_count"


def test_rows_needed_matches_the_half_width() -> None:
    n = rows_needed(0.5, 0.05, 0.95)
    assert 380 <= n <= 390  # the classic ~385 for +-5 points at p = 0.5
    assert wilson_half_width(0.5, n, 0.95) <= 0.05 < wilson_half_width(0.5, n - 1, 0.95)


# -- PRV003 fallback-contamination -------------------------------------------------------


def test_prv003_fallback_rates_in_an_eval_result(ws) -> None:
    eval_result(
        ws,
        "20260101T000000Z_fine_tuned",
        {"mistral_fallback_rate": 0.05, "hf_direct_rate": 0.95},
        local_adapter_model_id="acme/r",
    )
    (f,) = only(lint(ws.root, select=["PRV003"]), "PRV003")
    assert f.severity.value == "error"
    assert "mistral_fallback_rate 0.05 > 0 and hf_direct_rate 0.95 < 1" in f.message
    assert "about 4 of 80 rows" in f.message
    path = "artifacts/eval/runs/20260101T000000Z_fine_tuned.json"
    assert [(e.path, e.pointer) for e in f.evidence] == [
        (path, "/metrics/mistral_fallback_rate"),
        (path, "/metrics/hf_direct_rate"),
    ]
    texts = {a.knob: (a.value, a.text, a.tier) for a in f.actions}
    assert texts == {
        "fallback_enabled": ("false", "EVAL_MISTRAL_FALLBACK_ENABLED: = false", 1),
        "require_hf_direct": ("true", "EVAL_REQUIRE_HF_DIRECT: = true", 1),
    }


def test_prv003_near_misses_and_params(ws) -> None:
    eval_result(ws, "20260101T000000Z_a", {"mistral_fallback_rate": 0.0, "hf_direct_rate": 1.0})
    eval_result(ws, "20260101T000000Z_b", {"mistral_fallback_rate": 0.05, "hf_direct_rate": 0.95})
    assert [f.run for f in lint(ws.root, select=["PRV003"])] == ["20260101T000000Z_b"]
    config = "rules:\n  PRV003:\n    max_fallback_rate: 0.1\n    min_hf_direct_rate: 0.9\n"
    assert only(lint(ws.root, select=["PRV003"], config_text=config), "PRV003") == []


def test_prv003_eval_job_measured_another_adapter(ws) -> None:
    run_with_env(ws, "r")  # its adapter is acme/r (HF_FT_OUTPUT_MODEL_ID)
    run_with_env(ws, "s")
    append(ws, EVAL_SUBS, submission("r", mode="fine_tuned", local_adapter_model_id="acme/other"))
    append(ws, EVAL_SUBS, submission("s", mode="fine_tuned", local_adapter_model_id="acme/s"))
    (f,) = only(lint(ws.root, select=["PRV003"]), "PRV003")
    assert f.run == "r"
    assert "measured acme/other, not the run's adapter acme/r" in f.message
    assert [(e.path, e.line, e.pointer) for e in f.evidence] == [(EVAL_SUBS, 1, "/command")]


# -- PRV006 unfinished-run ---------------------------------------------------------------


def test_prv006_series_stops_early(ws) -> None:
    # 1200 examples / (8 x 2) = 75 steps per epoch, 2 epochs = 150, eval every 20 -> 140
    run_with_env(
        ws, "r", PLAN_ENV, metrics=final_metrics(train_examples=1200), series=series([20, 40, 60])
    )
    (f,) = only(lint(ws.root, select=["PRV006"]), "PRV006")
    assert "stops at step 60 (3 evaluations), expected about step 140" in f.message
    assert "7 planned" in f.message
    assert (f.evidence[0].path, f.evidence[0].line) == ("outputs/r/iter_eval_metrics.jsonl", 3)
    assert f.measurements["expected_final_step"] == 140


def test_prv006_near_miss_and_min_fraction(ws) -> None:
    steps = [20, 40, 60, 80, 100, 120, 140]
    run_with_env(
        ws, "r", PLAN_ENV, metrics=final_metrics(train_examples=1200), series=series(steps)
    )
    run_with_env(
        ws,
        "s",
        PLAN_ENV,
        metrics=final_metrics(train_examples=1200),
        series=series([*steps[:-1], 130]),
    )
    assert [f.run for f in lint(ws.root, select=["PRV006"])] == []  # 130 >= 0.9 * 140
    config = "rules:\n  PRV006:\n    min_fraction: 0.95\n"
    assert [f.run for f in lint(ws.root, select=["PRV006"], config_text=config)] == ["s"]


def test_prv006_half_written_line_joins_the_short_series(ws) -> None:
    run_with_env(ws, "r", PLAN_ENV, metrics=final_metrics(train_examples=1200))
    rows = "".join(json.dumps(p) + "\n" for p in series([20, 40]))
    ws.write("outputs/r/iter_eval_metrics.jsonl", rows + '{"step": 60, "metr')
    (f,) = only(lint(ws.root, select=["PRV006"]), "PRV006")
    assert f.message.endswith("the last line is half-written")
    assert [e.line for e in f.evidence[:2]] == [2, 3]


def test_prv006_half_written_line_alone(ws) -> None:
    ws.run("r", submit=False)  # no env: no plan to compare with
    rows = "".join(json.dumps(p) + "\n" for p in series([20, 40]))
    ws.write("outputs/r/iter_eval_metrics.jsonl", rows + '{"step": 60, "metr')
    (f,) = only(lint(ws.root, select=["PRV006"]), "PRV006")
    assert "ends in a half-written line" in f.message
    assert (f.evidence[0].path, f.evidence[0].line) == ("outputs/r/iter_eval_metrics.jsonl", 3)


def test_prv006_plan_from_trainer_runtime(ws) -> None:
    train = {
        "train_loss": 0.4,
        "train_runtime": 1000.0,
        "train_steps_per_second": 0.15,
        "epoch": 2.0,
    }
    env = {"HF_FT_EVAL_STEPS": "20"}
    run_with_env(ws, "r", env, metrics=final_metrics(train=train), series=series([20, 40, 60]))
    (f,) = only(lint(ws.root, select=["PRV006"]), "PRV006")
    assert (
        "expected about step 140 (train_runtime x train_steps_per_second = 150 steps" in f.message
    )
    assert f.evidence[-1].pointer == "/train/train_runtime"


def test_prv006_epoch_short_exit_code_and_no_final_metrics(ws) -> None:
    train = {"train_loss": 0.4, "epoch": 1.0}
    run_with_env(ws, "a", metrics=final_metrics(train=train))
    run_with_env(ws, "b", metrics=final_metrics(exit_code=137))
    ws.jsonl("outputs/c/iter_eval_metrics.jsonl", series([20, 40]))
    append(ws, SUBS, submission("c"))
    found = {f.run: f for f in lint(ws.root, select=["PRV006"])}
    assert set(found) == {"a", "b", "c"}
    assert "stopped at epoch 1 of 2 planned" in found["a"].message
    assert found["a"].evidence[0].pointer == "/train/epoch"
    assert found["b"].severity.value == "error"
    assert found["b"].evidence[0].pointer == "/exit_code"
    assert found["c"].severity.value == "error"
    assert "left no final_metrics.json; its series stops at step 40" in found["c"].message
    assert (found["c"].evidence[0].path, found["c"].evidence[0].line) == (SUBS, 3)


# -- the shipped example workspace --------------------------------------------------------


def test_examples_comparison_findings() -> None:
    ex = REPO / "examples"
    findings = lint(
        ex,
        select=["PRV001", "PRV002", "PRV003", "PRV006"],
        baseline="sft-c1-baseline",
        candidate="sft-c2-candidate",
    )
    assert only(findings, "PRV001") == []  # same dataset, eval set, scale, keys, objective
    small = {f.run for f in only(findings, "PRV002")}
    assert "sft-c2-candidate" in small and "sft-c1-baseline" not in small
    (fallback,) = only(findings, "PRV003")
    assert fallback.run == "20250312T140300Z_fine_tuned"
    assert {a.text for a in fallback.actions} == {
        "EVAL_MISTRAL_FALLBACK_ENABLED: 1 -> 0",
        "EVAL_REQUIRE_HF_DIRECT: 0 -> 1",
    }
    assert (EVAL_SUBS, 3) in [(e.path, e.line) for e in fallback.evidence]
    (unfinished,) = only(findings, "PRV006")
    assert unfinished.run == "sft-c2-scale10"
    assert unfinished.measurements["last_step"] == 100
    assert unfinished.measurements["expected_final_step"] == 180
    assert "9 planned" in unfinished.message and "half-written" in unfinished.message
    assert [e.line for e in unfinished.evidence[:2]] == [5, 6]

    scale10 = lint(ex, select=["PRV001"], baseline="sft-c1-baseline", candidate="sft-c2-scale10")
    assert {f.measurements["field"] for f in scale10} == {"dataset_version", "target_scale"}
    assert all(f.severity.value == "error" for f in scale10)
