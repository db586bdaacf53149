"""Plugins: local directories, -p, blocking, load failures, crashing rules, misspelt hooks."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from helpers import codes, final_metrics, lint

from ftlint.errors import FtlintError
from ftlint.plugins import build_plugins

GOOD_PLUGIN = '''
import ftlint
from ftlint.hookspecs import hookimpl
from ftlint.model import Category, Severity
from ftlint.rule import Param, Rule


class MinEvalSize(Rule):
    """What it detects: an eval set smaller than the team's minimum.

    Why it matters: small evals make every comparison noise.

    What the planner does: asks for a larger eval set.
    """

    code = "ACME001"
    name = "min-eval-size"
    category = Category.PROVENANCE
    default_severity = Severity.WARNING
    params = {"min_rows": Param(200, "smallest eval set we accept", minimum=1)}

    def check_run(self, run, ctx):
        size = run.provenance.eval_size
        if size is not None and size < ctx.params["min_rows"]:
            yield ctx.finding(run, f"eval size {size} < {ctx.params['min_rows']}", anchor="eval_size",
                              evidence=[run.metric_evidence("json_valid_rate")])


class Crashes(Rule):
    """What it detects: nothing, it crashes.

    Why it matters: to prove isolation.

    What the planner does: nothing.
    """

    code = "ACME002"
    name = "crashes"
    category = Category.OPS
    default_severity = Severity.INFO

    def check_run(self, run, ctx):
        raise ZeroDivisionError("boom")


@hookimpl
def ftlint_rules():
    return [MinEvalSize, Crashes]


@hookimpl
def ftlint_knobs():
    return {"acme_temperature": ["EVAL_TEMPERATURE"]}


@hookimpl
def ftlint_config_schema():
    return {"acme": {"type": "object", "properties": {"team": {"type": "string"}},
                     "additionalProperties": False}}
'''


def _plugin_dir(tmp_path: Path, name: str, body: str) -> Path:
    directory = tmp_path / "plugins"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.py").write_text(textwrap.dedent(body), encoding="utf-8")
    return directory


def test_local_plugin_rule_runs_and_crash_is_isolated(ws, tmp_path: Path) -> None:
    ws.run("run-a", metrics=final_metrics(valid_examples=80))
    _plugin_dir(ws.root.parent, "acme_rules", GOOD_PLUGIN)
    found = lint(ws.root, config_text="plugins:\n  paths: [plugins]\nacme:\n  team: ml\n")
    assert "ACME001" in codes(found)
    (crash,) = [f for f in found if f.rule == "FTL001"]
    assert crash.severity.value == "error"
    assert "ACME002" in crash.message and "ZeroDivisionError: boom" in crash.message
    acme = next(f for f in found if f.rule == "ACME001")
    assert acme.message == "eval size 80 < 200"
    relaxed = lint(
        ws.root,
        config_text="plugins:\n  paths: [plugins]\nrules:\n  ACME001:\n    min_rows: 50\n",
    )
    assert "ACME001" not in codes(relaxed)


def test_plugin_config_section_is_validated(ws) -> None:
    ws.run("run-a")
    _plugin_dir(ws.root.parent, "acme_rules", GOOD_PLUGIN)
    with pytest.raises(FtlintError) as info:
        lint(ws.root, config_text="plugins:\n  paths: [plugins]\nacme:\n  teem: ml\n")
    assert info.value.line == 4 and "teem" in str(info.value)


def test_plugin_knobs_join_the_vocabulary(tmp_path: Path) -> None:
    directory = _plugin_dir(tmp_path, "acme_rules", GOOD_PLUGIN)
    built = build_plugins(plugin_paths=[directory], use_entry_points=False)
    assert built.knobs() == {"acme_temperature": ("EVAL_TEMPERATURE",)}


def test_plugin_that_fails_to_import_is_named(tmp_path: Path) -> None:
    directory = _plugin_dir(tmp_path, "broken", "import not_a_module_anywhere\n")
    with pytest.raises(FtlintError, match="plugin 'broken' failed to load: ModuleNotFoundError"):
        build_plugins(plugin_paths=[directory], use_entry_points=False)
    built = build_plugins(plugin_paths=[directory], use_entry_points=False, keep_going=True)
    assert built.warnings and "broken" in built.warnings[0]


def test_dash_p_loads_and_blocks(tmp_path: Path) -> None:
    with pytest.raises(FtlintError, match="plugin 'no_such_plugin_mod' failed to load"):
        build_plugins(cli_plugins=["no_such_plugin_mod"], use_entry_points=False)
    built = build_plugins(cli_plugins=["no:builtin.security"], use_entry_points=False)
    assert "SEC001" not in {c.code for c in built.rule_classes()}
    built = build_plugins(disable=["builtin.ops"], use_entry_points=False)
    assert "OPS001" not in {c.code for c in built.rule_classes()}


def test_misspelt_hook_is_an_error(tmp_path: Path) -> None:
    body = "from ftlint.hookspecs import hookimpl\n\n@hookimpl\ndef ftlint_rule():\n    return []\n"
    directory = _plugin_dir(tmp_path, "typo", body)
    with pytest.raises(FtlintError, match="ftlint_rule"):
        build_plugins(plugin_paths=[directory], use_entry_points=False)


def test_invalid_and_duplicate_rules_are_errors(tmp_path: Path) -> None:
    dup = GOOD_PLUGIN.replace('code = "ACME001"', 'code = "PRV005"')
    directory = _plugin_dir(tmp_path, "dup", dup)
    with pytest.raises(FtlintError, match="PRV005 is contributed twice"):
        build_plugins(plugin_paths=[directory], use_entry_points=False).rule_classes()
    nodoc = GOOD_PLUGIN.replace("What it detects: an eval", "An eval")
    directory = _plugin_dir(tmp_path / "x", "nodoc", nodoc)
    with pytest.raises(FtlintError, match="docstring lacks the part"):
        build_plugins(plugin_paths=[directory], use_entry_points=False).rule_classes()


def test_cli_reports_plugin_failure_as_exit_2(ws, cli, tmp_path: Path) -> None:
    ws.run("run-a")
    project = tmp_path / "project"
    project.mkdir()
    _plugin_dir(project, "broken", "raise RuntimeError('nope')\n")
    (project / "rules.yaml").write_text("plugins:\n  paths: [plugins]\n")
    result = cli("check", str(ws.root), cwd_dir=project)
    assert result.code == 2
    assert "plugin 'broken' failed to load: RuntimeError: nope" in result.err
    assert "Traceback" not in result.err
    kept = cli("check", str(ws.root), "--keep-going", cwd_dir=project)
    assert kept.code in (0, 1) and "warning: plugin 'broken'" in kept.err
    blocked = cli("check", str(ws.root), "-p", "no:broken", cwd_dir=project)
    assert blocked.code in (0, 1) and blocked.err == ""


def _installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entries: str) -> None:
    """A distribution declaring `entries` in the ftlint group, importable from sys.path."""
    site = tmp_path / "site"
    info = site / "acme_ftlint-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-ftlint\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[ftlint]\n{entries}\n[other]\nx = y:z\n")
    (site / "acme_entry.py").write_text(GOOD_PLUGIN)
    monkeypatch.syspath_prepend(str(site))


def test_entry_points_load_block_and_keep_going(tmp_path: Path, monkeypatch) -> None:
    """Installed plugins come through importlib.metadata; -p no:NAME blocks one, and one
    that fails to import is an error, or a warning with keep_going."""
    _installed(tmp_path, monkeypatch, "acme = acme_entry\nbroken = not_a_module_anywhere")
    with pytest.raises(FtlintError, match="plugin 'broken' failed to load"):
        build_plugins()
    built = build_plugins(keep_going=True)
    assert "ACME001" in {c.code for c in built.rule_classes()}
    assert len(built.warnings) == 1 and "broken" in built.warnings[0]
    built = build_plugins(cli_plugins=["no:acme", "no:broken"])
    assert "ACME001" not in {c.code for c in built.rule_classes()} and not built.warnings
