"""A training output folder and the W&B run that logged it are one run when the join is
unambiguous (the W&B config's `output_dir` names the folder, and only that run does);
otherwise they stay apart and the ambiguity is a PRV005 warning. W&B runs are made by
the real SDK (offline); the folders are copies of the shipped stack examples."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import REPO, offline_wandb_env

from ftlint.assemble.joins import _claims

pytest.importorskip("wandb")

MAKE = textwrap.dedent(
    """
    import json, sys
    import wandb

    ids = []
    for out_dir, name in json.loads(sys.argv[2]):
        cfg = {"output_dir": out_dir, "run_name": name, "learning_rate": 2e-4}
        run = wandb.init(project="hf", name=name, config=cfg)
        for step in range(1, 4):
            wandb.log({"train/loss": 1.0 / step, "eval/loss": 1.2 / step}, step=step)
        ids.append(run.id)
        run.finish()
    json.dump(ids, open(sys.argv[1], "w"))
    """
)


def _wandb_runs(root: Path, output_dirs: list[str], names: list[str] | None = None) -> list[str]:
    """One offline run per output_dir (its run_name is the output_dir, the HF default,
    unless `names` gives one); their W&B ids."""
    pairs = list(zip(output_dirs, names or output_dirs, strict=True))
    script, out = root / "make.py", root / "ids.json"
    script.write_text(MAKE, encoding="utf-8")
    subprocess.run(
        [sys.executable, str(script), str(out), json.dumps(pairs)],
        env=offline_wandb_env(root),
        check=True,
    )
    script.unlink()
    ids = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    return ids


def _runs(cli, root: Path) -> list[dict]:
    return cli("runs", str(root), "--format", "json").json()["runs"]


def _findings(cli, root: Path) -> list[dict]:
    return cli("check", str(root), "--format", "json", "--fail-on", "never").json()["findings"]


@pytest.mark.parametrize(
    ("example", "adapter"),
    [("hf-sft-overfit", "hf_trainer"), ("llamafactory-sft", "llamafactory")],
)
def test_a_folder_and_the_wandb_run_that_logged_it_are_one_run(
    tmp_path: Path, cli, example: str, adapter: str
) -> None:
    shutil.copytree(REPO / "examples-stacks" / example, tmp_path / "results")
    (run_id,) = _wandb_runs(tmp_path, ["./results"])
    (run,) = _runs(cli, tmp_path)
    assert run["name"] == "results"
    verbose = cli("runs", str(tmp_path), "-v").out
    assert f"read by: {adapter}, wandb" in verbose
    assert run_id in verbose  # its W&B files are the run's
    assert not [f for f in _findings(cli, tmp_path) if f["rule"] == "PRV005"]


def test_a_folder_that_several_wandb_runs_logged_joins_none_and_says_so(
    tmp_path: Path, cli
) -> None:
    """The HF Trainer's default: every run writes ./results, which keeps only the last."""
    shutil.copytree(REPO / "examples-stacks" / "hf-sft-overfit", tmp_path / "results")
    ids = _wandb_runs(tmp_path, ["./results", "./results"])
    names = sorted(r["name"] for r in _runs(cli, tmp_path))
    assert names == sorted([*ids, "hf_trainer:results"]) or names == sorted([*ids, "results"])
    (warning,) = [f for f in _findings(cli, tmp_path) if f["rule"] == "PRV005"]
    assert warning["severity"] == "warning"
    assert "2 W&B runs logged output_dir './results'" in warning["message"]
    assert "the folder results keeps only one of them" in warning["message"]
    assert "joined to none" in warning["message"]


def test_the_folders_own_run_name_picks_one_of_several_wandb_runs(tmp_path: Path, cli) -> None:
    """Three runs wrote ./results; training_args.json names the last one, lr3."""
    folder = tmp_path / "results"
    shutil.copytree(REPO / "examples-stacks" / "hf-sft-overfit", folder)
    args = json.loads((folder / "training_args.json").read_text(encoding="utf-8"))
    args.update(output_dir="./results", run_name="lr3")
    (folder / "training_args.json").write_text(json.dumps(args), encoding="utf-8")
    ids = _wandb_runs(tmp_path, ["./results"] * 3, ["lr1", "lr2", "lr3"])
    runs = {r["name"]: r for r in _runs(cli, tmp_path)}
    assert set(runs) == {"results", "lr1", "lr2"}  # lr3's W&B run is the folder's
    joined = " ".join(runs["results"]["sources"])
    assert ids[2] in joined and ids[0] not in joined and ids[1] not in joined
    assert not [f for f in _findings(cli, tmp_path) if f["rule"] == "PRV005"]


def test_a_wandb_run_of_another_name_that_wrote_the_folder_is_not_its_run(
    tmp_path: Path, cli
) -> None:
    """The folder says it holds run lr9; the one W&B run that wrote ./results is lr1."""
    folder = tmp_path / "results"
    shutil.copytree(REPO / "examples-stacks" / "hf-sft-overfit", folder)
    args = json.loads((folder / "training_args.json").read_text(encoding="utf-8"))
    args.update(output_dir="./results", run_name="lr9")
    (folder / "training_args.json").write_text(json.dumps(args), encoding="utf-8")
    _wandb_runs(tmp_path, ["./results"], ["lr1"])
    assert {r["name"] for r in _runs(cli, tmp_path)} == {"results", "lr1"}
    assert not [f for f in _findings(cli, tmp_path) if f["rule"] == "PRV005"]


def test_a_wandb_run_of_another_folder_is_not_joined(tmp_path: Path, cli) -> None:
    shutil.copytree(REPO / "examples-stacks" / "hf-sft-overfit", tmp_path / "results")
    _wandb_runs(tmp_path, ["./other-results"])
    assert len(_runs(cli, tmp_path)) == 2
    assert not [f for f in _findings(cli, tmp_path) if f["rule"] == "PRV005"]


@pytest.mark.parametrize(
    ("folder", "recorded", "joins"),
    [
        ("results", "./results", True),
        ("results", "results/", True),
        ("exp/results", "results", True),
        ("exp/results", "exp/results", True),
        ("results", "/content/drive/results", True),  # another machine: its tail
        ("results", "./other", False),
        ("b/results", "a/results", False),
        ("results", "exp/results", False),
        ("results", "", False),
        ("results", "./", False),
    ],
)
def test_which_recorded_output_dir_names_a_folder(folder: str, recorded: str, joins: bool) -> None:
    assert _claims(folder, recorded) is joins


class _Record:
    """The part of a RunRecord the join reads."""

    def __init__(self, rid: str, joins: dict) -> None:
        self.adapter, self.id, self.joins, self.files = "hf_trainer", rid, joins, (f"{rid}/x",)


@pytest.mark.parametrize("recorded", [None, 5, ["best_params"], {"value": "best_params"}, ""])
def test_an_output_dir_that_is_not_a_path_joins_nothing(recorded: object) -> None:
    """Bad input: a W&B config value of another type is no claim, and no crash."""
    from ftlint.assemble.joins import claim_wandb_runs
    from ftlint.model import Run

    w = Run(name="w1", adapters=("wandb",), wandb_config={"output_dir": recorded})
    assert claim_wandb_runs([w], [_Record("best_params", {"output_dir": "best_params"})]) == (
        {},
        [],
    )


def test_the_transformers_shape_joins_with_run_name_null() -> None:
    """As recent transformers write it: `output_dir: best_params` (no ./) and
    `run_name: null` in both the W&B config and training_args.json."""
    from ftlint.assemble.joins import claim_wandb_runs
    from ftlint.model import Run

    w = Run(
        name="w1", adapters=("wandb",), wandb_config={"output_dir": "best_params", "run_name": None}
    )
    record = _Record("best_params", {"output_dir": "best_params"})
    claims, problems = claim_wandb_runs([w], [record])
    assert claims == {("hf_trainer", "best_params"): w} and problems == []
