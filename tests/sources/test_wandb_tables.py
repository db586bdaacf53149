"""W&B prediction tables are eval rows: the format rules read them like any other rows.

The table is logged by the real SDK (offline) the way eval scripts log predictions."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import offline_wandb_env

from ftlint.model import EvalRow, Problem
from ftlint.sources.base import RowFile
from ftlint.sources.io import Workspace
from ftlint.sources.wandb_tables import SOURCE, has_outputs

MAKE = textwrap.dedent(
    """
    import json
    import wandb

    run = wandb.init(project="evals", name="table-run")
    rows = []
    for i in range(20):
        label = {"a": i % 3, "b": i % 5}
        out = json.dumps(label)
        if i % 4 == 0:
            out += " I hope this helps! Let me know if you need anything else."
        rows.append([i, f"ticket {i}", out, json.dumps(label)])
    table = wandb.Table(columns=["id", "prompt", "prediction", "label"], data=rows)
    run.log({"eval/predictions": table})
    run.summary["eval/evaluated_count"] = 20
    run.summary["eval/json_valid_rate"] = 0.75
    run.finish()
    """
)


def test_sdk_table_rows_reach_the_format_rules(tmp_path: Path, cli) -> None:
    pytest.importorskip("wandb")
    script = tmp_path / "make.py"
    script.write_text(MAKE, encoding="utf-8")
    subprocess.run(
        [sys.executable, str(script)], env=offline_wandb_env(tmp_path), check=True, timeout=120
    )
    runs = cli("runs", str(tmp_path), "--format", "json").json()["runs"]
    assert [r["name"] for r in runs] == ["table-run"] or len(runs) == 1
    doc = cli("check", str(tmp_path), "--format", "json", "--fail-on", "never").json()
    rules = {f["rule"] for f in doc["findings"]}
    assert "FMT005" in rules, sorted(rules)  # text after the object, read from the table
    trailing = next(f for f in doc["findings"] if f["rule"] == "FMT005")
    assert "5 failed completion" in trailing["message"], trailing["message"]


def test_table_rows_and_damaged_tables(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    good = {
        "columns": ["id", "prompt", "completion", "target", "score"],
        "data": [[1, "q", "a", "b", 0.5], [2, "r", "c", "d", True]],
    }
    (tmp_path / "t.table.json").write_text(json.dumps(good), encoding="utf-8")
    items = list(SOURCE.iter_rows(ws, RowFile("t.table.json", "wandb_table", True), None))
    assert [i.output for i in items if isinstance(i, EvalRow)] == ["a", "c"]
    assert items[0].scores == {"score": 0.5} and items[1].scores == {"score": 1.0}
    bad = {"columns": ["id", "output"], "data": [[1, "x"], [2], "nope"]}
    (tmp_path / "b.table.json").write_text(json.dumps(bad), encoding="utf-8")
    items = list(SOURCE.iter_rows(ws, RowFile("b.table.json", "wandb_table", True), None))
    assert [type(i).__name__ for i in items] == ["EvalRow", "Problem", "Problem"]
    assert all(i.evidence.pointer for i in items if isinstance(i, Problem))
    (tmp_path / "c.table.json").write_text('{"columns": ["id", "output"], "data": [[1, ', "utf-8")
    items = list(SOURCE.iter_rows(ws, RowFile("c.table.json", "wandb_table", True), None))
    assert [type(i).__name__ for i in items] == ["Problem"]
    assert has_outputs(["ID", "Prediction"]) and not has_outputs(["rank", "parse_error"])
