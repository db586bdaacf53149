"""Online W&B run folders made of their files/ JSON and YAML (no SDK needed), shared by
the W&B tests with and without the SDK."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ftlint.assemble.campaign import load_campaign
from ftlint.config.settings import Config
from ftlint.model import Campaign


def load(root: Path, config: Config | None = None) -> Campaign:
    return load_campaign(root, config or Config())


METADATA = {
    "os": "Linux-6.8",
    "python": "CPython 3.11.7",
    "startedAt": "2026-11-01T10:02:03.456789Z",
    "program": "/home/alice/projects/ft/scripts/train_sft.py",
    "codePath": "scripts/train_sft.py",
    "git": {"remote": "https://alice:ghp_secret@github.com/acme/ft.git", "commit": "0123abcd" * 5},
    "email": "alice@example.com",
    "root": "/home/alice/projects/ft",
    "host": "alice-laptop",
    "username": "alice",
    "executable": "/home/alice/.venv/bin/python",
}


PERSONAL = ("alice", "example.com", "laptop", "/home/", "ghp_secret")


def online_files(
    folder: Path, *, name: str, summary: Any = None, config: str | None = None
) -> None:
    files = folder / "files"
    files.mkdir(parents=True)
    if summary is None:
        summary = {
            "eval/json_valid_rate": 0.91,
            "eval/parse_error_rate": 0.09,
            "eval/mae_raw": 10.5,
            "train/loss": 0.61,
            "iter_eval/parse_error_rate": 0.09,
            "_step": 120,
            "_runtime": 812.5,
            "_wandb": {"runtime": 812},
            "eval/failures_top_k_2": {
                "_type": "table-file",
                "path": "media/table/eval/failures_top_k_2_120_0123456789abcdef0123.table.json",
                "nrows": 2,
            },
        }
    (files / "wandb-summary.json").write_text(
        summary if isinstance(summary, str) else json.dumps(summary), encoding="utf-8"
    )
    if config is None:
        config = (
            "_wandb:\n  value:\n    cli_version: 0.31.0\n"
            "HF_FT_LR:\n  value: 5.0e-05\n"
            f"HF_FT_RUN_NAME:\n  value: {name}\n"
            "output_dir:\n  value: /home/alice/runs/out\n"
            "WANDB_RUN_GROUP:\n  value: cycle-9\n"
        )
    (files / "config.yaml").write_text(config, encoding="utf-8")
    (files / "wandb-metadata.json").write_text(json.dumps(METADATA), encoding="utf-8")
    table = files / "media" / "table" / "eval"
    table.mkdir(parents=True)
    (table / "failures_top_k_2_120_0123456789abcdef0123.table.json").write_text(
        json.dumps(
            {"columns": ["rank", "parse_error"], "data": [[1, "json_block_not_found"], [2, None]]}
        )
    )
