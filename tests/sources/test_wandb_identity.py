"""W&B run identity: the HF Trainer names every run after output_dir (`./results`), so
three such runs are three runs, each known by its W&B id, never merged into one."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from helpers import offline_wandb_env

pytest.importorskip("wandb")

MAKE = textwrap.dedent(
    """
    import json, sys
    import wandb

    ids = []
    for i, loss in enumerate((0.9, 0.7, 1.3)):
        cfg = {"output_dir": "./results", "run_name": "./results", "learning_rate": 2e-5 * (i + 1)}
        run = wandb.init(project="hf", name="./results", config=cfg)
        for step in range(1, 6):
            wandb.log({"train/loss": loss + 1.0 / step, "eval/loss": loss + 0.5 / step}, step=step)
        ids.append(run.id)
        run.finish()
    json.dump(ids, open(sys.argv[1], "w"))
    """
)


def test_runs_sharing_a_path_name_stay_apart(tmp_path, cli) -> None:
    script, out = tmp_path / "make.py", tmp_path / "ids.json"
    script.write_text(MAKE, encoding="utf-8")
    subprocess.run(
        [sys.executable, str(script), str(out)], env=offline_wandb_env(tmp_path), check=True
    )
    ids = json.loads(out.read_text(encoding="utf-8"))
    runs = cli("runs", str(tmp_path), "--format", "json").json()["runs"]
    assert sorted(r["name"] for r in runs) == sorted(ids)
    check = cli("check", str(tmp_path), "--format", "json", "--fail-on", "never").json()
    assert not [f for f in check["findings"] if f["rule"] == "PRV005"], check["findings"]
