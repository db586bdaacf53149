"""An artifact string holding a lone surrogate (a JSON `\\ud800` escape, which Python
decodes to a str UTF-8 cannot encode) reaches a finding's message: every format still
writes its report, with the surrogate shown as its `\\ud800` escape, to a file and to
stdout, instead of exit 2 and no report."""

from __future__ import annotations

import json

import pytest
from helpers import hard_case


def _workspace(ws) -> None:
    # 20 rows share one template (QLT006 quotes it), 20 have templates of their own
    rows = [hard_case(i, request_text=f"Play \\ud800 synthwave, sample {i}") for i in range(1, 21)]
    rows += [
        hard_case(i, request_text=f"mood {chr(97 + i % 26)}{chr(97 + i // 26)}")
        for i in range(21, 41)
    ]
    path = ws.root / "outputs/r/hard_cases.valid.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    # written by hand: json.dumps would escape the backslash; the artifact holds \ud800
    path.write_text("".join(json.dumps(r).replace("\\\\ud800", "\\ud800") + "\n" for r in rows))
    ws.run("r", cases=None)


@pytest.mark.parametrize("fmt", ["json", "text", "sarif", "junit", "github"])
def test_every_format_writes_a_report_with_the_escape(ws, cli, tmp_path, fmt) -> None:
    _workspace(ws)
    assert "\\ud800" in (ws.root / "outputs/r/hard_cases.valid.jsonl").read_text()
    out = tmp_path / f"report.{fmt}"
    result = cli("check", str(ws.root), "--format", fmt, "-o", str(out), "--fail-on", "never")
    assert result.code == 0, result.err
    text = out.read_text(encoding="utf-8")
    assert "\\ud800" in text
    if fmt in ("json", "sarif"):
        json.loads(text)  # still valid JSON: the escape is JSON's own spelling
    shown = cli("check", str(ws.root), "--format", fmt, "--fail-on", "never")
    assert shown.code == 0, shown.err
    assert "\\ud800" in shown.out
