"""The linter conventions CI authors type (ruff's flags), through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def _workspace(ws) -> Path:
    """run-a: a PRV005 error (NaN rate); run-b: clean."""
    ws.run("run-a")
    ws.run("run-b")
    path = ws.root / "outputs/run-a/final_metrics.json"
    path.write_text(path.read_text().replace('"json_valid_rate": 0.99', '"json_valid_rate": NaN'))
    return ws.root


def test_exit_zero_and_fail_on_from_the_config(ws, cli, tmp_path: Path) -> None:
    root = _workspace(ws)
    assert cli("check", str(root)).code == 1
    assert cli("check", str(root), "--exit-zero").code == 0
    config = tmp_path / "cfg.yaml"
    config.write_text("fail-on: never\n")
    assert cli("check", str(root), "--config", str(config)).code == 0
    assert cli("check", str(root), "--config", str(config), "--fail-on", "error").code == 1
    config.write_text("fail-on: sometimes\n")
    bad = cli("check", str(root), "--config", str(config))
    assert bad.code == 2 and f"{config}:1" in bad.err


def test_output_format_alias_and_environment(ws, cli) -> None:
    root = _workspace(ws)
    alias = cli("check", str(root), "--output-format", "json")
    assert json.loads(alias.out)["findings"]
    env = cli("check", str(root), env={"FTLINT_OUTPUT_FORMAT": "github"})
    assert env.out.startswith("::")
    flag_wins = cli("check", str(root), "--format", "json", env={"FTLINT_OUTPUT_FORMAT": "github"})
    assert flag_wins.json()["findings"]


def test_statistics_text_and_json(ws, cli) -> None:
    root = _workspace(ws)
    text = cli("check", str(root), "--statistics").out.splitlines()
    assert any(line.split()[:2] == ["1", "PRV005"] for line in text)
    assert text[-1].startswith("Found ") or text[-2].startswith("Found ")
    doc = cli("check", str(root), "--statistics", "--format", "json").json()
    by_code = {row["code"]: row for row in doc}
    assert by_code["PRV005"]["name"] == "inconsistent-metrics"
    assert by_code["PRV005"]["severities"] == {"error": 1}
    assert [row["count"] for row in doc] == sorted((row["count"] for row in doc), reverse=True)
    assert cli("check", str(root), "--statistics", "--format", "sarif").code == 2


def test_extend_select_adds_to_the_selection(ws, cli, tmp_path: Path) -> None:
    root = _workspace(ws)
    config = tmp_path / "cfg.yaml"
    config.write_text("select: [OPS]\n")
    assert "PRV005" not in cli("check", str(root), "--config", str(config)).out
    extended = cli("check", str(root), "--config", str(config), "--extend-select", "PRV005")
    assert "PRV005" in extended.out and extended.code == 1


def test_isolated_ignores_the_config_and_show_settings_says_where(ws, cli, tmp_path: Path) -> None:
    root = _workspace(ws)
    project = tmp_path / "project"
    project.mkdir()
    (project / "rules.yaml").write_text("ignore: [PRV]\nfail-on: warning\n")
    assert cli("check", str(root), cwd_dir=project).code == 0  # PRV ignored
    assert cli("check", str(root), "--isolated", cwd_dir=project).code == 1
    shown = cli("check", str(root), "--show-settings", "--fail-on", "error", cwd_dir=project)
    assert shown.code == 0
    lines = {line.split(" = ")[0]: line for line in shown.out.splitlines()}
    assert lines["ignore"].endswith(f"# {project / 'rules.yaml'}:1")
    assert lines["fail-on"].endswith("# --fail-on")
    assert lines["output-format"].endswith("# default")
    isolated = cli("check", str(root), "--show-settings", "--isolated", cwd_dir=project)
    assert "# --isolated" in isolated.out and "PRV" not in isolated.out
    assert cli("check", str(root), "--isolated", "--config", "x.yaml").code == 2


def test_verbose_says_what_was_read(ws, cli) -> None:
    root = _workspace(ws)
    result = cli("check", str(root), "-v", "--isolated")
    assert "ftlint: config: none (--isolated)" in result.err
    assert "ftlint: plugins: " in result.err and "builtin." in result.err
    assert "ftlint:   run-a: " in result.err and "outputs/run-a/final_metrics.json" in result.err


@pytest.mark.parametrize("command", ["check", "runs", "plan", "gate"])
def test_missing_path_and_empty_workspace_are_exit_2(ws, cli, tmp_path: Path, command) -> None:
    missing = cli(command, str(tmp_path / "nope"))
    assert missing.code == 2 and "not found" in missing.err
    empty = cli(command, str(ws.root))
    assert empty.code == 2 and "nothing to lint in" in empty.err


def test_color_flag(ws, cli) -> None:
    root = _workspace(ws)
    assert "\x1b[" in cli("check", str(root), "--color", "always").out
    assert "\x1b[" not in cli("check", str(root), "--color", "never", env={"FORCE_COLOR": "1"}).out
    assert "\x1b[" not in cli("check", str(root), "--no-color", env={"FORCE_COLOR": "1"}).out
    assert "\x1b[" not in cli("check", str(root), env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).out


def test_help_lists_every_format_including_plugin_formats(monkeypatch, capsys) -> None:
    import ftlint.plugins
    from ftlint.cli.app import build_parser

    class _Fake:
        def report_formats(self):
            return {"text": None, "teamcity": None}

    monkeypatch.setattr(ftlint.plugins, "build_plugins", lambda **_: _Fake())
    with pytest.raises(SystemExit):
        build_parser().parse_args(["check", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "text, json, sarif, github, junit, teamcity" in out
    assert "--output-format" in out and "--exit-zero" in out and "--statistics" in out


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_are_generated_from_the_parser(cli, shell) -> None:
    pytest.importorskip("shtab")
    result = cli("completion", shell)
    assert result.code == 0
    for word in ("check", "gate", "--fail-on", "--statistics", "--output-format"):
        assert word.lstrip("-") in result.out


@pytest.mark.parametrize(
    ("command", "listed"),
    [
        ("plan", "text, markdown, json, env, html"),
        ("gate", "text, markdown, json"),
        ("runs", "text, json, csv"),
    ],
)
def test_help_lists_each_commands_own_formats(cli, command: str, listed: str) -> None:
    out = " ".join(cli(command, "--help").out.split())
    assert f"output format: {listed}" in out


def test_output_format_variable_is_for_check_only(ws, cli) -> None:
    root = _workspace(ws)
    runs = cli("runs", str(root), env={"FTLINT_OUTPUT_FORMAT": "sarif"})
    assert runs.code == 0 and runs.out.startswith("run ")
