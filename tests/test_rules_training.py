"""TRN001 loss-anomaly, TRN002 eval-trend-regression, TRN003 eval-plateau."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import REPO, codes, final_metrics, lint

FM = "outputs/r/final_metrics.json"
SERIES = "outputs/r/iter_eval_metrics.jsonl"


def points(key: str, values: list[float], *, every: int = 20) -> list[dict[str, Any]]:
    return [
        {"timestamp": f"2026-11-01T10:{i:02d}:00Z", "step": every * (i + 1), "metrics": {key: v}}
        for i, v in enumerate(values)
    ]


def only(findings: list[Any], code: str) -> list[Any]:
    return [f for f in findings if f.rule == code]


def action(finding: Any, knob: str | None) -> Any:
    return next(a for a in finding.actions if a.knob == knob)


# -- TRN001 loss-anomaly ----------------------------------------------------------------


def test_trn001_non_finite_train_loss_is_an_error_citing_the_pointer(ws) -> None:
    metrics = final_metrics(train={"train_loss": float("nan"), "epoch": 2.0})
    ws.run("r", metrics=metrics)
    (f,) = only(lint(ws.root, select=["TRN001"]), "TRN001")
    assert f.severity.value == "error"
    assert "NaN" in f.message
    assert (f.evidence[0].path, f.evidence[0].pointer) == (FM, "/train/train_loss")
    lr = action(f, "learning_rate")
    assert lr.tier == 4 and lr.value == pytest.approx(1e-05)
    assert lr.text == "HF_FT_LR: 0.00002 -> 1e-05"
    warm = action(f, "warmup_ratio")
    assert warm.value == 0.1 and warm.text == "HF_FT_WARMUP_RATIO: set to 0.1"


def test_trn001_missing_train_loss_is_an_info(ws) -> None:
    ws.run("r", metrics=final_metrics(train={"train_runtime": 100.0, "epoch": 2.0}))
    (f,) = only(lint(ws.root, select=["TRN001"]), "TRN001")
    assert f.severity.value == "info"
    assert (f.evidence[0].path, f.evidence[0].pointer) == (FM, "/train")


def test_trn001_rising_series_loss(ws) -> None:
    ws.run("r", series=points("train_loss", [1.0, 0.5, 0.6]))
    (f,) = only(lint(ws.root, select=["TRN001"]), "TRN001")
    assert f.severity.value == "warning"
    assert "0.6 at step 60 is 20.0% above the minimum 0.5 at step 40" in f.message
    assert [(e.path, e.line) for e in f.evidence] == [(SERIES, 2), (SERIES, 3)]
    assert f.measurements["relative_rise"] == pytest.approx(0.2)


def test_trn001_near_misses(ws) -> None:
    # a small rise (8% < 10%), a healthy final loss, and a loss only at the top level of
    # the iteration lines (not part of the metrics the model exposes)
    ws.run("r", series=points("train_loss", [1.0, 0.5, 0.54]))
    rows = [
        {**p, "train_loss": v} for p, v in zip(points("mae_raw", [9, 8, 7]), [1, 2, 3], strict=True)
    ]
    ws.run("s", series=rows)
    assert only(lint(ws.root, select=["TRN001"]), "TRN001") == []


def test_trn001_rise_margin_param(ws) -> None:
    ws.run("r", series=points("loss", [1.0, 0.5, 0.6]))
    assert codes(lint(ws.root, select=["TRN001"])) == ["TRN001"]
    config = "rules:\n  TRN001:\n    rise_margin: 0.25\n"
    assert only(lint(ws.root, select=["TRN001"], config_text=config), "TRN001") == []


# -- TRN002 eval-trend-regression ---------------------------------------------------------


def test_trn002_mae_worse_late_names_the_best_step(ws) -> None:
    ws.run("r", series=points("mae_raw", [10.0, 8.0, 9.0, 9.5]))
    (f,) = only(lint(ws.root, select=["TRN002"]), "TRN002")
    assert "best 8 at step 40 (line 2)" in f.message
    assert "last 9.5 at step 80 is 18.8% worse" in f.message
    assert [(e.path, e.line) for e in f.evidence] == [(SERIES, 2), (SERIES, 4)]
    assert f.measurements["best_step"] == 40 and f.measurements["last_step"] == 80
    epochs = action(f, "epochs")
    assert (epochs.value, epochs.text) == (1, "HF_FT_EPOCHS: 2 -> 1")
    assert action(f, None).value == 40  # take the checkpoint at the best step
    lr = action(f, "learning_rate")
    assert lr.value == pytest.approx(1.2e-05) and lr.text == "HF_FT_LR: 0.00002 -> 1.2e-05"
    assert {a.tier for a in f.actions} == {4}


def test_trn002_json_valid_rate_higher_is_better(ws) -> None:
    ws.run("r", series=points("json_valid_rate", [0.9, 0.99, 0.9]))
    (f,) = only(lint(ws.root, select=["TRN002"]), "TRN002")
    assert f.measurements["metric"] == "json_valid_rate"
    assert f.measurements["best_step"] == 40


def test_trn002_near_miss_and_margin_param(ws) -> None:
    ws.run("r", series=points("mae_raw", [10.0, 8.0, 8.3]))  # 3.75% < 5%
    ws.run("s", series=points("mae_raw", [10.0, 9.0, 8.0]))  # best is last
    assert only(lint(ws.root, select=["TRN002"]), "TRN002") == []
    ws.run("t", series=points("mae_raw", [10.0, 8.0, 9.0]))  # 12.5%
    assert [f.run for f in lint(ws.root, select=["TRN002"])] == ["t"]
    config = "rules:\n  TRN002:\n    margin: 0.2\n"
    assert only(lint(ws.root, select=["TRN002"], config_text=config), "TRN002") == []


# -- TRN003 eval-plateau ------------------------------------------------------------------


def test_trn003_plateau(ws) -> None:
    ws.run("r", series=points("mae_raw", [10.0, 9.0, 9.0, 8.95]))
    (f,) = only(lint(ws.root, select=["TRN003"]), "TRN003")
    assert "best of the last 2 evaluations 8.95 (step 80) vs best of the first 2 9 (step 40)" in (
        f.message
    )
    assert "+0.6%" in f.message
    assert [(e.path, e.line) for e in f.evidence] == [(SERIES, 2), (SERIES, 4)]
    lr = action(f, "learning_rate")
    assert lr.value == pytest.approx(4e-05) and lr.text == "HF_FT_LR: 0.00002 -> 4e-05"
    assert action(f, "lora_r").value is None  # no HF_FT_LORA_R in the job command
    assert action(f, "epochs").value == 1


def test_trn003_near_misses(ws) -> None:
    ws.run("r", series=points("mae_raw", [10.0, 9.0, 8.0, 7.0]))  # keeps improving
    ws.run("s", series=points("mae_raw", [10.0, 8.0, 9.5, 9.6]))  # a regression: TRN002's
    ws.run("t", series=points("mae_raw", [10.0, 10.0, 10.0]))  # too few points
    assert only(lint(ws.root, select=["TRN003"]), "TRN003") == []


def test_trn003_params(ws) -> None:
    ws.run("r", series=points("mae_raw", [10.0, 9.0, 9.0, 8.95]))
    config = "rules:\n  TRN003:\n    min_points: 5\n"
    assert only(lint(ws.root, select=["TRN003"], config_text=config), "TRN003") == []
    config = "rules:\n  TRN003:\n    min_improvement: 0.005\n"
    assert only(lint(ws.root, select=["TRN003"], config_text=config), "TRN003") == []


# -- the shipped example workspace --------------------------------------------------------


def test_examples_training_findings() -> None:
    findings = lint(
        REPO / "examples",
        select=["TRN"],
        baseline="sft-c1-baseline",
        candidate="sft-c2-candidate",
    )
    # losses go down in every run, nothing plateaus; only the candidate degrades late
    assert {(f.rule, f.run) for f in findings} == {("TRN002", "sft-c2-candidate")}
    by_metric = {f.measurements["metric"]: f for f in findings}
    assert set(by_metric) == {"mae_raw", "json_valid_rate"}
    for f in by_metric.values():
        assert f.measurements["best_step"] == 40 and f.measurements["last_step"] == 180
        assert f.evidence[0].path == "outputs/sft-c2-candidate/iter_eval_metrics.jsonl"
        assert f.evidence[0].line == 2
        assert action(f, "epochs").text == "HF_FT_EPOCHS: 2 -> 1"
        assert action(f, "learning_rate").text == "HF_FT_LR: 0.00005 -> 3e-05"
    assert by_metric["json_valid_rate"].measurements["last_value"] == 0.8125
