"""`ftlint.plugins.entry_points` finds what `importlib.metadata` finds, in its order.

ftlint reads `entry_points.txt` itself so that a `check` does not import
importlib.metadata (~15 ms); these tests hold it to the stdlib's answer on the real
environment and on distributions built here (duplicates, egg-info, extras, attributes).
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points as metadata_entry_points
from pathlib import Path

import pytest

from ftlint.plugins import entry_points


def _same(group: str) -> None:
    ours = [(ep.name, ep.value) for ep in entry_points(group)]
    theirs = [(ep.name, ep.value) for ep in metadata_entry_points(group=group)]
    assert ours == theirs


def _dist(site: Path, folder: str, text: str | None) -> None:
    info = site / folder
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {folder.split('-')[0]}\n")
    if text is not None:
        (info / "entry_points.txt").write_text(text)


def test_the_real_environment() -> None:
    groups = set(metadata_entry_points().groups) | {"ftlint", "no-such-group"}
    for group in sorted(groups):
        _same(group)


def test_built_distributions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    _dist(first, "Acme.Lint-1.0.dist-info", "# c\n[ftlint]\nacme = acme_mod:plugin.obj [x]\n")
    _dist(first, "other_pkg-2.0.egg-info", "[ftlint]\n  zed=zed_mod\n\n[other]\nq = r\n")
    _dist(first, "no_entry_points-1.0.dist-info", None)
    # the same distribution again, later on the path: shadowed, as by the import system
    _dist(second, "acme_lint-0.9.dist-info", "[ftlint]\nold = old_mod\n")
    _dist(second, "third-3.dist-info", "[ftlint]\nalpha = a.b:c\n[ftlint.extra]\nz = y\n")
    monkeypatch.syspath_prepend(str(second))
    monkeypatch.syspath_prepend(str(first))
    found = entry_points("ftlint")
    assert {ep.name for ep in found} >= {"acme", "zed", "alpha"}
    assert "old" not in {ep.name for ep in found}
    _same("ftlint")
    _same("other")
    _same("ftlint.extra")


def test_load_follows_module_and_attributes(tmp_path: Path, monkeypatch) -> None:
    site = tmp_path / "site"
    (site / "ep_pkg").mkdir(parents=True)
    (site / "ep_pkg" / "__init__.py").write_text("class Holder:\n    value = 42\n")
    _dist(site, "ep_pkg-1.0.dist-info", "[ftlint]\nh = ep_pkg:Holder.value [extra]\nm = ep_pkg\n")
    monkeypatch.syspath_prepend(str(site))
    loaded = {ep.name: ep.load() for ep in entry_points("ftlint") if ep.name in ("h", "m")}
    assert loaded["h"] == 42 and loaded["m"] is sys.modules["ep_pkg"]


def test_unusual_paths_fall_back_to_importlib_metadata(tmp_path: Path, monkeypatch) -> None:
    archive = tmp_path / "plugins.zip"
    archive.write_bytes(b"")  # a file on sys.path: importlib.metadata reads it as a zip
    monkeypatch.syspath_prepend(str(archive))
    _same("ftlint")
