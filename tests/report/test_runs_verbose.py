"""`ftlint runs -v`: which adapter and file fed each run, which source key each metric."""

from __future__ import annotations

from pathlib import Path

from ftlint import api
from ftlint.config.settings import Config
from ftlint.report.runs_verbose import render_runs_verbose
from tests.sources import gen_trainer


def test_shows_adapters_source_keys_and_unread_files(tmp_path: Path) -> None:
    gen_trainer.hf_run(tmp_path / "hf" / "results")
    (tmp_path / "evals").mkdir()
    (tmp_path / "evals" / "mine.jsonl").write_text(
        '{"id": 1, "prompt": "q", "prediction": "a", "label": "b"}\n', encoding="utf-8"
    )
    session = api.setup(config=Config(), use_entry_points=False)
    text = render_runs_verbose(api.load_campaign(session, tmp_path))
    assert "hf/results" in text and "read by: hf_trainer" in text
    assert "eval_loss = " in text and "<- eval_loss (hf/results/" in text
    assert "eval_size = " in text and "<- eval_samples" in text
    assert "not read (1 file(s)" in text and "evals/mine.jsonl" in text
    assert "sources.generic" in text
