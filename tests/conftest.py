"""Shared fixtures: a small, valid workspace builder and a CLI runner through the real entry point.

Plain helpers live in tests/helpers.py; the names below are imported here for the
fixtures (and for the rule tests that still import them from conftest).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import (  # noqa: F401  (codes, lint, ...: rule tests still import them from here)
    DIMS,
    REPO,
    Result,
    WorkspaceBuilder,
    codes,
    final_metrics,
    hard_case,
    lint,
    submission,
)
from hypothesis import settings as hypothesis_settings

# Timing is the benchmark's business, never a test's: hypothesis's 200 ms deadline per
# example failed a parser test on a loaded 2-core machine (216 ms). And the suite is
# deterministic: the same examples on every run. `HYPOTHESIS_PROFILE=explore` searches
# anew each run, with more examples, for a session that hunts bugs.
hypothesis_settings.register_profile("ci", deadline=None, derandomize=True)
hypothesis_settings.register_profile("explore", deadline=None, max_examples=1000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def ws(tmp_path: Path) -> WorkspaceBuilder:
    root = tmp_path / "ws"
    root.mkdir()
    return WorkspaceBuilder(root)


@pytest.fixture
def cli(tmp_path: Path) -> Callable[..., Result]:
    """Run the real `ftlint` entry point in a subprocess, from an empty directory.

    The working directory has no rules.yaml, so the repo's own config does not apply
    unless a test passes --config.
    """
    cwd = tmp_path / "cwd"
    cwd.mkdir(exist_ok=True)

    def run(*args: str, cwd_dir: Path | None = None, env: dict[str, str] | None = None) -> Result:
        full_env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
        full_env["FTLINT_DEBUG"] = "1"  # a crash must show as a traceback and fail the test
        full_env.update(env or {})
        proc = subprocess.run(
            [sys.executable, "-m", "ftlint", *args],
            cwd=cwd_dir or cwd,
            capture_output=True,
            text=True,
            env=full_env,
            timeout=120,
        )
        assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture
def every_file_large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every hard-case file counts as large: the block reader, its plain-row path and
    the per-line msgspec path are on whatever the file's size."""
    from ftlint.sources import hardcases, io

    monkeypatch.setattr(hardcases, "FAST_MIN_BYTES", 0)
    monkeypatch.setattr(io, "FAST_MIN_BYTES", 0)
