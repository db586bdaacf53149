"""A pulled W&B run (`ftlint pull` writes files/wandb-history.jsonl, no binary log):
its history is read line by line, with line evidence, damaged lines reported."""

from __future__ import annotations

import json
from pathlib import Path

from ftlint import api
from ftlint.config.settings import Config


def test_pulled_history_feeds_the_curves(tmp_path: Path) -> None:
    files = tmp_path / "wandb" / "run-20250101_000000-abcd1234" / "files"
    files.mkdir(parents=True)
    (files / "wandb-summary.json").write_text('{"eval/json_valid_rate": 0.9}', "utf-8")
    rows = [
        {"_step": 10 * i, "train/loss": 2.0 / i, "eval/loss": 1.0 + 0.05 * i} for i in range(1, 7)
    ]
    text = "".join(json.dumps(r) + "\n" for r in rows) + '{"_step": 70, "train/loss": 0.1'
    (files / "wandb-history.jsonl").write_text(text, "utf-8")
    session = api.setup(config=Config(), use_entry_points=False)
    (run,) = api.load_campaign(session, tmp_path).runs
    assert [p.step for p in run.curves["train_loss"]] == [10, 20, 30, 40, 50, 60]
    assert run.curves["eval_loss"][0].evidence.line == 1
    assert any(p.evidence.line == 7 for p in run.problems), run.problems
