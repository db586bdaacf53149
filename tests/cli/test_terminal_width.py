"""terminal_width: what `shutil.get_terminal_size((100, 24)).columns` gives, without
importing shutil at start-up."""

from __future__ import annotations

import fcntl
import os
import shutil
import struct
import sys
import termios
from pathlib import Path

import pytest
from helpers import REPO, modules_after_check
from hypothesis import given
from hypothesis import strategies as st

from ftlint.cli.options import terminal_width

COLUMNS = [None, "80", "0", "-5", "abc", " 90 ", "1e3", "", "+7", "٣٤"]


def _same(monkeypatch: pytest.MonkeyPatch, columns: str | None) -> None:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    monkeypatch.delenv("LINES", raising=False)
    assert terminal_width() == shutil.get_terminal_size((100, 24)).columns


@pytest.mark.parametrize("columns", COLUMNS)
def test_no_terminal_on_stdout(monkeypatch: pytest.MonkeyPatch, columns: str | None) -> None:
    read, write = os.pipe()
    with os.fdopen(read, "rb"), os.fdopen(write, "w") as pipe:
        monkeypatch.setattr(sys, "__stdout__", pipe)
        _same(monkeypatch, columns)


@pytest.mark.parametrize("width", [0, 1, 57, 300])
@pytest.mark.parametrize("columns", COLUMNS)
def test_a_real_terminal(monkeypatch: pytest.MonkeyPatch, columns: str | None, width: int) -> None:
    """A pseudo-terminal of `width` columns (0: a terminal that reports none)."""
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, width, 0, 0))
    with os.fdopen(leader, "rb"), os.fdopen(follower, "w") as tty:
        monkeypatch.setattr(sys, "__stdout__", tty)
        _same(monkeypatch, columns)


def test_stdout_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "__stdout__", None)
    _same(monkeypatch, None)


@given(st.text(max_size=8))
def test_any_columns_value(columns: str) -> None:
    if "\x00" in columns:
        return  # not a value an environment can hold
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = columns
    try:
        assert terminal_width() == shutil.get_terminal_size((100, 24)).columns
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old


@pytest.mark.parametrize("module", ["shutil", "tempfile", "random"])
def test_check_imports_none_of_them(tmp_path: Path, module: str) -> None:
    """`ftlint check -o FILE` parses, lints and writes its report atomically without
    importing shutil, tempfile or random (~3.5 ms of every start-up with bz2, lzma,
    zlib): argparse's help formatter, the report width and the temporary file used
    to bring them in."""
    assert modules_after_check(tmp_path, REPO / "examples", module) == []
