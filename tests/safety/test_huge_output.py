"""Class: invalid or huge output. A multi-megabyte string field must not be copied
whole into messages, a JSON artifact over the size limit is refused with a problem,
JSON outputs never hold bare NaN, and every format is byte-identical across reruns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import final_metrics, hard_case, submission

from ftlint.sources.io import Workspace, read_json
from ftlint.untrusted import MESSAGE_LIMIT
from safety._util import ftlint

BIG = "A" * 1_000_000  # a stand-in for the 300 MB field: same path, test-sized


@pytest.fixture(scope="module")
def bloated(tmp_path_factory) -> Path:
    from helpers import WorkspaceBuilder

    ws = WorkspaceBuilder(tmp_path_factory.mktemp("huge") / "ws")
    ws.root.mkdir()
    ws.run("base")
    metrics = final_metrics(json_valid_rate=0.5, dataset_version=BIG, notes=BIG)
    metrics["eval"]["mae_norm_energy"] = BIG
    metrics["target_scale"] = float("nan")
    ws.write("outputs/cand/final_metrics.json", json.dumps(metrics))
    ws.jsonl(
        "outputs/cand/hard_cases.valid.jsonl",
        [hard_case(1, parse_error="json_decode", text=BIG), hard_case(2, sample_index=BIG)],
    )
    ws.jsonl(
        "artifacts/hf_jobs/more.jsonl",
        [submission("cand", exit_code=1, stderr_tail=BIG, run_name="cand", job_id=BIG)],
    )
    ws.write(
        "wandb/run-20261101_100000-abc123/files/config.yaml",
        f"HF_FT_RUN_NAME:\n  value: cand\nbig:\n  value: {BIG}\n",
    )
    return ws.root


FORMATS = [
    ("check", "text"),
    ("check", "json"),
    ("check", "sarif"),
    ("check", "github"),
    ("check", "junit"),
    ("runs", "json"),
    ("runs", "text"),
    ("plan", "markdown"),
    ("plan", "json"),
    ("gate", "markdown"),
]


@pytest.mark.parametrize(("command", "fmt"), FORMATS)
def test_outputs_are_bounded_valid_and_identical(bloated, tmp_path, command, fmt) -> None:
    outs = []
    for i in range(2):
        target = tmp_path / f"out{i}"
        args = [command, str(bloated), "--format", fmt, "--output", str(target)]
        if command in ("plan", "gate"):
            args += ["--baseline", "base", "--candidate", "cand"]
        result = ftlint(*args, cwd=tmp_path)
        assert result.code in (0, 1), result.err
        outs.append(target.read_bytes())
    assert outs[0] == outs[1]
    assert len(outs[0]) < 400_000, len(outs[0])  # no 4 MB field copied whole
    if fmt in ("json", "sarif"):
        json.loads(outs[0], parse_constant=lambda c: pytest.fail(f"bare {c}"))


def test_every_message_is_clipped(bloated, tmp_path) -> None:
    result = ftlint("check", str(bloated), "--format", "json", cwd=tmp_path)
    for finding in json.loads(result.out)["findings"]:
        assert len(finding["message"]) <= MESSAGE_LIMIT


def test_json_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "final_metrics.json"
    path.write_text(json.dumps({"notes": "x" * 1000}))
    data, problems = read_json(Workspace(tmp_path), path, max_bytes=100)
    assert data is None
    assert problems[0].kind == "invalid" and "limit" in problems[0].message
    data, problems = read_json(Workspace(tmp_path), path)
    assert data is not None and not problems
