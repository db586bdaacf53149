"""`ftlint gate` never passes on contested evidence (issue 15, item 2).

A gated metric whose own run contradicts it (two sources disagree, a duplicated key, an
impossible value, an overall mean outside its per-dimension values) makes the gate
INCONCLUSIVE, or FAIL when every value the evidence allows fails; byte-identical
artifacts under two run names make the pair's gate INCONCLUSIVE. Each scenario goes
through the real CLI; a near miss with consistent evidence still passes.
"""

from __future__ import annotations

import importlib.resources
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from helpers import DIMS, Result, WorkspaceBuilder, final_metrics, hard_case

from ftlint.gates.contested import contest
from ftlint.gates.decide import Verdict, evaluate, gate_policy
from ftlint.model import Conflict, Evidence, Metric, Problem, Provenance, Run

WANDB = "wandb/run-20261101_100203-abc123/files"
N = 1000  # eval rows: large enough that the reported numbers alone would pass


def _metrics(**kw: Any) -> dict[str, Any]:
    return final_metrics(valid_examples=N, **kw)


def _wandb(ws: WorkspaceBuilder, run: str, summary: dict[str, Any]) -> None:
    """A W&B run folder (online layout) naming `run`, with the given summary."""
    ws.json(f"{WANDB}/wandb-summary.json", {**summary, "_step": 120})
    ws.write(f"{WANDB}/config.yaml", f"HF_FT_RUN_NAME:\n  value: {run}\n")


def _pair(ws: WorkspaceBuilder, cand: dict[str, Any], base: dict[str, Any] | None = None) -> None:
    cases = [hard_case(i) for i in range(1, 5)]
    ws.run("base", metrics=base or _metrics(json_valid_rate=0.99, mae_raw=8.5), cases=cases)
    ws.run("cand", metrics=cand, cases=cases)


def wandb_disagrees(ws: WorkspaceBuilder) -> None:
    _pair(ws, _metrics(json_valid_rate=0.995, mae_raw=8.5))
    _wandb(ws, "cand", {"eval/json_valid_rate": 0.5, "eval/parse_error_rate": 0.5})


def eval_size_disagrees(ws: WorkspaceBuilder) -> None:
    _pair(ws, _metrics(json_valid_rate=0.995, mae_raw=8.5))
    _wandb(ws, "cand", {"eval/json_valid_rate": 0.995, "eval/evaluated_count": 80})


def dims_contradict_overall(ws: WorkspaceBuilder) -> None:
    doc = _metrics(json_valid_rate=0.995, mae_raw=40)
    doc["eval"]["mae_raw"] = 8.5
    _pair(ws, doc)


def negative_mae(ws: WorkspaceBuilder) -> None:
    doc = _metrics(json_valid_rate=0.995, mae_raw=8.5)
    doc["eval"]["mae_raw"] = -3.0
    _pair(ws, doc)


def rate_above_one(ws: WorkspaceBuilder) -> None:
    doc = _metrics(json_valid_rate=0.995, mae_raw=8.5)
    doc["eval"]["json_valid_rate"] = 1.2
    _pair(ws, doc)


def duplicated_key(ws: WorkspaceBuilder) -> None:
    _pair(ws, _metrics(json_valid_rate=0.995, mae_raw=8.5))
    path = ws.root / "outputs/cand/final_metrics.json"
    text = path.read_text(encoding="utf-8")
    kept = '"json_valid_rate": 0.5,\n    "json_valid_rate": 0.995,'
    path.write_text(text.replace('"json_valid_rate": 0.995,', kept, 1), encoding="utf-8")


def copy_of_baseline(ws: WorkspaceBuilder) -> None:
    _pair(ws, _metrics(json_valid_rate=0.99, mae_raw=8.5))
    for name in ("final_metrics.json", "hard_cases.valid.jsonl"):
        base = (ws.root / "outputs/base" / name).read_bytes()
        (ws.root / "outputs/cand" / name).write_bytes(base)


def consistent(ws: WorkspaceBuilder) -> None:
    """The near miss: W&B agrees with final_metrics.json, the per-dim means with the mean."""
    _pair(ws, _metrics(json_valid_rate=0.995, dims={d: 6.0 + i for i, d in enumerate(DIMS)}))
    _wandb(ws, "cand", {"eval/json_valid_rate": 0.995, "eval/parse_error_rate": 0.005})


SCENARIOS: list[tuple[str, Callable[[WorkspaceBuilder], None], str, tuple[str, ...]]] = [
    (
        "wandb-summary-0.5-vs-final-0.995",
        wandb_disagrees,
        "json_valid_rate",
        ("sources disagree on json_valid_rate", "wandb-summary.json", "final_metrics.json"),
    ),
    (
        "eval-size-1000-vs-80",
        eval_size_disagrees,
        "json_valid_rate",
        ("sources disagree on the eval size", "80 in wandb/", "1000 in outputs/cand/"),
    ),
    (
        "per-dim-40-vs-overall-8.5",
        dims_contradict_overall,
        "mae_raw",
        ("below the smallest of its 6 per-dimension values", "outputs/cand/final_metrics.json"),
    ),
    ("negative-mae", negative_mae, "mae_raw", ("mae_raw -3", "is impossible")),
    (
        "rate-above-1",
        rate_above_one,
        "json_valid_rate",
        ("eval.json_valid_rate: 1.2 is out of range", "rejected as impossible"),
    ),
    (
        "duplicated-key",
        duplicated_key,
        "json_valid_rate",
        ("appears more than once in outputs/cand/final_metrics.json:", "first value (0.5)"),
    ),
    (
        "copy-of-baseline",
        copy_of_baseline,
        "PRV011",
        (
            "the candidate's artifacts are a copy of the baseline's",
            "outputs/base/final_metrics.json",
        ),
    ),
]


@cache
def _schema_validator() -> Any:
    from jsonschema import validators

    text = importlib.resources.files("ftlint.schemas").joinpath("gate.schema.json").read_text()
    schema = json.loads(text)
    return validators.validator_for(schema)(schema)


def _gate(cli: Callable[..., Result], root: Path) -> Result:
    return cli(
        "gate", str(root), "--baseline", "base", "--candidate", "cand", "--isolated",
        "--format", "json",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("build", "metric", "named"), [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS]
)
def test_contested_evidence_never_passes(
    ws: WorkspaceBuilder,
    cli: Callable[..., Result],
    build: Callable[[WorkspaceBuilder], None],
    metric: str,
    named: tuple[str, ...],
) -> None:
    build(ws)
    result = _gate(cli, ws.root)
    assert result.code != 0, result.out
    report = result.json()
    errors = [e.message for e in _schema_validator().iter_errors(report)]
    assert not errors, errors
    assert report["overall"] != "PASS" and not report["passed"]
    gates = [g for g in report["gates"] if g["metric"] == metric]
    assert gates, report["gates"]
    for gate in gates:
        assert gate["verdict"] in ("INCONCLUSIVE", "FAIL"), gate
    details = " ".join(g["detail"] for g in gates)
    for text in named:
        assert text in details, details


def test_consistent_evidence_still_passes(ws: WorkspaceBuilder, cli: Callable[..., Result]) -> None:
    consistent(ws)
    result = _gate(cli, ws.root)
    report = result.json()
    assert result.code == 0, [g["detail"] for g in report["gates"] if g["verdict"] != "PASS"]
    assert report["overall"] == "PASS"
    assert not any("contested" in g["detail"] for g in report["gates"])


def test_text_report_names_the_conflict(ws: WorkspaceBuilder, cli: Callable[..., Result]) -> None:
    wandb_disagrees(ws)
    result = cli("gate", str(ws.root), "--baseline", "base", "--candidate", "cand", "--isolated")
    assert result.code == 1
    assert "contested evidence" in result.out
    assert "0.995 in outputs/cand/final_metrics.json" in result.out
    assert f"0.5 in {WANDB}/wandb-summary.json" in result.out


# --------------------------------------------------------------------------- in-process

EV = Evidence("outputs/cand/final_metrics.json", pointer="/eval/json_valid_rate")
WB = Evidence(f"{WANDB}/wandb-summary.json", pointer="/eval~1json_valid_rate")


def _run(name: str, rate: float = 0.99, mae: float = 8.0, **kw: Any) -> Run:
    metrics = {
        "json_valid_rate": Metric(rate, EV),
        "parse_error_rate": Metric(round(1 - rate, 10), EV),
        "mae_raw": Metric(mae, EV),
    }
    metrics.update(kw.pop("metrics", {}))
    return Run(name, metrics=metrics, provenance=Provenance(eval_size=N), **kw)


def _policy(text: str | None = None) -> Any:
    import yaml

    return gate_policy(yaml.safe_load(text) if text else None)


def _by_id(report: Any) -> dict[str, Any]:
    return {(r.gate_id, r.label): r for r in report.results}


def test_every_conflicting_value_failing_is_a_fail() -> None:
    """0.6 in one source and 0.5 in another: both miss the 0.98 minimum, so the
    contradiction is itself a regression."""
    cand = _run("cand", 0.6, conflicts=(Conflict("eval.json_valid_rate", ((0.6, EV), (0.5, WB))),))
    report = evaluate(_run("base"), cand, [], _policy())
    rate_gates = [r for r in report.results if r.metric == "json_valid_rate"]
    assert rate_gates and all(r.verdict is Verdict.FAIL for r in rate_gates)
    assert all("contradiction is itself a regression" in r.detail for r in rate_gates)
    assert report.overall is Verdict.FAIL and not report.passed


def test_inconclusive_pass_policy_does_not_accept_contested_evidence() -> None:
    cand = _run(
        "cand", 0.995, conflicts=(Conflict("metrics.json_valid_rate", ((0.995, EV), (0.5, WB))),)
    )
    report = evaluate(_run("base"), cand, [], _policy("inconclusive: pass"))
    assert report.overall is Verdict.INCONCLUSIVE
    assert not report.passed
    assert any("does not accept contested evidence" in n for n in report.notes)
    assert "contested evidence" in report.summary


def test_a_contested_baseline_contests_the_relative_gate_only() -> None:
    base = _run("base", conflicts=(Conflict("eval.json_valid_rate", ((0.99, EV), (0.2, WB))),))
    report = evaluate(base, _run("cand", 0.995), [], _policy())
    rates = [r for r in report.results if r.metric == "json_valid_rate"]
    relative = [r for r in rates if "non-inferior" in r.label]
    absolute = [r for r in rates if ">=" in r.label]
    assert relative and relative[0].verdict is Verdict.INCONCLUSIVE
    assert "base: sources disagree" in relative[0].detail
    assert absolute and absolute[0].verdict is Verdict.PASS


@pytest.mark.parametrize(
    ("metrics", "expected"),
    [
        ({"json_valid_rate": 1.2}, "json_valid_rate lies in [0, 1]"),
        ({"mae_raw": -0.5}, "mae_raw is >= 0"),
    ],
)
def test_impossible_values(metrics: dict[str, float], expected: str) -> None:
    name, value = next(iter(metrics.items()))
    run = _run("cand", metrics={name: Metric(value, EV)})
    found = contest(run, name)
    assert found is not None and any(expected in r for r in found.reasons)
    assert value not in found.values  # an impossible value is never decided on


def test_statistics_are_not_dimensions() -> None:
    """Without target keys, `mae_raw_p95` and `mae_raw_max` are not per-dimension means."""
    extra = {"mae_raw_p95": Metric(30.0, EV), "mae_raw_max": Metric(50.0, EV)}
    assert contest(_run("cand", metrics=extra), "mae_raw") is None
    dims = {f"mae_raw_{d}": Metric(20.0, EV) for d in ("a", "b")}
    found = contest(_run("cand", metrics=dims), "mae_raw")
    assert found is not None and found.values == (8.0, 20.0)


def test_a_duplicate_in_another_file_does_not_contest() -> None:
    dup = Problem(
        "inconsistent",
        "key 'mae_raw' appears more than once on this line; the first value is kept",
        Evidence("outputs/cand/hard_cases.valid.jsonl", 3),
        "cand",
    )
    assert contest(_run("cand", problems=(dup,)), "mae_raw") is None
    here = Problem(
        "inconsistent",
        "key 'mae_raw' appears more than once; the first value is kept",
        Evidence("outputs/cand/final_metrics.json", 9),
        "cand",
    )
    found = contest(_run("cand", problems=(here,)), "mae_raw")
    assert found is not None and found.unknown
    assert "outputs/cand/final_metrics.json:9" in found.reasons[0]


def test_rounding_is_not_a_contradiction() -> None:
    dims = {"mae_raw_a": Metric(8.0004, EV), "mae_raw_b": Metric(8.0004, EV)}
    assert contest(_run("cand", metrics=dims), "mae_raw") is None
    rates = {"parse_error_rate": Metric(0.0104, EV)}
    assert contest(_run("cand", metrics=rates), "json_valid_rate") is None
