"""The fast entry-point reader finds exactly what importlib.metadata finds."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import pytest

from ftlint.entrypoints import entry_points


@pytest.mark.parametrize("group", ["ftlint", "console_scripts", "pytest11", "pluggy.not-a-group"])
def test_same_entry_points_as_importlib_metadata(group: str) -> None:
    ours = {(ep.name, ep.value) for ep in entry_points(group)}
    theirs = {(ep.name, ep.value) for ep in metadata.entry_points(group=group)}
    assert ours == theirs


def test_first_distribution_on_the_path_wins_and_loads(tmp_path: Path) -> None:
    for base, target in ((tmp_path / "a", "json:dumps"), (tmp_path / "b", "json:loads")):
        info = base / "demo_pkg-1.0.dist-info"
        info.mkdir(parents=True)
        (info / "entry_points.txt").write_text(
            f"# comment\n[ftlint]\ndemo = {target}\n\n[other]\nx = y:z\n"
        )
    (eps,) = [entry_points("ftlint", path=[str(tmp_path / "a"), str(tmp_path / "b")])]
    assert [(ep.name, ep.value, ep.dist) for ep in eps] == [("demo", "json:dumps", "demo-pkg")]
    import json

    assert eps[0].load() is json.dumps


def test_ftlint_startup_does_not_import_importlib_metadata(tmp_path: Path) -> None:
    import subprocess

    code = (
        "import sys, runpy; sys.argv=['ftlint','rules'];\n"
        "try:\n    runpy.run_module('ftlint', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print('importlib.metadata' in sys.modules, file=sys.stderr)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.stderr.strip().endswith("False"), proc.stderr
