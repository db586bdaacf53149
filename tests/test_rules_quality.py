"""Quality rules QLT001-QLT003, QLT005-QLT008: triggers, near misses, params, evidence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import DIMS, REPO, WorkspaceBuilder, codes, final_metrics, hard_case, lint
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.model import Severity
from ftlint.rules.quality.request_pattern_cluster import template_display, template_key
from ftlint.rules.quality.source_type_concentration import parse_mix, propose_mix

HC = "outputs/{}/hard_cases.valid.jsonl"
FM = "outputs/{}/final_metrics.json"


def only(findings: list[Any], code: str, run: str | None = None) -> list[Any]:
    return [f for f in findings if f.rule == code and (run is None or f.run == run)]


def dims(**changed: float) -> dict[str, float]:
    out = {d: 8.0 for d in DIMS}
    out.update(changed)
    return out


def case(rank: int, *, source: str = "request_text", text: str | None = None, **kw: Any) -> dict:
    row = hard_case(rank, source_type=source, **kw)
    if text is not None:
        row["request_text"] = text
    return row


def vec_case(rank: int, pred: dict[str, float], target: dict[str, float], **kw: Any) -> dict:
    err = {d: abs(pred[d] - target[d]) for d in pred}
    return hard_case(
        rank,
        predicted_vector=pred,
        target_vector=target,
        abs_error_raw=err,
        mae_raw=sum(err.values()) / len(err),
        **kw,
    )


# -- QLT001 mae-threshold -------------------------------------------------------------------


def test_qlt001_is_opt_in_and_fires_above_configured_max(ws: WorkspaceBuilder) -> None:
    ws.run("r1", metrics=final_metrics(mae_raw=12.0))
    assert only(lint(ws.root, select=["QLT"]), "QLT001") == []  # opt-in: off by default
    assert only(lint(ws.root, select=["QLT001"]), "QLT001") == []  # named, but no max set
    found = only(
        lint(ws.root, select=["QLT"], config_text="rules:\n  QLT001:\n    max_mae_raw: 10\n"),
        "QLT001",
    )
    assert len(found) == 1
    f = found[0]
    assert f.message == "mae_raw 12 is above the maximum 10"
    assert f.severity is Severity.ERROR
    assert f.evidence[0].path == FM.format("r1") and f.evidence[0].pointer == "/eval/mae_raw"
    assert f.measurements["excess_ratio"] == pytest.approx(1.2)


def test_qlt001_near_miss_and_mae_norm(ws: WorkspaceBuilder) -> None:
    ws.run("r1", metrics=final_metrics(mae_raw=9.9))
    cfg = "rules:\n  QLT001:\n    max_mae_raw: 10\n    max_mae_norm: 0.09\n"
    found = only(lint(ws.root, config_text=cfg), "QLT001")
    assert [f.message for f in found] == ["mae_norm 0.099 is above the maximum 0.09"]
    assert found[0].evidence[0].pointer == "/eval/mae_norm"


def test_qlt001_derives_mae_norm_from_scale(ws: WorkspaceBuilder) -> None:
    doc = final_metrics(mae_raw=12.0)
    del doc["eval"]["mae_norm"]
    ws.run("r1", metrics=doc)
    cfg = "rules:\n  QLT001:\n    max_mae_norm: 0.1\n"
    (f,) = only(lint(ws.root, config_text=cfg), "QLT001")
    assert f.message == "mae_norm 0.12 (mae_raw / target_scale) is above the maximum 0.1"
    assert f.evidence[0].pointer == "/eval/mae_raw"


# -- QLT002 high-error-dimension ------------------------------------------------------------


def test_qlt002_flags_standout_dimension_with_actions(ws: WorkspaceBuilder) -> None:
    ws.run("r1", metrics=final_metrics(dims=dims(nostalgia=24.0, acousticness=11.0)))
    (f,) = only(lint(ws.root, select=["QLT002"]), "QLT002")
    assert f.message.startswith(
        "mae_raw_nostalgia 24 is 3.00x the median 8 of the other 5 dimensions"
    )
    assert f.measurements["dims"] == ["nostalgia"]  # acousticness 11 / 8 = 1.375 < 1.5
    assert f.evidence[0].pointer == "/eval/mae_raw_nostalgia"
    data, knob = f.actions
    assert (data.tier, data.kind, data.value) == (3, "dataset", 200)  # max(200, 0.1 * 1200)
    assert "Add 200 training rows targeting nostalgia" in data.text
    assert (knob.knob, knob.value, knob.text) == (
        "focus_dims",
        ["nostalgia"],
        "FT_FOCUS_DIMS: unset -> nostalgia",
    )


def test_qlt002_rows_scale_with_train_examples(ws: WorkspaceBuilder) -> None:
    metrics = final_metrics(dims=dims(nostalgia=24.0, energy=20.0), train_examples=5000)
    ws.run("r1", metrics=metrics)
    (f,) = only(lint(ws.root, select=["QLT002"]), "QLT002")
    assert f.measurements["dims"] == ["energy", "nostalgia"]
    assert f.actions[0].value == 1000  # 2 dims x max(200, 0.1 * 5000)
    assert f.actions[1].value == ["energy", "nostalgia"]


def test_qlt002_near_miss_and_ratio_param(ws: WorkspaceBuilder) -> None:
    ws.run("r1", metrics=final_metrics(dims=dims(acousticness=11.25)))
    assert only(lint(ws.root, select=["QLT002"]), "QLT002") == []
    cfg = "rules:\n  QLT002:\n    ratio: 1.3\n"
    (f,) = only(lint(ws.root, select=["QLT002"], config_text=cfg), "QLT002")
    assert f.measurements["dims"] == ["acousticness"]
    assert "threshold 1.3x" in f.message


def test_qlt002_uses_parsed_hard_cases_when_no_dimension_metrics(ws: WorkspaceBuilder) -> None:
    doc = final_metrics()
    doc["eval"] = {
        k: v for k, v in doc["eval"].items() if not k.startswith(("mae_raw_", "mae_norm_"))
    }
    rows = []
    for r in range(1, 7):
        pred = {d: 50.0 for d in DIMS}
        target = {d: 52.0 for d in DIMS} | {"nostalgia": 80.0}
        rows.append(vec_case(r, pred, target))
    rows.append(hard_case(7, parse_error="json_block_not_found"))  # placeholder: ignored
    ws.run("r1", metrics=doc, cases=rows)
    (f,) = only(lint(ws.root, select=["QLT002"]), "QLT002")
    assert f.message.startswith("nostalgia mean abs error over 6 parsed hard cases 30 is 15.00x")
    assert f.measurements["source"] == "hard_cases"
    assert f.evidence[0].path == HC.format("r1") and f.evidence[0].line == 1
    assert "under-predicted by 30" in f.actions[0].text


# -- QLT003 quality-regression --------------------------------------------------------------


def by_metric(findings: list[Any]) -> dict[str, Any]:
    return {f.measurements["metric"]: f for f in only(findings, "QLT003")}


def paired_runs(ws: WorkspaceBuilder, base_err: float, cand_err: float, n: int = 8) -> None:
    def rows(err: float) -> list[dict]:
        out = []
        for r in range(1, n + 1):
            e = {d: err + r % 3 for d in DIMS}
            out.append(hard_case(r, abs_error_raw=e, mae_raw=err + r % 3))
        return out

    ws.run("base", metrics=final_metrics(mae_raw=8.0), cases=rows(base_err))
    ws.run("cand", metrics=final_metrics(mae_raw=10.0), cases=rows(cand_err))


def test_qlt003_regression_with_paired_bootstrap(ws: WorkspaceBuilder) -> None:
    paired_runs(ws, 8.0, 11.0)
    found = only(lint(ws.root, select=["QLT003"], baseline="base", candidate="cand"), "QLT003")
    by_key = {f.measurements["metric"]: f for f in found}
    assert set(by_key) == {"mae_raw", *(f"mae_raw_{d}" for d in DIMS)}
    f = by_key["mae_raw"]
    assert f.run == "cand" and f.severity is Severity.ERROR
    assert f.message.startswith(
        "mae_raw 10 vs baseline base 8: +2 (+25.0%), beyond the 2% tolerance; paired "
        "bootstrap over 8 samples in both runs' hard cases (worst rows only): +3, 95% CI [+3, +3]"
    )
    assert [e.location() for e in f.evidence] == [
        "outputs/cand/final_metrics.json#/eval/mae_raw",
        "outputs/base/final_metrics.json#/eval/mae_raw",
    ]
    assert f.measurements["method"] == "paired_bootstrap" and f.measurements["n_paired"] == 8


def test_qlt003_bootstrap_is_deterministic_and_can_include_zero(ws: WorkspaceBuilder) -> None:
    def rows(errs: list[float]) -> list[dict]:
        return [hard_case(r, mae_raw=e, abs_error_raw={}) for r, e in enumerate(errs, 1)]

    ws.run("base", metrics=final_metrics(mae_raw=8.0), cases=rows([5, 9, 2, 8, 7, 1]))
    ws.run("cand", metrics=final_metrics(mae_raw=9.0), cases=rows([9, 3, 6, 4, 9, 3]))
    runs = [lint(ws.root, select=["QLT003"], baseline="base", candidate="cand") for _ in "ab"]
    f = by_metric(runs[0])["mae_raw"]
    assert f.message == by_metric(runs[1])["mae_raw"].message
    assert f.measurements["ci_low"] < 0 < f.measurements["ci_high"]
    assert f.severity is Severity.WARNING
    energy = by_metric(runs[0])["mae_raw_energy"]  # rows carry no per-dimension errors
    assert energy.message.endswith("point estimate only: only 0 shared rows report mae_raw_energy")


def test_qlt003_point_estimate_when_no_shared_rows(ws: WorkspaceBuilder) -> None:
    ws.run("base", metrics=final_metrics(mae_raw=8.0))
    ws.run("cand", metrics=final_metrics(mae_raw=8.5), cases=[hard_case(1)])
    f = by_metric(lint(ws.root, select=["QLT003"], baseline="base", candidate="cand"))["mae_raw"]
    assert f.message == (
        "mae_raw 8.5 vs baseline base 8: +0.5 (+6.2%), beyond the 2% tolerance; point "
        "estimate only: no per-row errors in the hard cases of base"
    )
    assert f.measurements["method"] == "point_estimate"


def test_qlt003_near_miss_tolerance_and_scale_skip(ws: WorkspaceBuilder) -> None:
    ws.run("base", metrics=final_metrics(mae_raw=8.0))
    ws.run("cand", metrics=final_metrics(mae_raw=8.1))  # +1.25% < 2%
    assert only(lint(ws.root, select=["QLT003"], baseline="base", candidate="cand"), "QLT003") == []
    cfg = "rules:\n  QLT003:\n    relative_tolerance: 0.01\n"
    found = lint(ws.root, select=["QLT003"], baseline="base", candidate="cand", config_text=cfg)
    assert len(only(found, "QLT003")) == 7


def test_qlt003_skips_different_target_scales(ws: WorkspaceBuilder) -> None:
    ws.run("base", metrics=final_metrics(mae_raw=0.8, scale=10))
    ws.run("cand", metrics=final_metrics(mae_raw=8.0))
    assert only(lint(ws.root, select=["QLT003"], baseline="base", candidate="cand"), "QLT003") == []


# -- QLT005 source-type-concentration -------------------------------------------------------


def test_qlt005_flags_over_represented_type_with_mix(ws: WorkspaceBuilder) -> None:
    rows = [case(r, source="rule_prompt") for r in range(1, 8)] + [case(8)]
    ws.run("r1", cases=rows)  # source_type_mix request_text:0.7,rule_prompt:0.3
    (f,) = only(lint(ws.root, select=["QLT005"]), "QLT005")
    assert f.message.startswith(
        "rule_prompt is 7 of 8 hard cases (88%) but 30% of the eval set (source_type_mix): "
        "2.92x over-represented (binomial p="
    )
    assert f.evidence[0].pointer == "/source_type_mix"
    assert [e.line for e in f.evidence[1:]] == [1, 2, 3, 4, 5]
    (action,) = f.actions
    assert (action.tier, action.knob, action.value) == (
        3,
        "source_type_mix",
        "request_text:0.41,rule_prompt:0.59",
    )
    assert action.text == (
        "FT_SOURCE_TYPE_MIX: request_text:0.7,rule_prompt:0.3 -> request_text:0.41,rule_prompt:0.59"
    )


def test_qlt005_near_miss_min_count_param(ws: WorkspaceBuilder) -> None:
    rows = [case(r, source="rule_prompt") for r in range(1, 5)] + [case(r) for r in range(5, 9)]
    ws.run("r1", cases=rows)  # 4 of 8 = 50% vs 30%: 1.67x, but only 4 rows
    assert only(lint(ws.root, select=["QLT005"]), "QLT005") == []
    cfg = "rules:\n  QLT005:\n    min_count: 4\n"
    (f,) = only(lint(ws.root, select=["QLT005"], config_text=cfg), "QLT005")
    assert f.measurements["count"] == 4


def test_qlt005_falls_back_to_error_ratio_without_mix(ws: WorkspaceBuilder) -> None:
    rows = [case(r, source="rule_prompt", mae_raw=20.0) for r in range(1, 6)]
    rows += [case(r, mae_raw=5.0) for r in range(6, 12)]
    ws.run("r1", metrics=final_metrics(source_type_mix=None), cases=rows)
    (f,) = only(lint(ws.root, select=["QLT005"]), "QLT005")
    assert f.message == (
        "rule_prompt hard cases have mean row MAE 20, 4.00x the 5 of the other source "
        "types (5 rows; eval-set mix unknown)"
    )
    assert f.evidence[0].line == 1


def test_parse_and_propose_mix() -> None:
    assert parse_mix("request_text:0.6, rule_prompt:0.4") == {
        "request_text": 0.6,
        "rule_prompt": 0.4,
    }
    assert parse_mix({"a": 60, "b": 40}) == {"a": 0.6, "b": 0.4}
    assert parse_mix("a=1,b=3") == {"a": 0.25, "b": 0.75}
    for bad in ("", "a:x", "a:-1,b:2", None, 3, "a"):
        assert parse_mix(bad) is None
    mix = propose_mix({"a": 0.6, "b": 0.4}, {"a": 5 / 24, "b": 19 / 24}, 0.5, 0.05)
    assert mix == {"a": 0.4, "b": 0.6}
    assert sum(mix.values()) == pytest.approx(1.0)
    assert propose_mix({"a": 0.5, "b": 0.5}, {"b": 1.0}, 1.0, 0.1) == {"a": 0.1, "b": 0.9}


# -- QLT006 request-pattern-cluster ---------------------------------------------------------


def test_template_normalisation() -> None:
    same = [
        "Variant-3: calm piano for studying",
        "variant 12 - Calm  piano, for studying!",
        "Calm piano for studying, sample 45",
    ]
    assert {template_key(t) for t in same} == {"calm piano for studying"}
    assert template_key("90s hip hop for 2 people") == "90s hip hop for N people"
    assert template_display("Variant-7: calm piano, sample 3") == "Variant-N: calm piano"


def test_qlt006_reports_cluster_with_samples(ws: WorkspaceBuilder) -> None:
    texts = [
        "Variant-3: calm piano for studying",
        "Heavy metal to get through leg day",
        "Variant-7: Calm piano for studying",
        "calm piano for studying, sample 9",
    ]
    rows = [case(r, text=t) for r, t in enumerate(texts, 1)]
    rows[0]["parse_error"] = "json_block_not_found"
    ws.run("r1", cases=rows)
    (f,) = only(lint(ws.root, select=["QLT006"]), "QLT006")
    assert f.message.startswith(
        '3 of 4 hard cases (75%) share the request template "Variant-N: calm piano for '
        'studying" (1 unparsed; mean row MAE'
    )
    assert f.message.endswith("samples 101, 103, 104")
    assert [(e.line, e.sample_id) for e in f.evidence] == [(1, "101"), (3, "103"), (4, "104")]
    assert f.severity is Severity.WARNING
    assert f.actions[0].value == 30 and f.actions[0].tier == 3


def test_qlt006_near_miss_and_params(ws: WorkspaceBuilder) -> None:
    texts = ["Variant-1: warm jazz", "Variant-2: warm jazz"] + [f"request {c}" for c in "abcdefgh"]
    ws.run("r1", cases=[case(r, text=t) for r, t in enumerate(texts, 1)])
    assert only(lint(ws.root, select=["QLT006"]), "QLT006") == []
    cfg = "rules:\n  QLT006:\n    min_cluster: 2\n    rows_per_case: 25\n"
    (f,) = only(lint(ws.root, select=["QLT006"], config_text=cfg), "QLT006")
    assert f.severity is Severity.INFO  # 2 of 10 < warn_share 0.25
    assert f.actions[0].value == 50


# -- QLT007 worse-than-constant -------------------------------------------------------------


def eval_result(ws: WorkspaceBuilder, name: str, **metrics: float) -> None:
    doc = {
        "dataset_version": "v3",
        "mode": "prompt_baseline",
        "evaluated_count": 80,
        "timestamp": "2026-11-01T10:00:00Z",
        "metrics": {"json_valid_rate": 0.9, "vector_mae": 12.0, "target_scale": 100, **metrics},
    }
    ws.json(f"artifacts/eval/runs/{name}.json", doc)


def test_qlt007_negative_r2(ws: WorkspaceBuilder) -> None:
    eval_result(ws, "e1", r2_score=-0.1)
    eval_result(ws, "e2", r2_score=0.05)
    (f,) = only(lint(ws.root, select=["QLT007"]), "QLT007")
    assert f.run == "e1"
    assert f.message.startswith("r2_score -0.1 < 0: predictions explain less variance")
    assert "(mae_raw 12; mid-scale constant guess about 25)" in f.message
    assert f.evidence[0].location() == "artifacts/eval/runs/e1.json#/metrics/r2_score"


def test_qlt007_mae_no_better_than_mid_scale(ws: WorkspaceBuilder) -> None:
    ws.run("bad", metrics=final_metrics(mae_raw=26.0))
    ws.run("ok", metrics=final_metrics(mae_raw=24.0))
    (f,) = only(lint(ws.root, select=["QLT007"]), "QLT007")
    assert f.run == "bad"
    assert f.message == (
        "mae_raw 26 >= 25, the estimated MAE of always predicting mid-scale "
        "(0.25 x target_scale 100, uniform targets)"
    )
    assert f.evidence[0].pointer == "/eval/mae_raw"
    cfg = "rules:\n  QLT007:\n    constant_mae_factor: 0.2\n"
    assert {f.run for f in only(lint(ws.root, config_text=cfg), "QLT007")} == {"bad", "ok"}


# -- QLT008 prediction-collapse -------------------------------------------------------------


def test_qlt008_constant_predictions(ws: WorkspaceBuilder) -> None:
    rows = []
    for r in range(1, 11):
        target = {d: 40.0 + 3 * r for d in DIMS}
        pred = {d: 40.0 + 3 * r + (r % 3) for d in DIMS} | {"nostalgia": 55.0}
        rows.append(vec_case(r, pred, target))
    ws.run("r1", cases=rows)
    (f,) = only(lint(ws.root, select=["QLT008"]), "QLT008")
    assert f.measurements["kind"] == "collapse" and f.measurements["dim"] == "nostalgia"
    assert f.message.startswith(
        "nostalgia predictions are near-constant over 10 parsed hard cases: std 0 around 55"
    )
    assert f.evidence[0].path == HC.format("r1") and f.evidence[0].line is not None


def test_qlt008_ignores_placeholder_rows(ws: WorkspaceBuilder) -> None:
    rows = [hard_case(r, parse_error="json_block_not_found") for r in range(1, 21)]
    ws.run("r1", cases=rows)  # every prediction is the mid-scale placeholder
    assert only(lint(ws.root, select=["QLT008"]), "QLT008") == []


def test_qlt008_one_sided_bias_and_near_miss(ws: WorkspaceBuilder) -> None:
    def rows(flip: int) -> list[dict]:
        out = []
        for r in range(1, 11):
            target = {d: 30.0 + 5 * r for d in DIMS}
            pred = {d: target[d] + (r % 4 - 1.5) * 8 for d in DIMS}
            pred["warmth"] = target["warmth"] + (5.0 if r <= flip else -30.0)
            out.append(vec_case(r, pred, target))
        return out

    ws.run("biased", cases=rows(flip=0))
    ws.run("mixed", cases=rows(flip=3))  # mean -19.5, but only 7 of 10 low (< 0.8)
    found = only(lint(ws.root, select=["QLT008"]), "QLT008")
    assert [(f.run, f.measurements["kind"], f.measurements["dim"]) for f in found] == [
        ("biased", "bias", "warmth")
    ]
    assert found[0].message.startswith(
        "warmth is under-predicted in 10 of 10 parsed hard cases: mean error -30"
    )
    assert "high warmth targets" in found[0].actions[0].text


def test_qlt008_min_rows(ws: WorkspaceBuilder) -> None:
    rows = []
    for r in range(1, 6):
        target = {d: 30.0 + 5 * r for d in DIMS}
        rows.append(vec_case(r, {d: 10.0 for d in DIMS}, target))
    ws.run("r1", cases=rows)
    assert only(lint(ws.root, select=["QLT008"]), "QLT008") == []
    cfg = "rules:\n  QLT008:\n    min_rows: 5\n"
    assert len(only(lint(ws.root, select=["QLT008"], config_text=cfg), "QLT008")) == 12


# -- the shipped example workspace ----------------------------------------------------------


@pytest.fixture(scope="module")
def examples() -> list[Any]:
    return lint(
        REPO / "examples",
        select=["QLT001", "QLT002", "QLT003", "QLT005", "QLT006", "QLT007", "QLT008"],
        baseline="sft-c1-baseline",
        candidate="sft-c2-candidate",
    )


def test_examples_high_error_dimension(examples: list[Any]) -> None:
    (f,) = only(examples, "QLT002")
    assert f.run == "sft-c2-candidate"
    assert f.measurements["dims"] == ["nostalgia"]  # not acousticness (11.25)
    assert f.message.startswith("mae_raw_nostalgia 24.21 is 2.93x the median 8.25")
    assert f.actions[1].value == ["nostalgia"]


def test_examples_regression(examples: list[Any]) -> None:
    found = {f.measurements["metric"]: f for f in only(examples, "QLT003")}
    assert set(found) == {"mae_raw", "mae_raw_energy", "mae_raw_acousticness", "mae_raw_nostalgia"}
    mae = found["mae_raw"]
    assert mae.message.startswith("mae_raw 11.38 vs baseline sft-c1-baseline 8.99: +2.388 (+26.6%)")
    assert mae.measurements["n_paired"] == 5 and mae.measurements["ci_low"] > 0


def test_examples_source_type_and_clusters(examples: list[Any]) -> None:
    (f,) = only(examples, "QLT005", "sft-c2-candidate")
    assert f.message.startswith("rule_prompt is 19 of 24 hard cases (79%) but 40% of the eval set")
    assert f.actions[0].value == "request_text:0.4,rule_prompt:0.6"
    assert only(examples, "QLT005", "sft-c1-baseline") == []
    top = only(examples, "QLT006", "sft-c2-candidate")[0]
    assert top.measurements["template"] == "Variant-N: calm piano for studying"
    assert top.measurements["count"] == 9 and top.severity is Severity.WARNING


def test_examples_constant_and_bias(examples: list[Any]) -> None:
    (f,) = only(examples, "QLT007")
    assert f.run == "20250312T131807Z_prompt_baseline"
    assert f.message.startswith("r2_score -0.2357 < 0")
    (bias,) = only(examples, "QLT008")
    assert (bias.run, bias.measurements["dim"], bias.measurements["kind"]) == (
        "sft-c2-candidate",
        "nostalgia",
        "bias",
    )
    assert only(examples, "QLT001") == []


def test_rules_are_registered() -> None:
    from ftlint.plugins import build_plugins

    codes = {c.code for c in build_plugins(use_entry_points=False).rule_classes()}
    assert {"QLT001", "QLT002", "QLT003", "QLT005", "QLT006", "QLT007", "QLT008"} <= codes


def test_paths_are_relative(examples: list[Any]) -> None:
    for f in examples:
        assert all(not Path(e.path).is_absolute() for e in f.evidence)


# -- shared pass, limits and hostile rows ---------------------------------------------------


def bias_rows(n: int = 10) -> list[dict]:
    rows = []
    for r in range(1, n + 1):
        target = {d: 30.0 + 5 * r for d in DIMS}
        pred = dict(target) | {"nostalgia": target["nostalgia"] - 40.0}
        rows.append(vec_case(r, pred, target))
    return rows


def test_qlt002_and_qlt008_share_one_collector(ws: WorkspaceBuilder) -> None:
    doc = final_metrics()
    doc["eval"] = {
        k: v for k, v in doc["eval"].items() if not k.startswith(("mae_raw_", "mae_norm_"))
    }
    ws.run("r1", metrics=doc, cases=bias_rows())
    alone = [lint(ws.root, select=[code]) for code in ("QLT002", "QLT008")]
    both = lint(ws.root, select=["QLT002", "QLT008"])
    assert sorted(f.message for f in both) == sorted(f.message for f in alone[0] + alone[1])
    assert codes(both) == ["QLT002", "QLT008"]
    assert only(both, "QLT008")[0].measurements["count"] == 10
    assert only(both, "QLT002")[0].measurements["dims"] == ["nostalgia"]


def test_qlt003_whole_eval_set_and_row_cap(ws: WorkspaceBuilder) -> None:
    paired_runs(ws, 8.0, 11.0, n=8)
    for name in ("base", "cand"):  # the hard cases are the whole 8-row eval set
        path = ws.root / FM.format(name)
        doc = json.loads(path.read_text())
        doc["valid_examples"] = 8
        path.write_text(json.dumps(doc))
    found = by_metric(lint(ws.root, select=["QLT003"], baseline="base", candidate="cand"))
    assert "paired bootstrap over the whole eval set: +3" in found["mae_raw"].message
    cfg = "rules:\n  QLT003:\n    max_paired_rows: 4\n"
    capped = lint(ws.root, select=["QLT003"], baseline="base", candidate="cand", config_text=cfg)
    assert by_metric(capped)["mae_raw"].message.endswith(
        "point estimate only: base has more than 4 hard-case rows (max_paired_rows)"
    )


def test_qlt006_bounded_templates_give_lower_bounds(ws: WorkspaceBuilder) -> None:
    texts = [f"unique request {chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(150)]
    texts += ["Variant-1: calm piano", "Variant-2: calm piano", "Variant-3: calm piano"]
    ws.run("r1", cases=[case(r, text=t) for r, t in enumerate(texts, 1)])
    cfg = "rules:\n  QLT006:\n    max_templates: 100\n"
    (f,) = only(lint(ws.root, select=["QLT006"], config_text=cfg), "QLT006")
    assert f.message.startswith("at least 3 of 153 hard cases (2%) share the request template")
    assert f.measurements["approximate"] is True


def test_hostile_rows_do_not_crash(ws: WorkspaceBuilder) -> None:
    weird: list[Any] = ["high", None, True, [1], {"x": 1}, float("nan"), 1e308 * 10]
    rows = []
    for r in range(1, 15):
        row = hard_case(r, source_type=["a", None, ""][r % 3], request_text=None if r % 4 else "")
        value = weird[r % len(weird)]
        row["predicted_vector"]["nostalgia"] = value
        row["target_vector"]["energy"] = value
        row["abs_error_raw"]["warmth"] = value
        row["abs_error_raw"]["extra_dim"] = value
        rows.append(row)
    ws.run("base", cases=rows)
    ws.run("cand", metrics=final_metrics(mae_raw=9.0), cases=rows)
    found = lint(
        ws.root,
        select=["QLT001", "QLT002", "QLT003", "QLT005", "QLT006", "QLT007", "QLT008"],
        baseline="base",
        candidate="cand",
    )
    assert "FTL001" not in codes(found), [f.message for f in found if f.rule == "FTL001"]


def test_qlt006_ignores_clusters_no_bigger_than_chance(ws: WorkspaceBuilder) -> None:
    """Hard cases spread evenly over a few templates are not a cluster; a dominant one is."""
    even = [
        f"Variant-{i}: {name}"
        for i in range(4)
        for name in ("calm piano", "warm jazz", "lofi beats")
    ]
    ws.run("r1", cases=[case(r, text=t) for r, t in enumerate(even, 1)])
    assert only(lint(ws.root, select=["QLT006"]), "QLT006") == []
    off = "rules:\n  QLT006:\n    min_lift: 0\n"
    assert len(only(lint(ws.root, select=["QLT006"], config_text=off), "QLT006")) == 3
    skewed = even + [f"Variant-{i}: calm piano" for i in range(5, 12)]
    ws.run("r2", cases=[case(r, text=t) for r, t in enumerate(skewed, 1)])
    (f,) = only(lint(ws.root, select=["QLT006"]), "QLT006", "r2")
    assert "calm piano" in f.message and f.measurements["lift"] > 1.5


def _template_key_reference(text: str) -> str:
    """template_key before its per-template memo (the oracle for the test below)."""
    from ftlint.rules.quality import request_pattern_cluster as q

    lower = text.lower()
    words = q._WORD.findall(q._strip_suffix(lower, lower))
    if not q._DIGIT.search(lower):
        return " ".join(words)
    out: list[str] = []
    for w in words:
        if w.isdigit():
            if out and out[-1] in q._VARIANT_WORDS:
                out.pop()
                continue
            w = "N"
        out.append(w)
    return " ".join(out)


_REQUEST_PARTS = [
    "sample",
    "Variant",
    "-",
    " ",
    "7",
    "12",
    "\u00b2",
    "(",
    ")",
    "item",
    "calm",
    "piano",
    ",",
    "#",
    "\u0661",
    "_",
    "row",
]  # fmt: skip  (superscript 2, Arabic-Indic 1)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_REQUEST_PARTS), max_size=12).map("".join))
def test_template_key_memo_changes_nothing(text: str) -> None:
    from ftlint.rules.quality.request_pattern_cluster import template_key

    assert template_key(text) == _template_key_reference(text)
