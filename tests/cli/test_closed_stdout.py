"""ftlint started with its standard output closed (`ftlint check . >&-`, a hook runner
that closes it): Python has no stdout stream at all, and writing the report raised an
AttributeError that ended as "internal error" (found by the #19 differential check)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _closed_stdout(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    sh = shutil.which("sh")
    if sh is None:
        pytest.skip("no POSIX shell to close stdout with")
    command = [sys.executable, "-m", "ftlint", *args]
    return subprocess.run(
        [sh, "-c", 'exec "$@" >&-', "sh", *command],
        capture_output=False,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        check=False,
    )


@pytest.mark.parametrize("command", [["check", str(EXAMPLES)], ["runs", str(EXAMPLES)]])
def test_closed_stdout_is_a_clear_error(command: list[str], tmp_path: Path) -> None:
    done = _closed_stdout(*command, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == "ftlint: standard output is closed; write to a file with --output\n"


def test_the_report_still_goes_to_its_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    done = _closed_stdout(
        "check", str(EXAMPLES), "--format", "json", "--output", str(out), cwd=tmp_path
    )
    assert done.returncode == 1, done.stderr  # findings, written
    assert "internal error" not in done.stderr
    assert out.read_text(encoding="utf-8").startswith("{")
