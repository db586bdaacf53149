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


def test_the_temporary_file_is_private_and_new(tmp_path: Path) -> None:
    """As tempfile.mkstemp makes it: mode 0600 whatever the umask, never an existing
    file or a link's target taken over."""
    from ftlint.atomic import _temporary

    old = os.umask(0)
    try:
        fd, path = _temporary(str(tmp_path), ".out.json.")
    finally:
        os.umask(old)
    os.close(fd)
    assert os.path.dirname(path) == str(tmp_path)
    assert os.path.basename(path).startswith(".out.json.")
    assert _mode(Path(path)) == 0o600
    fd2, path2 = _temporary(str(tmp_path), ".out.json.")
    os.close(fd2)
    assert path2 != path


def test_a_taken_name_is_never_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Names that exist already (a file, a dangling link) are skipped, not opened."""
    import ftlint.atomic as atomic

    victim = tmp_path / "victim"
    (tmp_path / ".x.000000000000").write_text("keep")
    (tmp_path / ".x.010101010101").symlink_to(victim)
    draws = iter([b"\x00" * 6, b"\x01" * 6, b"\x02" * 6])
    monkeypatch.setattr(atomic.os, "urandom", lambda n: next(draws))
    fd, path = atomic._temporary(str(tmp_path), ".x.")
    os.close(fd)
    assert path == str(tmp_path / ".x.020202020202")
    assert (tmp_path / ".x.000000000000").read_text() == "keep"
    assert not victim.exists()


def test_no_free_name_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ftlint.atomic as atomic

    (tmp_path / ".x.000000000000").write_text("")
    monkeypatch.setattr(atomic.os, "urandom", lambda n: b"\x00" * n)
    with pytest.raises(FileExistsError, match="no unused temporary file name"):
        atomic._temporary(str(tmp_path), ".x.")
