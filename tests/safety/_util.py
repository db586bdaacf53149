"""Helpers of the safety tests: the real CLI with a short timeout (a hang fails fast)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

TIMEOUT = 30


@dataclass
class Run:
    code: int
    out: str
    err: str


def ftlint(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Run:
    """`python -m ftlint ARGS` from `cwd`; no traceback and no internal error allowed."""
    full = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")}
    full["FTLINT_DEBUG"] = "1"
    full["XDG_CONFIG_HOME"] = str(cwd / ".xdg")
    full.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "ftlint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=full,
        timeout=TIMEOUT,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "internal error" not in proc.stderr, proc.stderr
    return Run(proc.returncode, proc.stdout, proc.stderr)
