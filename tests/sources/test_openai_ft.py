"""The `openai_ft` adapter: OpenAI fine-tuning result CSVs.

Shapes checked against public files (never copied): current-API `step_metrics.csv`
files (header `step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy`,
one row per step), legacy `compiled_results.csv` files (the nine legacy columns with
validation measured every few steps and empty cells between), and fine-tuning job
objects as the API documents them (`hyperparameters` with `"auto"`, the newer
`method.supervised.hyperparameters`, `result_files` of file ids).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftlint.sources.io import Workspace
from ftlint.sources.openai_ft import SOURCE, is_result_header

from . import gen_evalfiles as gen


def discover(root: Path, **kw):
    return list(SOURCE.discover(Workspace(root), gen.config(**kw)))


def only(records):
    assert len(records) == 1, records
    return records[0]


def values(rec):
    return {v.key: v for v in rec.values}


def test_current_file_series_finals_and_line_evidence(tmp_path: Path) -> None:
    gen.current_csv(tmp_path / "jobs" / "a" / "step_metrics.csv", steps=6)
    rec = only(discover(tmp_path))
    assert rec.id == "jobs/a/step_metrics.csv" and rec.stack == "openai"
    assert rec.context == "train" and rec.kind == "train" and rec.status == "unknown"
    assert rec.problems == ()
    loss = rec.series["train_loss"]
    assert [p.step for p in loss] == [1, 2, 3, 4, 5, 6]
    assert loss[0].evidence.location() == "jobs/a/step_metrics.csv:2"
    # empty cells are not points: validation every 2nd step
    assert [p.step for p in rec.series["valid_loss"]] == [2, 4, 6]
    vals = values(rec)
    assert vals["step"].value == 6
    assert vals["train_loss"].value == pytest.approx(2 / 6, abs=1e-4)
    assert vals["train_loss"].evidence.line == 7
    # full_valid_* are the final eval values; the last mini-batch valid_* is left out
    assert vals["full_valid_loss"].value == 0.9
    assert "valid_loss" not in vals and "valid_mean_token_accuracy" not in vals


def test_no_validation_reports_columns_as_they_are(tmp_path: Path) -> None:
    gen.current_csv(tmp_path / "run" / "file-xyz.csv", validation=False, full_valid=False)
    rec = only(discover(tmp_path))
    assert "valid_loss" not in rec.series and rec.problems == ()
    assert "train_loss" in values(rec)


def test_legacy_columns_and_classification(tmp_path: Path) -> None:
    gen.legacy_csv(tmp_path / "compiled_results.csv", steps=5, classification=True)
    rec = only(discover(tmp_path))
    assert [p.step for p in rec.series["validation_loss"]] == [1, 3, 5]
    vals = values(rec)
    assert vals["training_loss"].value == pytest.approx(0.02)
    assert vals["classification/accuracy"].value == 0.8
    assert vals["elapsed_tokens"].value == 750


def test_recognised_by_header_not_name(tmp_path: Path) -> None:
    gen.current_csv(tmp_path / "whatever.csv")
    gen.write_csv(tmp_path / "other.csv", ("epoch", "loss"), [(1, 0.5)])
    records = discover(tmp_path)
    assert [r.id for r in records] == ["whatever.csv"]
    assert is_result_header(["Step", "training_loss"]) and not is_result_header(["step"])


def test_job_object_settings_status_provenance_joins(tmp_path: Path) -> None:
    folder = tmp_path / "ft"
    gen.current_csv(folder / "step_metrics.csv")
    gen.job_object(folder / "job.json", status="succeeded")
    rec = only(discover(tmp_path))
    assert rec.status == "finished"
    assert rec.status_evidence.location() == "ft/job.json#/status"
    assert rec.joins == {
        "job_id": "ftjob-abc123",
        "adapter_id": "ft:gpt-4o-mini-2024-07-18:acme::x1y2",
    }
    settings_ = {v.key: v.value for v in rec.settings}
    assert settings_["n_epochs"] == 3 and settings_["batch_size"] == "auto"
    assert settings_["learning_rate_multiplier"] == 1.8
    prov = {v.key: v for v in rec.provenance}
    assert prov["base_model"].value == "gpt-4o-mini-2024-07-18"
    assert prov["adapter"].evidence.pointer == "/fine_tuned_model"
    assert prov["dataset_version"].value == "file-train"
    assert rec.files == ("ft/step_metrics.csv", "ft/job.json")


@pytest.mark.parametrize(
    ("api", "ours"),
    [("failed", "crashed"), ("cancelled", "killed"), ("running", "running"), ("queued", "running")],
)
def test_job_status_mapping(tmp_path: Path, api: str, ours: str) -> None:
    gen.current_csv(tmp_path / "step_metrics.csv")
    gen.job_object(tmp_path / "job.json", status=api, method=True)
    rec = only(discover(tmp_path))
    assert rec.status == ours
    assert {v.key for v in rec.settings} >= {"n_epochs", "learning_rate_multiplier"}
    ev = {v.key: v.evidence.pointer for v in rec.settings}
    assert ev["n_epochs"] == "/method/supervised/hyperparameters/n_epochs"
    if api == "failed":
        assert values(rec)["error"].value == "training diverged"


def test_several_jobs_pick_by_result_files_or_say_none(tmp_path: Path) -> None:
    gen.current_csv(tmp_path / "file-res2.csv")
    gen.job_object(tmp_path / "a.json", job_id="ftjob-a", result_files=["file-res1"])
    gen.job_object(tmp_path / "b.json", job_id="ftjob-b", result_files=["file-res2"])
    assert only(discover(tmp_path)).joins["job_id"] == "ftjob-b"
    (tmp_path / "b.json").unlink()
    gen.job_object(tmp_path / "c.json", job_id="ftjob-c", result_files=["file-x"])
    rec = only(discover(tmp_path))
    assert "job_id" not in rec.joins
    assert any(p.kind == "inconsistent" and "none joined" in p.message for p in rec.problems)


def test_repeated_step_keeps_last_and_says_so(tmp_path: Path) -> None:
    gen.write_csv(tmp_path / "r.csv", ("step", "train_loss"), [(1, 0.9), (2, 0.8), (2, 0.7)])
    rec = only(discover(tmp_path))
    assert [(p.step, p.value) for p in rec.series["train_loss"]] == [(1, 0.9), (2, 0.7)]
    (problem,) = rec.problems
    assert problem.kind == "inconsistent" and problem.evidence.location() == "r.csv:4"


def test_ragged_row_and_non_numeric_cell(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text(
        "step,train_loss,valid_loss\n1,0.5,\n2,0.4\n3,abc,0.3\n,0.2,\n", encoding="utf-8"
    )
    rec = only(discover(tmp_path))
    where = {p.evidence.location(): p for p in rec.problems}
    assert "header has 3" in where["r.csv:3"].message
    assert "'abc'" in where["r.csv:4"].message
    assert "no step" in where["r.csv:5"].message
    assert [p.step for p in rec.series["train_loss"]] == [1]
    assert [p.step for p in rec.series["valid_loss"]] == [3]


def test_non_utf8_and_huge_line(tmp_path: Path) -> None:
    path = tmp_path / "step_metrics.csv"
    path.write_bytes(b"step,train_loss\n1,0.5\n2,0.\xff\n3," + b"9" * 5000 + b"\n4,0.1\n")
    rec = only(discover(tmp_path, max_line_bytes=1000))
    where = {p.evidence.location(): p.message for p in rec.problems}
    assert "not UTF-8" in where["step_metrics.csv:3"]
    assert "over the 1,000-byte limit" in where["step_metrics.csv:4"]
    assert [p.step for p in rec.series["train_loss"]] == [1, 4]


def test_non_utf8_header_of_a_known_name_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "step_metrics.csv").write_bytes(b"st\xffep,train_loss\n1,0.5\n")
    (tmp_path / "unrelated.csv").write_bytes(b"\xff\xfe\n")
    rec = only(discover(tmp_path))
    assert rec.id == "step_metrics.csv" and rec.problems[0].kind == "malformed"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_and_directory_named_like_a_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "step_metrics.csv")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "compiled_results.csv").mkdir()
    records = {r.id: r for r in discover(tmp_path)}
    assert "regular file" in records["step_metrics.csv"].problems[0].message
    assert "directory" in records["d/compiled_results.csv"].problems[0].message


def test_explicit_inputs_claim_every_match(tmp_path: Path) -> None:
    gen.write_csv(tmp_path / "x.csv", ("epoch", "loss"), [(1, 0.5)])
    rec = only(discover(tmp_path, inputs={"openai_ft": ("*.csv",)}))
    assert "not an OpenAI result CSV" in rec.problems[0].message


def test_truncated_job_json_is_not_a_job(tmp_path: Path) -> None:
    gen.current_csv(tmp_path / "step_metrics.csv")
    (tmp_path / "job.json").write_text('{"object": "fine_tuning.job", "id": "ftjob-', "utf-8")
    rec = only(discover(tmp_path))
    assert rec.status == "unknown" and "job_id" not in rec.joins


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=400), job=st.binary(max_size=200))
def test_arbitrary_bytes_never_raise(tmp_path: Path, body: bytes, job: bytes) -> None:
    (tmp_path / "step_metrics.csv").write_bytes(b"step,train_loss,valid_loss\n" + body)
    (tmp_path / "job.json").write_bytes(job)
    rec = only(discover(tmp_path, max_line_bytes=64))
    assert rec.id == "step_metrics.csv"
    for pts in rec.series.values():
        assert [p.step for p in pts] == sorted({p.step for p in pts})
