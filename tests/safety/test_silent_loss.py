"""Class: silent loss. A folder that cannot be listed, a run folder that cannot be
entered, a symlink loop, a folder link out of the workspace, a bad pyproject.toml on
the config search: each is reported, never dropped without a word. JUnit escapes CR
and bidi overrides like the other formats."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from helpers import final_metrics

from ftlint.sources import _globprobe
from ftlint.sources.io import Workspace
from safety._util import ftlint

PATTERNS = ("outputs/*/final_metrics.json", "weave/*.json", "wandb/run-*")


def _messages(ws: Workspace) -> dict[str, str]:
    return {p.evidence.path: p.message for p in ws.skipped}


@pytest.mark.parametrize(
    ("make", "path", "words"),
    [
        (lambda r: os.symlink(r / "outputs/loop", r / "outputs/loop"), "outputs/loop", "loop"),
        (lambda r: os.symlink("/", r / "outputs/escape"), "outputs/escape", "outside"),
        (
            lambda r: (os.symlink(r / "w2", r / "weave"), os.symlink(r / "weave", r / "w2")),
            "weave",
            "loop",
        ),
        (
            lambda r: (
                os.symlink(r / "wandb/run-b", r / "wandb/run-a")
                or os.symlink(r / "wandb/run-a", r / "wandb/run-b")
            ),
            "wandb/run-a",
            "loop",
        ),
    ],
    ids=["self-loop", "escape", "two-link-loop", "wandb-loop"],
)
def test_glob_names_what_it_cannot_follow(tmp_path: Path, make, path: str, words: str) -> None:
    (tmp_path / "outputs/good").mkdir(parents=True)
    (tmp_path / "outputs/good/final_metrics.json").write_text("{}")
    (tmp_path / "wandb").mkdir()
    make(tmp_path)
    ws = Workspace(tmp_path)
    found = ws.glob(PATTERNS)
    assert tmp_path / "outputs/good/final_metrics.json" in found
    assert words in _messages(ws)[path]
    ws.glob(PATTERNS)
    assert len(ws.skipped) == len(set(ws.skipped))  # reported once


@pytest.mark.parametrize("where", ["outputs", "weave", "outputs/run"])
def test_an_unlistable_folder_is_named(tmp_path: Path, monkeypatch, where: str) -> None:
    """Mode 000 cannot stop root, so the refusal is simulated at os.scandir / stat."""
    (tmp_path / "outputs/run").mkdir(parents=True)
    (tmp_path / "weave").mkdir()
    target = tmp_path / where
    real_scandir, real_stat, real_os_stat = os.scandir, Path.stat, os.stat

    def scandir(path):
        if Path(path) == target:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_scandir(path)

    def stat(self, *args, **kwargs):
        if self.parent == target:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_stat(self, *args, **kwargs)

    def os_stat(path, *args, **kwargs):  # the probe stats with os.stat, Path.glob with Path
        if Path(os.fsdecode(path)).parent == target:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_os_stat(path, *args, **kwargs)

    monkeypatch.setattr(_globprobe.os, "scandir", scandir)
    monkeypatch.setattr(Path, "stat", stat)
    monkeypatch.setattr(_globprobe.os, "stat", os_stat)
    ws = Workspace(tmp_path)
    ws.glob(("outputs/*/final_metrics.json", "weave/*.json"))
    assert any("Permission denied" in p.message for p in ws.skipped), ws.skipped


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads mode-000 folders")
def test_mode_000_run_folder_for_real(tmp_path: Path) -> None:
    run = tmp_path / "outputs/locked"
    run.mkdir(parents=True)
    (run / "final_metrics.json").write_text("{}")
    run.chmod(0)
    try:
        ws = Workspace(tmp_path)
        ws.glob(("outputs/*/final_metrics.json",))
        assert "outputs/locked/final_metrics.json" in _messages(ws)
    finally:
        run.chmod(0o755)


def test_cli_reports_a_symlink_loop(ws) -> None:
    ws.run("good")
    os.symlink(ws.root / "outputs/loop", ws.root / "outputs/loop")
    result = ftlint("check", str(ws.root), "--format", "json", cwd=ws.root.parent)
    messages = [f["message"] for f in json.loads(result.out)["findings"]]
    assert any("symlink loop" in m for m in messages), messages


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "junit"])
def test_a_run_folder_named_in_no_utf8_is_linted_in_every_format(ws, fmt: str) -> None:
    """A folder name that is no UTF-8 (Python decodes it to lone surrogates) crashed the
    fingerprint of every finding and SARIF's artifact URI."""
    from helpers import assert_valid_sarif

    ws.run("good")
    bad = os.fsencode(ws.root / "outputs") + b"/run-\xff\xfe"
    os.mkdir(bad)
    with open(bad + b"/final_metrics.json", "w") as handle:
        json.dump(final_metrics(), handle)
    result = ftlint(
        "check", str(ws.root), "--format", fmt, "--fail-on", "never", cwd=ws.root.parent
    )
    assert result.code == 0
    if fmt == "sarif":
        doc = json.loads(result.out)
        assert_valid_sarif(doc)
        assert "outputs/run-%FF%FE/final_metrics.json" in result.out
    elif fmt == "json":
        assert (
            "run-\\udcff\\udcfe"
            in json.loads(result.out)["runs"][-1].encode("unicode_escape").decode()
        )


@pytest.mark.parametrize(
    "text",
    [
        '[tool.ftlint\nselect = ["ALL"]\n',
        '[tool.ftlint]\nselect = ["ALL"\n',
        b'[tool.ftlint]\nselect = ["\xff"]\n',
    ],
    ids=["bad-table", "bad-value", "not-utf8"],
)
def test_a_bad_pyproject_on_the_search_is_exit_2(ws, tmp_path: Path, text) -> None:
    ws.run("good", metrics=final_metrics())
    project = tmp_path / "project"
    project.mkdir()
    data = text if isinstance(text, bytes) else text.encode()
    (project / "pyproject.toml").write_bytes(data)
    result = ftlint("check", str(ws.root), cwd=project)
    assert result.code == 2
    assert "pyproject.toml" in result.err


def test_a_pyproject_without_ftlint_is_not_an_error(ws, tmp_path: Path) -> None:
    ws.run("good")
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.other\nbroken = \n")
    assert ftlint("check", str(ws.root), cwd=project).code in (0, 1)


@pytest.mark.parametrize("char", ["\u202e", "\r", "\x1b", "\u2066", "\x85", "\u2028"])
def test_junit_escapes_what_other_formats_escape(char: str) -> None:
    from ftlint.report.junit import xml_safe

    out = xml_safe(f"run{char}name")
    assert char not in out and "run" in out and "name" in out
