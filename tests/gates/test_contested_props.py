"""Properties of contested evidence, and PRV011's file handling.

Whatever the values two sources give, a contested gate is never PASS; consistent
evidence is never contested. PRV011 compares only regular files inside the workspace,
hashes only files of equal size, and always keeps the baseline as the original.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from helpers import WorkspaceBuilder, final_metrics, hard_case, lint
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftlint.assemble import digests
from ftlint.gates.contested import contest, rounded_alike
from ftlint.gates.decide import Verdict, evaluate, gate_policy
from ftlint.model import Conflict, Evidence, Metric, Provenance, Run
from ftlint.sources.io import Workspace

EV = Evidence("outputs/cand/final_metrics.json", pointer="/eval/json_valid_rate")
WB = Evidence("wandb/run-x/files/wandb-summary.json", pointer="/eval~1json_valid_rate")
rates = st.floats(min_value=-0.5, max_value=1.5, allow_nan=False)
maes = st.floats(min_value=-5, max_value=60, allow_nan=False)


def _run(name: str, rate: float, mae: float, **kw: Any) -> Run:
    metrics = {
        "json_valid_rate": Metric(rate, EV),
        "parse_error_rate": Metric(1 - rate, EV),
        "mae_raw": Metric(mae, EV),
        **kw.pop("metrics", {}),
    }
    return Run(name, metrics=metrics, provenance=Provenance(eval_size=500), **kw)


@settings(max_examples=150, deadline=None)
@given(reported=rates, other=rates, base=st.floats(0.9, 1.0), mae=maes, dim=maes)
def test_a_contested_gate_is_never_pass(
    reported: float, other: float, base: float, mae: float, dim: float
) -> None:
    conflict = Conflict("eval.json_valid_rate", ((reported, EV), (other, WB)))
    dims = {f"mae_raw_{d}": Metric(dim + i, EV) for i, d in enumerate("abc")}
    cand = _run("cand", reported, mae, conflicts=(conflict,), metrics=dims)
    report = evaluate(_run("base", base, 8.0), cand, [], gate_policy(None))
    for result in report.results:
        if "contested" in result.measurements:
            assert result.verdict is not Verdict.PASS, result.detail
    if not rounded_alike(reported, other):
        assert report.overall is not Verdict.PASS
        assert not report.passed


@settings(max_examples=100, deadline=None)
@given(rate=st.floats(0, 1), dims=st.lists(st.floats(0, 60), min_size=2, max_size=6))
def test_consistent_evidence_is_never_contested(rate: float, dims: list[float]) -> None:
    parts = {f"mae_raw_{i}_dim": Metric(v, EV) for i, v in enumerate(dims)}
    run = _run("cand", rate, sum(dims) / len(dims), metrics=parts)
    for metric in ("json_valid_rate", "parse_error_rate", "mae_raw"):
        assert contest(run, metric) is None


# --------------------------------------------------------------------------- PRV011


def _prv011(root: Path, **kw: Any) -> list[Any]:
    return [f for f in lint(root, select=["PRV011"], **kw) if f.rule == "PRV011"]


def _copy(ws: WorkspaceBuilder, src: str, dst: str) -> None:
    for name in ("final_metrics.json", "hard_cases.valid.jsonl"):
        source = ws.root / "outputs" / src / name
        if source.exists():
            ws.write(f"outputs/{dst}/{name}", source.read_bytes())


def test_three_copies_name_the_baseline_as_original(ws: WorkspaceBuilder) -> None:
    ws.run("zeta", metrics=final_metrics(mae_raw=7.0), cases=[hard_case(1)])
    _copy(ws, "zeta", "alpha")
    _copy(ws, "zeta", "mid")
    found = _prv011(ws.root, baseline="zeta", candidate="alpha")
    assert sorted((f.run, f.measurements["copy_of"]) for f in found) == [
        ("alpha", "zeta"),
        ("mid", "zeta"),
    ]
    assert "final metrics and hard cases" in found[0].message


def test_identical_hard_cases_alone_are_not_a_copy(ws: WorkspaceBuilder, monkeypatch: Any) -> None:
    """Nor are they hashed: row files are compared only for runs whose metrics match."""
    cases = [hard_case(i) for i in range(1, 4)]
    ws.run("a", metrics=final_metrics(mae_raw=7.0), cases=cases)
    ws.run("b", metrics=final_metrics(mae_raw=9.0), cases=cases)
    hashed: list[str] = []
    real = digests._digest
    monkeypatch.setattr(digests, "_digest", lambda w, rel: hashed.append(rel) or real(w, rel))
    assert _prv011(ws.root) == []
    assert not any(rel.endswith(".jsonl") for rel in hashed), hashed


def test_tiny_files_are_not_compared(ws: WorkspaceBuilder) -> None:
    ws.write("outputs/a/final_metrics.json", "{}")
    ws.write("outputs/b/final_metrics.json", "{}")
    assert _prv011(ws.root) == []


def test_only_equal_sizes_are_hashed(ws: WorkspaceBuilder, monkeypatch: Any) -> None:
    ws.run("a", metrics=final_metrics(mae_raw=7.0))
    ws.run("b", metrics=final_metrics(mae_raw=9.25))
    hashed: list[str] = []
    real = digests._digest
    monkeypatch.setattr(digests, "_digest", lambda w, rel: hashed.append(rel) or real(w, rel))
    assert _prv011(ws.root) == []
    assert hashed == []


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_a_symlink_out_of_the_workspace_is_not_read(ws: WorkspaceBuilder, tmp_path: Path) -> None:
    ws.run("a", metrics=final_metrics(mae_raw=7.0))
    outside = tmp_path / "outside.json"
    outside.write_bytes((ws.root / "outputs/a/final_metrics.json").read_bytes())
    (ws.root / "outputs/b").mkdir(parents=True)
    os.symlink(outside, ws.root / "outputs/b/final_metrics.json")
    assert _prv011(ws.root) == []


def test_a_fifo_never_blocks(ws: WorkspaceBuilder) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs FIFOs")
    ws.run("a", metrics=final_metrics(mae_raw=7.0))
    (ws.root / "outputs/b").mkdir(parents=True)
    os.mkfifo(ws.root / "outputs/b/hard_cases.valid.jsonl")
    ws.run("b", metrics=final_metrics(mae_raw=7.5))
    assert _prv011(ws.root) == []


def test_artifacts_reads_each_path_once() -> None:
    run = Run("r", final_metrics_path="outputs/r/f.json", hard_cases_path="outputs/r/h.jsonl")
    assert [(a.kind, a.path) for a in digests.artifacts(run)] == [
        ("final metrics", "outputs/r/f.json"),
        ("hard cases", "outputs/r/h.jsonl"),
    ]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(min_size=64, max_size=300), flip=st.integers(0, 63))
def test_one_byte_apart_is_not_a_copy(tmp_path: Path, data: bytes, flip: int) -> None:
    root = tmp_path / "ws"
    for rel in ("a/f", "b/f", "c/f"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / "a/f").write_bytes(data)
    (root / "b/f").write_bytes(data)
    (root / "c/f").write_bytes(data[:flip] + bytes([data[flip] ^ 1]) + data[flip + 1 :])
    runs = [Run(n, final_metrics_path=f"{n}/f") for n in "abc"]
    groups = list(digests.identical_artifacts(Workspace(root), runs))
    assert [sorted(a.run for a in g) for g in groups] == [["a", "b"]]


@pytest.mark.parametrize(
    ("a", "b", "alike"),
    [
        (0.99375, 0.9938, True),
        (0.99375, 0.9937, True),
        (8.4567, 8.46, True),
        (0.995, 0.5, False),
        (0.9938, 0.9936, False),
        (1e-07, 1.2e-07, False),
    ],
)
def test_a_rounded_copy_is_not_a_conflict(a: float, b: float, alike: bool) -> None:
    conflict = Conflict("eval.mae_raw", ((a, EV), (b, WB)))
    run = _run("cand", 0.99, a, conflicts=(conflict,))
    assert (contest(run, "mae_raw") is None) is alike


# --------------------------------------------------------------------------- eval size


def _sizes(*sizes: int) -> Conflict:
    return Conflict("eval_size", tuple((n, WB if i else EV) for i, n in enumerate(sizes)))


def _minimum_gate(report: Any) -> Any:
    return next(r for r in report.results if r.metric == "json_valid_rate" and ">=" in r.label)


def test_a_contested_eval_size_decides_with_every_size() -> None:
    """0.995 clears the 0.98 minimum on 1000 rows, not on 80: which size is true decides."""
    cand = _run("cand", 0.995, 8.0, conflicts=(_sizes(1000, 80),))
    cand = Run(cand.name, metrics=cand.metrics, conflicts=cand.conflicts,
               provenance=Provenance(eval_size=1000))  # fmt: skip
    report = evaluate(_run("base", 0.99, 8.0), cand, [], gate_policy(None))
    gate = _minimum_gate(report)
    assert gate.verdict is Verdict.INCONCLUSIVE
    assert "sources disagree on the eval size" in gate.detail and "80 in" in gate.detail
    assert not report.passed


def test_an_eval_size_conflict_that_changes_nothing_keeps_the_verdict() -> None:
    cand = Run(
        "cand",
        metrics=_run("cand", 0.995, 8.0).metrics,
        conflicts=(_sizes(1000, 2000),),
        provenance=Provenance(eval_size=1000),
    )
    gate = _minimum_gate(evaluate(_run("base", 0.99, 8.0), cand, [], gate_policy(None)))
    assert gate.verdict is Verdict.PASS
    assert "the verdict holds for each" in gate.detail


@given(st.one_of(st.text(max_size=30), st.floats(), st.integers(), st.booleans(), st.none()))
def test_an_eval_size_from_a_source_never_raises(value: object) -> None:
    from ftlint.gates.evalsize import _size

    size = _size(value)
    assert size is None or (isinstance(size, int) and size >= 1)


def test_eval_sizes_as_text_are_read() -> None:
    from ftlint.gates.evalsize import size_conflict

    run = Run("r", conflicts=(Conflict("eval_size", (("1000", EV), (" 80 ", WB))),))
    found = size_conflict(run)
    assert found is not None and found[0] == (80, 1000)
    assert "1000 in outputs/cand/final_metrics.json" in found[1]
