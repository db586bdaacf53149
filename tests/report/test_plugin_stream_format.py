"""A plugin output format may stream (`render.stream`): the real CLI writes its pieces
with the bytes of the whole render, redacted even where a secret spans two pieces."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOKEN = "hf_Zq7Xw3Rt9Lm2Pk5Vn8BcQ4Yh"

PLUGIN = """
from ftlint.hookspecs import hookimpl

def _pieces(report):
    yield "runs:\\n"
    for run in report.campaign.runs:
        yield f"- {run.name}\\n"
    yield "token=hf_Zq7Xw3Rt9"   # a secret cut in two pieces
    yield "Lm2Pk5Vn8BcQ4Yh\\n"
    yield f"findings: {len(report.findings)}\\n"

def render(report):
    return "".join(_pieces(report))

render.stream = _pieces

@hookimpl
def ftlint_report_formats():
    return {"pieces": render, "whole": lambda report: render(report)}
"""


CMD = [sys.executable, "-m", "ftlint", "check", "--fail-on", "never"]


def _check(tmp_path: Path, fmt: str) -> bytes:
    out = tmp_path / f"{fmt}.txt"
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.run(
        [*CMD, str(REPO / "examples"), "-p", "piecesfmt", "--format", fmt, "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    return out.read_bytes()


def test_a_streaming_plugin_format_writes_the_whole_renders_bytes(tmp_path: Path) -> None:
    (tmp_path / "piecesfmt.py").write_text(PLUGIN, encoding="utf-8")
    streamed, whole = _check(tmp_path, "pieces"), _check(tmp_path, "whole")
    assert streamed == whole
    assert TOKEN.encode() not in streamed and b"Zq7Xw3Rt9" not in streamed
    assert b"runs:\n- " in streamed and b"findings: " in streamed
