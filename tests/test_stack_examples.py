"""`examples-stacks/`: a campaign from four stacks, regenerated exactly by its script,
and what ftlint finds in it (the README's multi-stack command)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ftlint.assemble.records import complete_rows
from ftlint.sources.base import RowFile

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "make_stack_examples.py"
STACKS = ROOT / "examples-stacks"


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_stack_examples_match_a_fresh_generation(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)], check=True)
    assert _tree(tmp_path) == _tree(STACKS), (
        "examples-stacks is stale: run `python scripts/make_stack_examples.py`"
    )


def test_every_stack_is_read(cli) -> None:
    runs = cli("runs", str(STACKS), "--format", "json").json()["runs"]
    names = {r["name"] for r in runs}
    assert {"hf-sft-overfit", "llamafactory-sft", "openai-ft/step_metrics.csv"} <= names
    assert sum(1 for n in names if "evb4se01" in n or "evc4nd02" in n) == 2
    by = {r["name"]: r for r in runs}
    assert by["llamafactory-sft"]["eval_size"] == 60  # rows of the complete predictions
    assert by["hf-sft-overfit"]["eval_size"] == 200  # eval_samples


def test_findings_name_each_stacks_failure(cli) -> None:
    doc = cli("check", str(STACKS), "--format", "json", "--fail-on", "never").json()
    by_run: dict[str, set[str]] = {}
    for f in doc["findings"]:
        by_run.setdefault(f["run"], set()).add(f["rule"])
    assert "FMT005" in by_run["llamafactory-sft"]  # run-on completions, from its rows
    assert "TRN004" in by_run.get("openai-ft/step_metrics.csv", set())  # no validation
    assert not any("PRV005" in rules for rules in by_run.values()), by_run


def test_complete_rows_counts_non_blank_lines_across_chunks(tmp_path: Path) -> None:
    cases = [(b"a\nb\n", 2), (b"a\n\n  \nb", 2), (b"", None), (b"x" * 3_000_000 + b"\ny", 2)]
    for content, expected in cases:
        (tmp_path / "p.jsonl").write_bytes(content)
        assert complete_rows(tmp_path, [RowFile("p.jsonl", "x", True)]) == expected
