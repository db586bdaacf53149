"""Promotion gates: the verdict math, the policy from rules.yaml, preconditions, rollback."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from ftlint.analysis.stats import mcnemar_exact
from ftlint.config.reference import starter_config
from ftlint.config.settings import load_config
from ftlint.errors import FtlintError
from ftlint.gates.decide import evaluate
from ftlint.gates.policy import DEFAULT_CHECKS, GateConfigError, gate_policy
from ftlint.gates.results import RowResults, Verdict
from ftlint.model import Category, Evidence, Finding, Metric, Provenance, Run, Severity
from ftlint.plugins import build_plugins

EV = Evidence("outputs/x/final_metrics.json", pointer="/eval/json_valid_rate")


def run(
    name: str,
    json_valid: float | None,
    n: int | None,
    *,
    mae: float | None = 8.0,
    adapter: str | None = None,
    **metrics: float,
) -> Run:
    values: dict[str, float] = dict(metrics)
    if json_valid is not None:
        values["json_valid_rate"] = json_valid
        values["parse_error_rate"] = round(1 - json_valid, 10)
    if mae is not None:
        values["mae_raw"] = mae
    return Run(
        name=name,
        provenance=Provenance(eval_size=n, adapter=adapter or f"acme/{name}"),
        metrics={k: Metric(v, EV) for k, v in values.items()},
    )


def by_id(report, gate_id: str):
    return next(r for r in report.results if r.gate_id == gate_id)


def finding(rule: str, run_name: str, severity=Severity.ERROR, suppressed=False) -> Finding:
    name = {"PRV001": "incomparable-pair", "PRV003": "fallback-contamination"}.get(rule, "x")
    return Finding(
        rule=rule,
        name=name,
        severity=severity,
        category=Category.PROVENANCE,
        run=run_name,
        message=f"{rule} says no",
        fingerprint=rule,
        suppressed=suppressed,
    )


DEFAULTS = gate_policy(None)
MARGINS_ONLY = gate_policy(
    [
        {"metric": "json_valid_rate", "margin": 0.01},
        {"metric": "parse_error_rate", "margin": 0.01},
    ]
)


# ----------------------------------------------------------------- the required scenarios


@pytest.mark.parametrize(("base", "cand"), [(0.992, 0.990), (0.990, 0.992)])
def test_0990_vs_0992_on_1000_rows_passes_non_inferiority(base: float, cand: float) -> None:
    report = evaluate(run("b", base, 1000), run("c", cand, 1000), [], DEFAULTS)
    gate = by_id(report, "json_valid_rate:non-inferiority")
    assert gate.verdict is Verdict.PASS
    m = gate.measurements
    assert m["bound"] > -0.01  # the worst case is within the margin
    if cand < base:
        assert m["bound"] == pytest.approx(-0.009515, abs=1e-5)
    assert by_id(report, "parse_error_rate:non-inferiority").verdict is Verdict.PASS
    assert by_id(report, "json_valid_rate:min").verdict is Verdict.PASS
    assert report.overall is Verdict.PASS and report.passed


@pytest.mark.parametrize(("base", "cand"), [(0.85, 0.84), (0.84, 0.85)])
def test_085_vs_084_on_80_rows_is_inconclusive(base: float, cand: float) -> None:
    report = evaluate(run("b", base, 80), run("c", cand, 80), [], MARGINS_ONLY)
    for gate_id in ("json_valid_rate:non-inferiority", "parse_error_rate:non-inferiority"):
        gate = by_id(report, gate_id)
        assert gate.verdict is Verdict.INCONCLUSIVE, gate.detail
        assert gate.measurements["p_value"] > 0.05
        assert "not a whole count" in gate.detail  # 0.84 x 80 = 67.2 rows
    assert report.overall is Verdict.INCONCLUSIVE
    assert not report.passed  # INCONCLUSIVE fails by default
    # the same numbers also miss the default absolute minimum of 0.98 (Wilson upper < 0.98)
    full = evaluate(run("b", base, 80), run("c", cand, 80), [], DEFAULTS)
    assert by_id(full, "json_valid_rate:min").verdict is Verdict.FAIL
    assert full.overall is Verdict.FAIL


def test_inconclusive_pass_policy_lets_inconclusive_exit_0() -> None:
    policy = gate_policy(
        {"inconclusive": "pass", "checks": [{"metric": "json_valid_rate", "margin": 0.01}]}
    )
    report = evaluate(run("b", 0.85, 80), run("c", 0.84, 80), [], policy)
    assert report.overall is Verdict.INCONCLUSIVE and report.passed
    assert "accepted by gates.inconclusive: pass" in report.summary


def test_example_numbers_fail_every_format_gate() -> None:
    report = evaluate(run("b", 0.9875, 80), run("c", 0.8125, 80, mae=11.38), [], DEFAULTS)
    ni = by_id(report, "json_valid_rate:non-inferiority")
    assert ni.verdict is Verdict.FAIL
    assert ni.measurements["z"] == pytest.approx(-3.69, abs=0.01)
    assert ni.measurements["p_value"] == pytest.approx(1.1e-4, rel=0.05)
    assert "65/80" in ni.detail and "79/80" in ni.detail
    assert by_id(report, "parse_error_rate:non-inferiority").verdict is Verdict.FAIL
    minimum = by_id(report, "json_valid_rate:min")
    assert minimum.verdict is Verdict.FAIL
    assert minimum.measurements["wilson_upper"] < 0.98
    assert report.format_blocked and report.overall is Verdict.FAIL and not report.passed


def test_failed_format_gate_blocks_whatever_quality_says() -> None:
    # quality improves a lot, format regresses
    report = evaluate(run("b", 0.99, 1000, mae=10.0), run("c", 0.90, 1000, mae=5.0), [], DEFAULTS)
    mae = by_id(report, "mae_raw:non-inferiority")
    assert mae.verdict is Verdict.PASS and mae.provisional
    assert report.overall is Verdict.FAIL and report.format_blocked
    assert "format gate failed" in report.summary
    # format results come first
    categories = [r.category for r in report.results]
    assert categories == sorted(categories, key=lambda c: c != "format")


# ----------------------------------------------------------------- rates: other cases


def test_significantly_worse_but_within_margin_passes() -> None:
    report = evaluate(run("b", 0.995, 100_000), run("c", 0.990, 100_000), [], MARGINS_ONLY)
    gate = by_id(report, "json_valid_rate:non-inferiority")
    assert gate.verdict is Verdict.PASS
    assert gate.measurements["p_value"] < 0.05
    assert "significantly worse" in gate.detail and "less than the margin" in gate.detail


def test_rate_maximum_gate() -> None:
    policy = gate_policy([{"metric": "parse_error_rate", "max": 0.05}])
    ok = evaluate(None, run("c", 0.999, 2000), [], policy)
    assert by_id(ok, "parse_error_rate:max").verdict is Verdict.PASS
    bad = evaluate(None, run("c", 0.80, 200), [], policy)
    assert by_id(bad, "parse_error_rate:max").verdict is Verdict.FAIL
    unsure = evaluate(None, run("c", 0.95, 80), [], policy)
    assert by_id(unsure, "parse_error_rate:max").verdict is Verdict.INCONCLUSIVE


def test_perfect_small_sample_cannot_prove_the_minimum() -> None:
    report = evaluate(run("b", 1.0, 50), run("c", 1.0, 50), [], DEFAULTS)
    gate = by_id(report, "json_valid_rate:min")
    assert gate.verdict is Verdict.INCONCLUSIVE
    assert gate.measurements["wilson_lower"] < 0.98


def test_missing_values_are_inconclusive() -> None:
    no_size = evaluate(run("b", 0.99, None), run("c", 0.99, 1000), [], MARGINS_ONLY)
    assert by_id(no_size, "json_valid_rate:non-inferiority").verdict is Verdict.INCONCLUSIVE
    assert "eval size of b unknown" in by_id(no_size, "json_valid_rate:non-inferiority").detail
    missing = evaluate(run("b", 0.99, 100), run("c", None, 100), [], MARGINS_ONLY)
    gate = by_id(missing, "json_valid_rate:non-inferiority")
    assert gate.verdict is Verdict.INCONCLUSIVE and "missing from candidate c" in gate.detail
    no_base = evaluate(None, run("c", 0.999, 5000), [], DEFAULTS)
    assert by_id(no_base, "json_valid_rate:non-inferiority").verdict is Verdict.INCONCLUSIVE
    assert by_id(no_base, "json_valid_rate:min").verdict is Verdict.PASS
    # nothing is promoted on an INCONCLUSIVE verdict: no rollback criteria, keep what serves
    assert no_base.rollback == ()
    assert no_base.decision is not None and not no_base.decision.promote
    assert no_base.decision.keep == "the model in production"


# ----------------------------------------------------------------- paired per-row results


def rows(name: str, parsed: list[bool], errors: list[float] | None = None) -> RowResults:
    errs = errors or [1.0] * len(parsed)
    return RowResults(
        name,
        len(parsed),
        True,
        {f"s{i}": (ok, e) for i, (ok, e) in enumerate(zip(parsed, errs, strict=True))},
    )


def test_exact_mcnemar_when_complete_rows_pair_up() -> None:
    n = 40
    base = [True] * n
    cand = [True] * n
    for i in range(6):  # six rows the baseline parsed and the candidate did not
        cand[i] = False
    per_row = {"b": rows("b", base), "c": rows("c", cand)}
    report = evaluate(run("b", 1.0, n), run("c", 34 / 40, n), [], MARGINS_ONLY, per_row)
    gate = by_id(report, "json_valid_rate:non-inferiority")
    assert gate.method == "newcombe+mcnemar"
    assert gate.measurements["discordant_worse"] == 6
    assert gate.measurements["discordant_better"] == 0
    assert gate.measurements["p_value"] == pytest.approx(mcnemar_exact(6, 0, "greater"))
    assert gate.verdict is Verdict.FAIL
    assert not report.notes or "pairing" not in report.notes[0]


def test_rows_that_contradict_the_reported_rate_are_not_paired() -> None:
    per_row = {"b": rows("b", [True] * 40), "c": rows("c", [True] * 40)}
    report = evaluate(run("b", 1.0, 40), run("c", 0.85, 40), [], MARGINS_ONLY, per_row)
    gate = by_id(report, "json_valid_rate:non-inferiority")
    assert gate.method == "newcombe+two-proportion"
    assert any("disagree with its json_valid_rate" in n for n in report.notes)


def test_top_k_hard_cases_say_pairing_is_impossible() -> None:
    per_row = {
        "b": RowResults("b", 16, False, reason="hard cases are top-k only (16 of 80 rows)"),
        "c": RowResults("c", 24, False, reason="hard cases are top-k only (24 of 80 rows)"),
    }
    report = evaluate(run("b", 0.9875, 80), run("c", 0.8125, 80), [], DEFAULTS, per_row)
    assert any("pairing is not possible" in n and "24 of 80" in n for n in report.notes)
    assert by_id(report, "json_valid_rate:non-inferiority").method == "newcombe+two-proportion"
    mae = by_id(report, "mae_raw:non-inferiority")
    assert mae.method == "point-estimate" and "point estimate only" in mae.detail


def test_mae_bootstrap_with_per_row_errors() -> None:
    n = 60
    base_err = [8.0 + (i % 5) for i in range(n)]
    same = {"b": rows("b", [True] * n, base_err), "c": rows("c", [True] * n, list(base_err))}
    mean = sum(base_err) / n
    report = evaluate(run("b", 1.0, n, mae=mean), run("c", 1.0, n, mae=mean), [], DEFAULTS, same)
    gate = by_id(report, "mae_raw:non-inferiority")
    assert gate.method == "bootstrap" and gate.verdict is Verdict.PASS
    worse_err = [e + 2.0 for e in base_err]
    worse = {"b": same["b"], "c": rows("c", [True] * n, worse_err)}
    report = evaluate(
        run("b", 1.0, n, mae=mean), run("c", 1.0, n, mae=mean + 2), [], DEFAULTS, worse
    )
    gate = by_id(report, "mae_raw:non-inferiority")
    assert gate.method == "bootstrap" and gate.verdict is Verdict.FAIL
    assert gate.measurements["interval_low"] > 0


def test_mae_point_estimate_tolerance() -> None:
    within = evaluate(run("b", 0.99, 100, mae=10.0), run("c", 0.99, 100, mae=10.15), [], DEFAULTS)
    assert by_id(within, "mae_raw:non-inferiority").verdict is Verdict.PASS
    beyond = evaluate(run("b", 0.99, 100, mae=10.0), run("c", 0.99, 100, mae=10.25), [], DEFAULTS)
    gate = by_id(beyond, "mae_raw:non-inferiority")
    assert gate.verdict is Verdict.FAIL
    assert gate.measurements["limit"] == pytest.approx(10.2)
    assert "+2.5%" in gate.detail


# ----------------------------------------------------------------- preconditions


def test_incomparable_pair_cannot_pass() -> None:
    policy = gate_policy({"inconclusive": "pass"})
    found = [finding("PRV001", "c")]
    report = evaluate(run("b", 0.999, 5000), run("c", 0.999, 5000), found, policy)
    pre = by_id(report, "comparable-pair")
    assert pre.verdict is Verdict.FAIL and pre.category == "precondition"
    assert "PRV001 says no" in pre.detail
    gate = by_id(report, "json_valid_rate:non-inferiority")
    assert gate.verdict is Verdict.INCONCLUSIVE and "incomparable" in gate.detail
    assert report.overall is Verdict.FAIL and not report.passed
    assert report.results[0].category == "precondition"


def test_contaminated_eval_cannot_pass() -> None:
    found = [finding("PRV003", "c")]
    report = evaluate(run("b", 0.999, 5000), run("c", 0.999, 5000), found, DEFAULTS)
    assert by_id(report, "uncontaminated-eval").verdict is Verdict.FAIL
    assert report.overall is Verdict.FAIL


def test_preconditions_ignore_suppressed_info_and_other_runs() -> None:
    found = [
        finding("PRV001", "c", suppressed=True),
        finding("PRV001", "c", severity=Severity.INFO),
        finding("PRV003", "some-other-eval"),
    ]
    report = evaluate(run("b", 0.999, 5000), run("c", 0.999, 5000), found, DEFAULTS)
    assert report.overall is Verdict.PASS


def test_unchecked_preconditions_are_noted() -> None:
    report = evaluate(
        run("b", 0.999, 5000), run("c", 0.999, 5000), [], DEFAULTS, checked_rules=["FMT001"]
    )
    assert any("PRV001 did not run" in n for n in report.notes)


# ----------------------------------------------------------------- rollback


def test_rollback_names_metric_trigger_and_baseline_adapter() -> None:
    # rollback criteria belong to a promotion: this candidate passes every gate
    report = evaluate(
        run("b", 0.9875, 8000, mae=8.99, adapter="acme/sft-c1"),
        run("c", 0.995, 8000, mae=8.9),
        [],
        DEFAULTS,
    )
    assert report.overall is Verdict.PASS
    assert report.decision is not None and report.decision.promote
    assert report.decision.target == "acme/c" and report.decision.keep == "acme/sft-c1"
    texts = [r.text for r in report.rollback]
    assert all(r.adapter == "acme/sft-c1" for r in report.rollback)
    assert any(
        "json_valid_rate below 0.9775 (more than 0.01 below the baseline's 0.9875)" in t
        for t in texts
    )
    assert any("json_valid_rate below 0.98" in t for t in texts)
    assert any("mae_raw above 9.17 (more than 2% over the baseline's 8.99)" in t for t in texts)
    assert all(t.startswith("roll back to acme/sft-c1 if ") for t in texts)


# ----------------------------------------------------------------- policy


def test_policy_defaults_and_forms() -> None:
    assert [(s.metric, s.kind) for s in DEFAULTS.specs] == [
        ("json_valid_rate", "relative"),
        ("parse_error_rate", "relative"),
        ("json_valid_rate", "min"),
        ("mae_raw", "relative"),
    ]
    assert DEFAULTS.inconclusive == "fail" and DEFAULTS.source == "defaults"
    listed = gate_policy([{"metric": "mae_raw", "tolerance": 0.05}])
    assert listed.specs[0].direction == "lower" and listed.specs[0].category == "quality"
    both = gate_policy(
        {"alpha": 0.1, "checks": [{"metric": "json_valid_rate", "margin": 0.02, "min": 0.9}]}
    )
    assert [s.kind for s in both.specs] == ["relative", "min"]
    assert all(s.alpha == 0.1 and s.direction == "higher" for s in both.specs)
    assert gate_policy({"inconclusive": "pass"}).specs == DEFAULTS.specs


def test_both_margin_and_tolerance_use_the_stricter() -> None:
    policy = gate_policy([{"metric": "mae_raw", "margin": 1.0, "tolerance": 0.02}])
    report = evaluate(run("b", 0.99, 100, mae=10.0), run("c", 0.99, 100, mae=10.5), [], policy)
    gate = by_id(report, "mae_raw:non-inferiority")
    assert gate.measurements["allowed"] == pytest.approx(0.2)
    assert gate.verdict is Verdict.FAIL


@pytest.mark.parametrize(
    ("section", "pointer", "message"),
    [
        ([{"metric": "weird_metric", "min": 1}], "/gates/0", "add direction: higher|lower"),
        ({"checks": [{"metric": "mae_raw"}]}, "/gates/checks/0", "sets no threshold"),
    ],
)
def test_policy_errors_have_pointers(section, pointer: str, message: str) -> None:
    with pytest.raises(GateConfigError) as info:
        gate_policy(section)
    assert info.value.pointer == pointer and message in str(info.value)


def _bind(path: Path):
    config = load_config(path)
    built = build_plugins(use_entry_points=False)
    return config.bind_rules(built.rule_classes(), built.config_schemas())


def test_gates_section_is_schema_validated_with_lines(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        "gates:\n  inconclusive: maybe\n  checks:\n    - metric: mae_raw\n      tolerence: 0.02\n",
        encoding="utf-8",
    )
    with pytest.raises(FtlintError) as info:
        _bind(path)
    text = str(info.value)
    assert f"{path}:2:" in text and "maybe" in text
    assert f"{path}:5:" in text and "tolerence" in text
    path.write_text("gates:\n  inconclusive: pass\n", encoding="utf-8")
    config = _bind(path)
    assert gate_policy(config.plugin_section("gates")).inconclusive == "pass"


def test_starter_gates_block_uncommented_is_the_defaults() -> None:
    text = starter_config(build_plugins(use_entry_points=False).rule_classes())
    lines = text.splitlines()
    start = lines.index("# gates:")
    block = []
    for line in lines[start:]:
        if not line.startswith("#"):
            break
        block.append(line[2:])
    section = yaml.safe_load("\n".join(block))["gates"]
    policy = gate_policy(section)
    assert policy.specs == DEFAULTS.specs
    assert [dict(c) for c in section["checks"]] == [dict(c) for c in DEFAULT_CHECKS]


def test_to_dict_is_json_safe() -> None:
    report = evaluate(run("b", 0.99, 100, mae=0.0), run("c", 0.99, 100, mae=1.0), [], DEFAULTS)
    doc = report.to_dict()
    rel = next(g for g in doc["gates"] if g["id"] == "mae_raw:non-inferiority")
    assert rel["measurements"]["relative"] == "inf"
    assert not any(isinstance(v, float) and math.isnan(v) for v in rel["measurements"].values())
