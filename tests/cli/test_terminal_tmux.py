"""What a person sees in a real terminal (tmux at 80 and 120 columns).

`tmux capture-pane -J` joins the rows the terminal soft-wrapped, so a captured line is
the line the program printed: the tests check that findings are whole lines (a path is
never broken by a newline of ours), that ftlint runs prints one row per run within the
width, and that plan, gate and explain break long lines between words, never inside one.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAIR = ["--baseline", "sft-c1-baseline", "--candidate", "sft-c2-candidate"]
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _screen(tmp_path: Path, width: int, *args: str, join: bool = True) -> list[str]:
    """Run `ftlint ARGS` in a detached tmux session of `width` columns; the screen lines."""
    socket = f"ftlint-test-{uuid.uuid4().hex[:8]}"
    done = tmp_path / f"done-{socket}"
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TMUX")}
    env.pop("COLUMNS", None)
    command = (
        " ".join([shlex.quote(sys.executable), "-m", "ftlint", *map(shlex.quote, args)])
        + f"; touch {shlex.quote(str(done))}; sleep 600"
    )
    base = ["tmux", "-L", socket, "-f", "/dev/null"]
    subprocess.run(
        [*base, "new-session", "-d", "-x", str(width), "-y", "50", "-c", str(REPO), command],
        check=True,
        env=env,
    )
    try:
        subprocess.run([*base, "set-option", "-g", "history-limit", "20000"], check=True)
        for _ in range(600):  # up to a minute; the run itself takes about a second
            if done.exists():
                break
            time.sleep(0.1)
        assert done.exists(), "ftlint did not finish in the tmux session"
        flags = ["-p", "-S", "-", "-E", "-"] + (["-J"] if join else [])
        out = subprocess.run(
            [*base, "capture-pane", *flags], check=True, capture_output=True, text=True
        ).stdout
    finally:
        subprocess.run([*base, "kill-server"], check=False, capture_output=True)
    return [line.rstrip() for line in out.splitlines()]


def _plain(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR",)}
    proc = subprocess.run(
        [sys.executable, "-m", "ftlint", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    return proc.stdout + proc.stderr


@pytest.mark.parametrize("width", [80, 120])
def test_findings_are_whole_lines_in_a_terminal(tmp_path: Path, width: int) -> None:
    screen = _screen(tmp_path, width, "check", "examples", *PAIR)
    piped = [line for line in _plain("check", "examples", *PAIR).splitlines() if line]
    finding_lines = [line for line in piped if re.match(r"^\S+:\d+: [A-Z]+\d{3} ", line)]
    assert len(finding_lines) > 20
    assert set(finding_lines) <= set(screen)  # every finding line arrives unbroken
    headers = [line for line in screen if line.startswith("sft-") and "(" in line]
    assert headers[0].startswith("sft-c2-candidate (candidate) ")
    assert headers[1].startswith("sft-c1-baseline (baseline) ")
    assert any(line.startswith("Found ") for line in screen)


def _tokens(text: str) -> set[str]:
    """Whitespace-separated words, markup and punctuation around them dropped."""
    words = (re.sub(r"^[^\w]+|[^\w]+$", "", t) for t in _ANSI.sub("", text).split())
    return {w for w in words if w}


@pytest.mark.parametrize("width", [80, 120])
def test_runs_fit_the_terminal_one_row_per_run(tmp_path: Path, width: int) -> None:
    import json

    names = [r["name"] for r in json.loads(_plain("runs", "examples", "--format", "json"))["runs"]]
    screen = [line for line in _screen(tmp_path, width, "runs", "examples", join=False) if line]
    assert screen[0].split()[0] == "run"
    assert all(len(line) <= width for line in screen)
    table = screen[1 : len(names) + 1]
    assert len(table) == len(names)  # one screen row per run: no row wrapped into several
    assert screen[len(names) + 1].startswith(f"{len(names)} runs discovered.")
    for row in table:  # a shortened cell keeps its start and its end
        assert row.split()[0] in names or "…" in row.split()[0]


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize(
    "args", [["plan", "examples", *PAIR], ["gate", "examples", *PAIR], ["explain", "FMT004"]]
)
def test_long_lines_break_between_words(tmp_path: Path, width: int, args: list[str]) -> None:
    """Joined back (-J undoes only the terminal's own soft wraps), every line fits the
    width unless one word alone is wider, and every word is a whole word of the piped
    output: ftlint broke lines between words and never inside one."""
    lines = _screen(tmp_path, width, *args)
    assert lines
    for line in lines:
        assert len(line) <= width or max(map(len, line.split())) > width // 2, line
    whole = _tokens(_plain(*args))
    cut = [w for line in lines for w in _tokens(line) if w not in whole]
    assert not cut, cut
