"""The pre-commit hook (.pre-commit-hooks.yaml), checked by the real pre-commit.

The end-to-end test snapshots this source tree (committed or not) into a throwaway git
repo, points a workspace repo's .pre-commit-config.yaml at it, and runs `pre-commit run`:
pre-commit builds the hook's virtualenv with pip (from PyPI, without the W&B extra), runs
`ftlint check --files` with the changed file names, fails on a bad workspace, reports
only the runs a commit touched, says once that W&B logs need the extra, and passes once
the workspace is fixed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import REPO, final_metrics

MANIFEST = REPO / ".pre-commit-hooks.yaml"
HAVE_PRE_COMMIT = importlib.util.find_spec("pre_commit") is not None


def _hook() -> dict:
    (hook,) = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return hook


def test_manifest_is_valid_for_pre_commit() -> None:
    hook = _hook()
    assert hook["id"] == "ftlint" and hook["entry"] == "ftlint check --files"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True and hook["require_serial"] is True
    if HAVE_PRE_COMMIT:
        from pre_commit.clientlib import load_manifest

        (loaded,) = load_manifest(str(MANIFEST))  # pre-commit's own schema check
        assert loaded["id"] == "ftlint"


@pytest.mark.parametrize(
    ("path", "runs"),
    [
        ("outputs/sft-a/final_metrics.json", True),
        ("outputs/sft-a/hard_cases.valid.jsonl", True),
        ("artifacts/hf_jobs/submissions.jsonl", True),
        ("artifacts/eval/runs/x.json", True),
        ("wandb/run-20250101_000000-abc/run-abc.wandb", True),
        ("evals/outputs/sft-a/final_metrics.json", True),
        ("rules.yaml", True),
        ("sub/rules.yaml", True),
        (".ftlint.yaml", True),
        ("pyproject.toml", True),
        ("data/extra.jsonl", True),
        ("src/app.py", False),
        ("README.md", False),
        ("my_rules.yaml.bak", False),
        ("docs/outputs.md", False),
    ],
)
def test_files_pattern(path: str, runs: bool) -> None:
    assert bool(re.search(_hook()["files"], path)) is runs


def _git(cwd: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    cmd = ["git", "-c", "user.name=ftlint-test", "-c", "user.email=t@example.com"]
    cmd += ["-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args]
    return subprocess.run(
        cmd, cwd=cwd, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def _snapshot(target: Path) -> str:
    """This source tree as a one-commit git repo (pre-commit clones hook repos)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    shutil.copytree(REPO / "src", target / "src", ignore=ignore)
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(REPO / name, target / name)
    _git(target, "init", "-q")
    _git(target, "add", "-A")
    _git(target, "commit", "-q", "-m", "snapshot")
    return _git(target, "rev-parse", "HEAD")


@pytest.mark.skipif(
    not HAVE_PRE_COMMIT, reason="pre-commit is not installed (pip install -e '.[test]')"
)
@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_real_pre_commit_fails_on_a_bad_workspace_then_passes(tmp_path: Path) -> None:
    hook_repo = tmp_path / "hook-repo"
    hook_repo.mkdir()
    rev = _snapshot(hook_repo)

    ws = tmp_path / "team-repo"  # the repository root is the workspace
    metrics = ws / "outputs" / "sft-a" / "final_metrics.json"
    metrics.parent.mkdir(parents=True)
    bad = final_metrics()
    bad["eval"]["json_valid_rate"] = float("nan")
    metrics.write_text(json.dumps(bad, indent=2), encoding="utf-8")
    other = ws / "outputs" / "sft-b" / "final_metrics.json"
    other.parent.mkdir(parents=True)
    other.write_text(json.dumps(final_metrics(), indent=2), encoding="utf-8")
    log = ws / "wandb" / "run-20250101_000000-abc123" / "run-abc123.wandb"
    (log.parent / "files").mkdir(parents=True)
    (log.parent / "files" / "wandb-summary.json").write_text('{"eval/json_valid_rate": 0.99}')
    log.write_bytes(b":W&B" + bytes(60))  # read only with the W&B extra
    (ws / "notes.md").write_text("unrelated\n", encoding="utf-8")
    config = {"repos": [{"repo": str(hook_repo), "rev": rev, "hooks": [{"id": "ftlint"}]}]}
    (ws / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    _git(ws, "init", "-q")
    _git(ws, "add", "-A")

    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        NO_COLOR="1",
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )

    def pre_commit(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "--color", "never", *args],
            cwd=ws,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )

    failed = pre_commit("--all-files")
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert re.search(r"^ftlint\.+Failed$", failed.stdout, re.M), output
    line = metrics.read_text().splitlines().index('    "json_valid_rate": NaN,') + 1
    assert f"outputs/sft-a/final_metrics.json:{line}: PRV005 json_valid_rate is NaN" in output
    # the W&B log needs the extra: said once, as a note, not as a finding
    assert output.count("ftlint: note: W&B run logs") == 1, output
    assert "W&B SDK is not importable" not in output

    # a commit that touches only sft-b reports sft-b, not sft-a's error
    touched = pre_commit("--verbose", "--files", "outputs/sft-b/final_metrics.json")
    output = touched.stdout + touched.stderr
    assert touched.returncode == 0, output
    assert "sft-a" not in output and "json_valid_rate is NaN" not in output
    again = pre_commit("--verbose", "--all-files")
    assert "ftlint: note: W&B" not in again.stdout + again.stderr  # said once only

    metrics.write_text(json.dumps(final_metrics(), indent=2), encoding="utf-8")
    _git(ws, "add", "-A")
    passed = pre_commit("--all-files")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"^ftlint\.+Passed$", passed.stdout, re.M), passed.stdout

    # only unrelated files changed: the hook is skipped, not run
    skipped = pre_commit("--files", "notes.md")
    assert skipped.returncode == 0
    assert re.search(r"^ftlint\.+\(no files to check\)Skipped$", skipped.stdout, re.M)
