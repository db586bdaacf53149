"""`ftlint.api` is the one wiring: the CLI, the tests and plugin test kits call it."""

from __future__ import annotations

import sys
from pathlib import Path

from ftlint import api
from ftlint.config.settings import Config

REPO = Path(__file__).resolve().parents[2]


def test_pipeline_functions_match_the_cli_on_the_examples() -> None:
    session = api.setup(config=Config(), use_entry_points=False)
    campaign = api.load_campaign(
        session, REPO / "examples", baseline="sft-c1-baseline", candidate="sft-c2-candidate"
    )
    result = api.lint(session, campaign)
    assert result.findings and list(result.findings) == sorted(
        result.findings, key=lambda f: f.sort_key()
    )
    report = api.gate(session, result)
    assert report is not None and not report.passed
    plan = api.plan(session, result, report)
    assert plan.candidate == "sft-c2-candidate"


def test_a_plugin_loader_with_fewer_arguments_is_called_through_pluggy(
    tmp_path: Path, monkeypatch
) -> None:
    """pluggy passes a hook implementation only the arguments it declares; calling the
    functions directly with every argument crashed with a TypeError."""
    plugin = tmp_path / "fewer_args_loader.py"
    plugin.write_text(
        "from ftlint.hookspecs import hookimpl\n"
        "from ftlint.model import Run\n"
        "CALLS = []\n"
        "@hookimpl\n"
        "def ftlint_load_runs(workspace):\n"
        "    CALLS.append(workspace)\n"
        "    return [Run(name='from-plugin', kind='eval')]\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    ws = tmp_path / "ws"
    ws.mkdir()
    session = api.setup(config=Config(), cli_plugins=["fewer_args_loader"], use_entry_points=False)
    campaign = api.load_campaign(session, ws)
    assert [r.name for r in campaign.runs] == ["from-plugin"]
    calls = sys.modules["fewer_args_loader"].CALLS
    assert calls == [ws]
