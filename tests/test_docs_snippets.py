"""The snippets in README.md and docs/ci.md work as written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml
from helpers import REPO, fenced_blocks, final_metrics

_blocks = fenced_blocks


def test_every_yaml_snippet_parses() -> None:
    for doc in (REPO / "README.md", REPO / "docs" / "ci.md", REPO / ".pre-commit-hooks.yaml"):
        blocks = _blocks(doc, "yaml") if doc.suffix == ".md" else [doc.read_text()]
        assert blocks, doc
        for body in blocks:
            assert yaml.safe_load(body) is not None, (doc, body)


def test_readme_config_example_is_a_valid_config(ws, cli, tmp_path: Path) -> None:
    (example,) = [b for b in _blocks(REPO / "README.md", "yaml") if "select:" in b]
    ws.run("sft-c1-baseline")
    project = tmp_path / "project"
    project.mkdir()
    (project / "rules.yaml").write_text(example)
    (project / "ftlint-suppressions.json").write_text('{"version": 1, "suppressions": []}')
    result = cli("check", str(ws.root), cwd_dir=project)
    assert result.code in (0, 1), result.err


def test_write_your_own_rule_tutorial_runs(tmp_path: Path) -> None:
    """docs/ci.md: the plugin and its test, copied verbatim, pass in a fresh project."""
    python = _blocks(REPO / "docs" / "ci.md", "python")
    (plugin,) = [b for b in python if "class MinTrainExamples" in b]
    (test,) = [b for b in python if "def test_min_train_examples" in b]
    project = tmp_path / "project"
    (project / "plugins").mkdir(parents=True)
    (project / "tests").mkdir()
    (project / "rules.yaml").write_text("select: [ALL]\n")
    (project / "plugins" / "myteam.py").write_text(plugin)
    (project / "tests" / "test_myteam.py").write_text(test)
    (cases,) = [b for b in _blocks(REPO / "docs" / "ci.md", "yaml") if b.startswith("cases:")]
    (project / "tests" / "cases").mkdir()
    (project / "tests" / "cases" / "MYT001.yaml").write_text(cases)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project / "tests")],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (tuned,) = [b for b in _blocks(REPO / "docs" / "ci.md", "yaml") if "MYT001" in b]
    (project / "rules.yaml").write_text(tuned)
    ws = tmp_path / "ws" / "outputs" / "run-a"
    ws.mkdir(parents=True)
    (ws / "final_metrics.json").write_text(json.dumps(final_metrics(train_examples=1500)))
    run = subprocess.run(
        [sys.executable, "-m", "ftlint", "check", str(tmp_path / "ws"), "--select", "MYT001"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1 and "MYT001 trained on 1500 examples" in run.stdout, run
