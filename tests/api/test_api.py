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


def test_a_deprecated_loader_is_read_as_an_adapter_and_named_in_a_warning(
    tmp_path: Path, monkeypatch
) -> None:
    """`ftlint_load_runs` still works, as an adapter of its own: a run name it shares
    with a built-in adapter's run is reported, not merged; setup warns it is deprecated."""
    plugin = tmp_path / "old_loader.py"
    plugin.write_text(
        "from ftlint.hookspecs import hookimpl\n"
        "from ftlint.model import Run\n"
        "@hookimpl\n"
        "def ftlint_load_runs(workspace, config):\n"
        "    return [Run(name='r1', kind='eval'), Run(name='extra', kind='eval')]\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    ws = tmp_path / "ws"
    (ws / "outputs" / "r1").mkdir(parents=True)
    (ws / "outputs" / "r1" / "final_metrics.json").write_text(
        '{"eval": {"mae_raw": 1.0, "evaluated_count": 10}}', encoding="utf-8"
    )
    session = api.setup(config=Config(), cli_plugins=["old_loader"], use_entry_points=False)
    assert any("ftlint_load_runs, which is deprecated" in w for w in session.warnings)
    assert "hfjobs" in api.sources_of(session)  # the built-in layout, through the same hook
    campaign = api.load_campaign(session, ws)
    assert [r.name for r in campaign.runs] == ["extra", "r1"]
    assert campaign.get("r1").adapters == ("hfjobs",)
    (dup,) = [p for p in campaign.problems if "second run named 'r1'" in p.message]
    assert "load_runs#0" in dup.message


def test_paths_may_be_given_as_strings(tmp_path: Path, monkeypatch) -> None:
    """`setup` takes `str` paths as `load_campaign` does: a config found above a
    workspace given as a str is checked for trust like a Path (it raised before)."""
    (tmp_path / "rules.yaml").write_text("select: [ALL]\n")
    ws = tmp_path / "ws"
    ws.mkdir()
    monkeypatch.chdir(tmp_path)
    for workspace in (str(ws), ws):
        session = api.setup(workspace=workspace, use_entry_points=False)
        assert session.config.path is not None
        assert session.config.path.resolve() == (tmp_path / "rules.yaml").resolve()
    explicit = api.setup(str(tmp_path / "rules.yaml"), workspace=str(ws), use_entry_points=False)
    assert explicit.config.path is not None
