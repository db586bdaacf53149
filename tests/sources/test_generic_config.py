"""A team's own eval rows, mapped by `sources.generic` in rules.yaml, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path


def _rows(path: Path, outputs: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        {"id": i, "prompt": f"q{i}", "prediction": out, "label": '{"score": 1}'}
        for i, out in enumerate(outputs)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_unmapped_rows_are_named_then_read_once_mapped(tmp_path: Path, cli) -> None:
    ws = tmp_path / "ws"
    _rows(ws / "evals" / "cand.jsonl", ['{"score": 1}'] * 8 + ["Sure! here it is"] * 2)
    res = cli("check", str(ws), "--format", "json", "--fail-on", "never")
    # nothing at all was read: exit 2, naming the file and the mapping that would read it
    assert res.code == 2 and "evals/cand.jsonl" in res.err and "sources.generic" in res.err

    config = tmp_path / "rules.yaml"
    config.write_text(
        "sources:\n  generic:\n    - files: evals/*.jsonl\n      id: id\n      input: prompt\n"
        "      output: prediction\n      reference: label\n",
        encoding="utf-8",
    )
    res = cli("check", str(ws), "--config", str(config), "--format", "json", "--fail-on", "never")
    findings = res.json()["findings"]
    assert not [f for f in findings if f["rule"] == "PRV004"], findings
    runs = cli("runs", str(ws), "--config", str(config), "--format", "json").json()["runs"]
    assert [r["eval_size"] for r in runs] == [10]
    # the JSON contract is inferred from the labels: the two prose rows are format failures
    taxonomy = [f for f in findings if f["rule"] == "FMT003"]
    assert taxonomy, [f["rule"] for f in findings]


def test_a_bad_sources_block_is_exit_2_with_its_line(tmp_path: Path, cli) -> None:
    config = tmp_path / "rules.yaml"
    config.write_text("sources:\n  generic:\n    - nope: 1\n", encoding="utf-8")
    (tmp_path / "ws").mkdir()
    res = cli("check", str(tmp_path / "ws"), "--config", str(config))
    assert res.code == 2 and "rules.yaml:" in res.err, res.err
