"""write_atomic: whole files only, with the mode a plain write would give."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ftlint.atomic import write_atomic


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_file_gets_the_umask_mode_not_a_temp_files(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(str(tmp_path / "report.json"), b"{}\n")
    finally:
        os.umask(old)
    assert (tmp_path / "report.json").read_bytes() == b"{}\n"
    assert _mode(tmp_path / "report.json") == 0o644


def test_replacing_keeps_the_mode_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "report.sarif"
    target.write_text("old")
    target.chmod(0o640)
    write_atomic(str(target), b"new")
    assert target.read_text() == "new" and _mode(target) == 0o640
    write_atomic(str(target), b"private", mode=0o600)
    assert _mode(target) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.sarif"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(TypeError):
        write_atomic(str(target), "not bytes")  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]
