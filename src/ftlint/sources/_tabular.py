"""Shared by the CSV-reading adapters (`openai_ft`, `generic`): regular-file checks and a
streaming CSV reader that reports bad input with its line instead of raising.

`io.py` reads JSON and JSONL; CSV needs its own loop because a quoted cell may span
lines, a line may be huge or not UTF-8, and a FIFO named `x.csv` must never block.
"""

from __future__ import annotations

import csv
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ftlint import frozen

from ..model import Evidence, Problem
from .io import Workspace

#: most problems one file reports about its rows before summing up the rest
MAX_ROW_PROBLEMS = 20


def not_regular(ws: Workspace, path: Path, what: str, run: str | None = None) -> Problem | None:
    """A Problem when `path` must not be opened: outside the workspace, missing, a
    directory, or not a regular file (a FIFO would block a reader forever)."""
    rel = ws.rel(path)
    if not ws.inside(path):
        return Problem(
            "unsafe-path", "resolves outside the workspace; not read", Evidence(rel), run
        )
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return Problem("missing", "file not found", Evidence(rel), run)
    except OSError as exc:
        return Problem("missing", f"cannot read: {exc.strerror}", Evidence(rel), run)
    if stat.S_ISDIR(mode):
        return Problem("missing", f"is a directory, expected {what}", Evidence(rel), run)
    if not stat.S_ISREG(mode):
        return Problem(
            "invalid", "not a regular file (FIFO, socket or device); not read", Evidence(rel), run
        )
    return None


def open_regular(path: Path) -> IO[bytes] | None:
    """Open for reading without ever blocking: O_NONBLOCK, then fstat must say regular.

    Closes the race between `not_regular` and the open (a file swapped for a FIFO).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            return None
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except OSError:
        os.close(fd)
        return None


@frozen
class CsvRow:
    """One CSV record: the physical line it starts on and its cells (the header too)."""

    line: int
    cells: tuple[str, ...]


def first_line(path: Path, limit: int = 65536) -> str | None:
    """The first line of a regular file as text (BOM dropped), or None when unreadable."""
    handle = open_regular(path)
    if handle is None:
        return None
    with handle:
        try:
            raw = handle.readline(limit)
        except OSError:
            return None
    try:
        return raw.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError:
        return None


def iter_csv(
    ws: Workspace, path: Path, *, max_line_bytes: int, run: str | None = None
) -> Iterator[CsvRow | Problem]:
    """Stream a CSV file: the header first, then each data row as a `CsvRow`.

    Blank lines are skipped. A row whose cell count differs from the header's, a line
    over `max_line_bytes`, non-UTF-8 bytes and broken quoting each yield a Problem with
    the line (the row is skipped); a file with no header yields an `empty` Problem.
    """
    rel = ws.rel(path)
    bad = not_regular(ws, path, "a CSV file", run)
    if bad is not None:
        yield bad
        return
    handle = open_regular(path)
    if handle is None:
        yield Problem("missing", "cannot open as a regular file", Evidence(rel), run)
        return
    if csv.field_size_limit() < max_line_bytes:
        csv.field_size_limit(max_line_bytes)  # a long completion is one cell, not an error
    pending: list[Problem] = []
    counter = [0]
    with handle:
        lines = _decoded_lines(handle, rel, max_line_bytes, run, pending, counter)
        reader = csv.reader(lines)
        header: tuple[str, ...] | None = None
        skipped = 0
        while True:
            start = counter[0] + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                yield from _drain(pending)
                yield Problem(
                    "malformed", f"invalid CSV: {exc}; row skipped", Evidence(rel, start), run
                )
                continue
            yield from _drain(pending)
            if not cells or all(not c.strip() for c in cells):
                continue
            if header is None:
                header = tuple(c.strip() for c in cells)
                yield CsvRow(start, header)
                continue
            if len(cells) != len(header):
                skipped += 1
                if skipped <= MAX_ROW_PROBLEMS:
                    msg = f"row has {len(cells)} cells, the header has {len(header)}; row skipped"
                    yield Problem("malformed", msg, Evidence(rel, start), run)
                continue
            yield CsvRow(start, tuple(cells))
        yield from _drain(pending)
        if skipped > MAX_ROW_PROBLEMS:
            more = skipped - MAX_ROW_PROBLEMS
            yield Problem("malformed", f"{more} more ragged rows skipped", Evidence(rel), run)
        if header is None:
            yield Problem("empty", "file has no header row", Evidence(rel), run)


def _drain(pending: list[Problem]) -> Iterator[Problem]:
    while pending:
        yield pending.pop(0)


def _decoded_lines(
    handle: Any,
    rel: str,
    max_line_bytes: int,
    run: str | None,
    pending: list[Problem],
    counter: list[int],
) -> Iterator[str]:
    """Physical lines as text; a bad line becomes a Problem and an empty line (which the
    CSV reader skips), so one bad byte never ends the file."""
    first = True
    while True:
        try:
            raw = handle.readline(max_line_bytes + 1)
        except OSError as exc:
            pending.append(Problem("malformed", f"read error: {exc.strerror}", Evidence(rel), run))
            return
        if not raw:
            return
        counter[0] += 1
        number = counter[0]
        if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
            size = len(raw) + _skip_line(handle)
            msg = f"line is {size:,} bytes, over the {max_line_bytes:,}-byte limit; skipped"
            pending.append(Problem("malformed", msg, Evidence(rel, number), run))
            yield "\n"
            continue
        try:
            text = raw.decode("utf-8-sig" if first else "utf-8")
        except UnicodeDecodeError as exc:
            msg = f"not UTF-8 (byte 0x{raw[exc.start]:02x}); line skipped"
            pending.append(Problem("malformed", msg, Evidence(rel, number), run))
            yield "\n"
            continue
        first = False
        yield text


def _skip_line(handle: Any) -> int:
    skipped = 0
    while True:
        chunk = handle.readline(1 << 20)
        if not chunk:
            return skipped
        skipped += len(chunk)
        if chunk.endswith(b"\n"):
            return skipped


def parse_number(text: str) -> float | None:
    """A CSV cell as a number (int-valued floats stay floats), or None when it is not
    one. `nan`/`inf` parse: they are values a rule should see, not bad syntax."""
    try:
        return float(text.strip())
    except ValueError:
        return None
