"""`ftlint runs --format json` writes a piece per run as it reads it: the same bytes as
`json.dumps` of the whole document, to stdout and to `--output`, secrets redacted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _example import EXAMPLES

from ftlint import api
from ftlint.model import Campaign
from ftlint.report.jsonfmt import finite
from ftlint.report.runs import render_runs, run_row, runs_json_pieces
from ftlint.untrusted import safe_tree
from tests.helpers import submission


def _whole(campaign: Campaign) -> str:
    """The document built whole, as `ftlint runs --format json` wrote it before."""
    doc = {
        "baseline": campaign.baseline,
        "candidate": campaign.candidate,
        "runs": [run_row(run) for run in api.loaded_runs(campaign)],
    }
    return json.dumps(finite(safe_tree(doc)), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


@pytest.mark.parametrize("pair", [(None, None), ("sft-c1-baseline", None)])
def test_pieces_are_the_whole_document(pair) -> None:
    session = api.setup(None, builtin_only=True)
    campaign = api.load_campaign(session, EXAMPLES, baseline=pair[0], candidate=pair[1])
    pieces = list(runs_json_pieces(campaign, api.loaded_runs(campaign)))
    assert len(pieces) == len(campaign.runs) + 2  # head, a piece per run, tail
    assert "".join(pieces) == _whole(campaign)
    assert render_runs(campaign, "json", color=False) == _whole(campaign)


def test_no_runs_is_an_empty_list() -> None:
    empty = Campaign(root="ws", runs=())
    text = "".join(runs_json_pieces(empty, ()))
    assert json.loads(text) == {"baseline": None, "candidate": None, "runs": []}
    assert text == _whole(empty)


def test_command_streams_the_same_bytes_redacted(ws, cli, tmp_path: Path) -> None:
    token = "hf_" + "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3f"
    for name in ("run-a", "run-b", f"run-{token}"):
        ws.run(name)
    ws.jsonl(
        "artifacts/hf_jobs/submissions.jsonl",
        [submission("run-a", env={"HF_TOKEN": token, "NOTE": "token=" + token[3:]})],
    )
    out = cli("runs", str(ws.root), "--format", "json")
    assert out.code == 0, out.err
    target = tmp_path / "runs.json"
    assert cli("runs", str(ws.root), "--format", "json", "--output", str(target)).code == 0
    assert target.read_text(encoding="utf-8") == out.out
    assert token not in out.out and token[3:] not in out.out
    doc = json.loads(out.out)
    assert len(doc["runs"]) == 3 and doc["runs"][0]["name"] == "run-a"
    session = api.setup(None, builtin_only=True)
    from ftlint.redact import redact

    assert out.out == redact(_whole(api.load_campaign(session, ws.root)))
