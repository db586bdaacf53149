"""Class: hangs. A FIFO named like any artifact, and a YAML alias bomb in a W&B config
or in --config, must be reported, never block or expand forever."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import pytest

from safety._util import ftlint

WANDB = "wandb/run-20261101_100000-abc123"

#: every artifact path a loader opens, by the source that reads it
FIFO_PATHS = [
    "outputs/good/final_metrics.json",
    "outputs/good/hard_cases.valid.jsonl",
    "outputs/good/iter_eval_metrics.jsonl",
    "outputs/good/weave_eval_traces.json",
    "artifacts/hf_jobs/more.jsonl",
    "artifacts/eval/runs/e1.json",
    f"{WANDB}/files/config.yaml",
    f"{WANDB}/files/wandb-summary.json",
    f"{WANDB}/files/wandb-metadata.json",
    f"{WANDB}/run-abc123.wandb",
]


def _bomb(levels: int = 9) -> str:
    names = [f"l{i}" for i in range(levels + 1)]
    lines = [f"{names[0]}: &{names[0]} [x, x, x, x, x, x, x, x, x]"]
    for prev, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
@pytest.mark.parametrize("rel", FIFO_PATHS)
def test_a_fifo_artifact_is_reported_not_waited_on(ws, rel: str) -> None:
    ws.run("good", cases=[], series=[{"step": 1, "json_valid_rate": 0.9}])
    ws.json(f"{WANDB}/files/wandb-summary.json", {"eval/json_valid_rate": 0.9})
    target = ws.root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.unlink()
    os.mkfifo(target)
    result = ftlint("check", str(ws.root), "--format", "json", cwd=ws.root.parent)
    assert result.code in (0, 1), result.err
    assert rel in result.out or rel in result.err, result.out[-2000:]


def test_yaml_alias_bomb_in_wandb_config_is_a_finding(ws) -> None:
    ws.run("good")
    ws.write(f"{WANDB}/files/config.yaml", _bomb())
    result = ftlint("check", str(ws.root), "--format", "json", cwd=ws.root.parent)
    assert result.code in (0, 1)
    messages = [f["message"] for f in json.loads(result.out)["findings"]]
    assert any("aliases expand" in m for m in messages), messages


@pytest.mark.parametrize(
    "text",
    [
        _bomb(),
        _bomb(5) + "select: [ALL]\n",
        "a: &a [*a]\n",
        "select: " + "[" * 2000 + "]" * 2000 + "\n",
        "select: " + "{a: " * 2000 + "}" * 2000 + "\n",
    ],
    ids=["bomb", "small-bomb", "self-alias", "deep-list", "deep-map"],
)
def test_yaml_bomb_or_depth_in_config_is_exit_2(ws, tmp_path: Path, text: str) -> None:
    ws.run("good")
    config = tmp_path / "bomb.yaml"
    config.write_text(text)
    result = ftlint("check", str(ws.root), "--config", str(config), cwd=tmp_path)
    assert result.code == 2
    assert str(config) in result.err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
@pytest.mark.parametrize("name", ["rules.yaml", ".ftlint.yaml"])
def test_a_fifo_config_is_exit_2(ws, tmp_path: Path, name: str) -> None:
    ws.run("good")
    project = tmp_path / "project"
    project.mkdir()
    os.mkfifo(project / name)
    result = ftlint("check", str(ws.root), cwd=project)
    assert result.code == 2 and "not a regular file" in result.err
    result = ftlint("check", str(ws.root), "--config", str(project / name), cwd=project)
    assert result.code == 2 and "not a regular file" in result.err
