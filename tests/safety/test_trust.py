"""Class: code from a linted workspace runs. A config that came with the artifacts
(found by the upward search inside the linted path) must not import its local plugins
unless the user trusted it (`--config`, outside the linted path, or `ftlint trust`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftlint.config import trust

EVIL = "from pathlib import Path\nPath({marker!r}).write_text('ran')\n"


def _plant(folder: Path, marker: Path, name: str = "rules.yaml") -> Path:
    """A config naming a plugin folder whose module leaves a marker when imported."""
    plugins = folder / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    (plugins / "evil.py").write_text(EVIL.format(marker=str(marker)))
    body = "plugins:\n  paths: [plugins]\nignore: [OPS]\n"
    if name == "pyproject.toml":
        body = '[tool.ftlint]\nignore = ["OPS"]\n[tool.ftlint.plugins]\npaths = ["plugins"]\n'
    config = folder / name
    config.write_text(body)
    return config


@pytest.fixture
def xdg(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "xdg"
    home.mkdir()
    return {"XDG_CONFIG_HOME": str(home)}


@pytest.mark.parametrize(
    ("name", "command", "cwd_sub"),
    [
        ("rules.yaml", ("check", "."), ""),
        (".ftlint.yaml", ("check", "."), "outputs"),
        ("pyproject.toml", ("check", "."), ""),
        ("rules.yaml", ("runs", "."), "outputs"),
        ("rules.yaml", ("plan", ".", "--candidate", "cand"), ""),
        ("rules.yaml", ("gate", ".", "--baseline", "base", "--candidate", "cand"), ""),
        ("pyproject.toml", ("gate", ".", "--baseline", "base", "--candidate", "cand"), "outputs"),
        ("rules.yaml", ("rules",), ""),
        (".ftlint.yaml", ("rules",), "outputs"),
        ("rules.yaml", ("explain", "FMT001"), ""),
    ],
)
def test_workspace_config_never_runs_plugins(
    ws, cli, tmp_path, xdg, name: str, command: tuple[str, ...], cwd_sub: str
) -> None:
    ws.run("base")
    ws.run("cand")
    marker = tmp_path / "marker"
    _plant(ws.root, marker, name)
    cwd = ws.root / cwd_sub
    args = [a if a != "." else str(ws.root) for a in command]
    result = cli(*args, cwd_dir=cwd, env=xdg)
    assert not marker.exists(), result.err
    assert result.err.count("ftlint trust") == 1
    assert "were not loaded" in result.err


def test_gate_says_where_gates_came_from(ws, cli, tmp_path, xdg) -> None:
    ws.run("base")
    ws.run("cand")
    marker = tmp_path / "marker"
    config = _plant(ws.root, marker)
    gate = cli("gate", ".", "--baseline", "base", "--candidate", "cand", cwd_dir=ws.root, env=xdg)
    assert f"gates from {config}" in gate.err or "gates from rules.yaml" in gate.err
    elsewhere = tmp_path / "empty"
    elsewhere.mkdir()
    gate = cli(
        "gate",
        str(ws.root),
        "--baseline",
        "base",
        "--candidate",
        "cand",
        cwd_dir=elsewhere,
        env=xdg,
    )
    assert "gates from defaults" in gate.err


def test_trusted_explicit_or_outside_configs_run_plugins(ws, cli, tmp_path, xdg) -> None:
    ws.run("base")
    marker = tmp_path / "marker"
    config = _plant(ws.root, marker)
    # --config: the user's explicit choice
    cli("check", ".", "--config", str(config), cwd_dir=ws.root, env=xdg)
    assert marker.exists()
    marker.unlink()
    # a project config outside the linted path
    project = tmp_path / "project"
    project.mkdir()
    _plant(project, marker)
    result = cli("check", str(ws.root), cwd_dir=project, env=xdg)
    assert marker.exists() and "ftlint trust" not in result.err
    marker.unlink()
    # ftlint trust records the config with its sha256 ...
    recorded = cli("trust", ".", cwd_dir=ws.root, env=xdg)
    assert recorded.code == 0 and str(config.resolve()) in recorded.out
    store = json.loads((Path(xdg["XDG_CONFIG_HOME"]) / "ftlint/trusted.json").read_text())
    assert store["trusted"][str(config.resolve())]["sha256"] == trust.digest(config.read_bytes())
    cli("check", ".", cwd_dir=ws.root, env=xdg)
    assert marker.exists()
    marker.unlink()
    # ... so an edited config needs trusting again
    config.write_text(config.read_text() + "select: [ALL]\n")
    result = cli("check", ".", cwd_dir=ws.root, env=xdg)
    assert not marker.exists() and "ftlint trust" in result.err


def test_trust_file_location_and_corruption(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "x"))
    assert trust.trust_file() == tmp_path / "x" / "ftlint" / "trusted.json"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/not/allowed")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert trust.trust_file() == tmp_path / "home" / ".config" / "ftlint" / "trusted.json"
    store = trust.trust_file()
    store.parent.mkdir(parents=True)
    config = tmp_path / "rules.yaml"
    config.write_text("select: [ALL]\n")
    for junk in ("", "[]", "{", '{"trusted": []}', '{"trusted": {"x": 1}}', "[" * 5000):
        store.write_text(junk)
        assert not trust.is_recorded(config, trust.digest(config.read_bytes()))
    trust.record(config)  # a corrupt store is replaced, not a crash
    assert trust.is_recorded(config, trust.digest(config.read_bytes()))


def test_trust_command_errors(cli, tmp_path, xdg) -> None:
    assert cli("trust", str(tmp_path / "nope"), env=xdg).code == 2
    empty = tmp_path / "isolated"
    empty.mkdir()
    result = cli("trust", str(empty), env=xdg)
    assert result.code in (0, 2)  # 0 only when an ancestor of tmp holds a config
