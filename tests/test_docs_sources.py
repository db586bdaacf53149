"""docs/sources.md: the source adapter tutorial, copied verbatim, reads its format."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import REPO, fenced_blocks


def _block(lang: str, needle: str) -> str:
    (body,) = [b for b in fenced_blocks(REPO / "docs" / "sources.md", lang) if needle in b]
    return body


def test_the_tutorial_adapter_reads_its_format(tmp_path: Path, cli) -> None:
    project = tmp_path / "project"
    (project / "plugins").mkdir(parents=True)
    (project / "plugins" / "acme_eval.py").write_text(_block("python", "class AcmeEvalSource"))
    (project / "rules.yaml").write_text(_block("yaml", "aliases"))
    gold = [{"urgency": i % 3} for i in range(4)]
    answers = [json.dumps(g) for g in gold[:2]] + ["Sure! " + json.dumps(gold[2]), "high"]
    doc = {
        "model": "acme/tickets-v3",
        "accuracy": 0.5,
        "n": 4,
        "rows": [
            {"id": i, "prompt": f"ticket {i}", "answer": a, "gold": json.dumps(g)}
            for i, (a, g) in enumerate(zip(answers, gold, strict=True))
        ],
    }
    ws = tmp_path / "ws" / "evals"
    ws.mkdir(parents=True)
    (ws / "tickets.result.json").write_text(json.dumps(doc))
    config = str(project / "rules.yaml")
    runs = cli("runs", str(tmp_path / "ws"), "--config", config, "--format", "json").json()
    (run,) = runs["runs"]
    assert run["name"] == "evals/tickets" and run["eval_size"] == 4
    verbose = cli("runs", str(tmp_path / "ws"), "--config", config, "-v").out
    assert "read by: acme_eval" in verbose and "eval_size = 4 <- n" in verbose
    check = cli("check", str(tmp_path / "ws"), "--config", config, "--format", "json")
    rules = {f["rule"] for f in check.json()["findings"]}
    assert "FMT003" in rules, rules  # the two bad answers, found in the team's own rows
