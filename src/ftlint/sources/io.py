"""Safe reading of workspace files: JSON, streamed JSONL, paths that stay inside.

Nothing here raises on bad input. Every reader returns data plus `Problem`s that say
`file:line: what is wrong`; the provenance rules turn those into findings.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ftlint.model import Evidence, Problem

READ_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Workspace:
    """The root being linted (an absolute, resolved path); every artifact path is
    reported relative to it."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", self.root.resolve())

    def rel(self, path: Path) -> str:
        """POSIX path relative to the root (the file is known to be inside it)."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def inside(self, path: Path) -> bool:
        """True when `path`, with symlinks resolved, stays inside the workspace."""
        try:
            path.resolve().relative_to(self.root)  # the root is resolved once, by the loader
        except (ValueError, OSError):
            return False
        return True

    def glob(self, patterns: tuple[str, ...]) -> list[Path]:
        """Files matching the patterns, sorted, deduplicated, symlink escapes dropped."""
        out: dict[str, Path] = {}
        for pattern in patterns:
            for path in self.root.glob(pattern):
                out.setdefault(self.rel(path), path)
        return [out[k] for k in sorted(out)]


def reject_constant(name: str) -> float:
    """json.loads hook: keep NaN/Infinity as floats so checks can name them."""
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[name]


def read_json(ws: Workspace, path: Path, run: str | None = None) -> tuple[Any, list[Problem]]:
    """Read a whole JSON file. Returns (data or None, problems)."""
    rel = ws.rel(path)
    ev = Evidence(rel)
    if not ws.inside(path):
        return None, [Problem("unsafe-path", "resolves outside the workspace; not read", ev, run)]
    if path.is_dir():
        return None, [Problem("missing", "is a directory, expected a JSON file", ev, run)]
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, [Problem("missing", "file not found", ev, run)]
    except OSError as exc:
        return None, [Problem("missing", f"cannot read: {exc.strerror}", ev, run)]
    if not raw.strip():
        return None, [Problem("empty", "file is empty", ev, run)]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            Problem(
                "malformed", f"not UTF-8 (byte 0x{raw[exc.start]:02x})", Evidence(rel, line), run
            )
        ]
    try:
        return json.loads(text), []
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(text.rstrip())
        what = "truncated JSON (file ends early)" if truncated else f"invalid JSON: {exc.msg}"
        return None, [
            Problem("malformed", f"{what} at column {exc.colno}", Evidence(rel, exc.lineno), run)
        ]


@dataclass(frozen=True, slots=True)
class JsonlLine:
    """One parsed JSONL line: `value` is set, or `problem` says why the line was skipped."""

    line: int
    value: Any = None
    problem: Problem | None = None


def iter_jsonl(
    ws: Workspace, path: Path, *, max_line_bytes: int, run: str | None = None
) -> Iterator[JsonlLine]:
    """Stream a JSONL file line by line, in constant memory.

    Blank lines are skipped silently (they are valid separators). A line longer than
    `max_line_bytes` is reported and skipped without being held in memory; a
    half-written last line (no trailing newline, invalid JSON) is reported as
    truncated; non-UTF-8 bytes and invalid JSON are reported with their line.
    """
    rel = ws.rel(path)
    if not ws.inside(path):
        yield JsonlLine(
            0,
            problem=Problem(
                "unsafe-path", "resolves outside the workspace; not read", Evidence(rel), run
            ),
        )
        return
    if path.is_dir():
        yield JsonlLine(
            0,
            problem=Problem("missing", "is a directory, expected a JSONL file", Evidence(rel), run),
        )
        return
    try:
        handle = path.open("rb")
    except OSError as exc:
        kind = "missing"
        msg = (
            "file not found"
            if isinstance(exc, FileNotFoundError)
            else f"cannot read: {exc.strerror}"
        )
        yield JsonlLine(0, problem=Problem(kind, msg, Evidence(rel), run))
        return
    loads = json.loads
    with handle:
        number = 0
        any_content = False
        while True:
            raw = handle.readline(max_line_bytes + 1)
            if not raw:
                break
            number += 1
            if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
                skipped = _skip_rest_of_line(handle)
                size = len(raw) + skipped
                yield JsonlLine(
                    number,
                    problem=Problem(
                        "malformed",
                        f"line is {size:,} bytes, over the {max_line_bytes:,}-byte limit; skipped",
                        Evidence(rel, number),
                        run,
                    ),
                )
                continue
            if raw.isspace():
                continue
            any_content = True
            try:
                value = loads(raw)
            except UnicodeDecodeError as exc:
                yield JsonlLine(
                    number,
                    problem=Problem(
                        "malformed", f"not UTF-8 (byte {exc.start})", Evidence(rel, number), run
                    ),
                )
                continue
            except ValueError as exc:
                last = not raw.endswith(b"\n") and not handle.peek(1)
                msg = getattr(exc, "msg", str(exc))
                what = "half-written last line (truncated JSON)" if last else f"invalid JSON: {msg}"
                yield JsonlLine(
                    number, problem=Problem("malformed", what, Evidence(rel, number), run)
                )
                continue
            yield JsonlLine(number, value=value)
        if not any_content:
            yield JsonlLine(0, problem=Problem("empty", "file is empty", Evidence(rel), run))


def _skip_rest_of_line(handle: Any) -> int:
    skipped = 0
    while True:
        chunk = handle.readline(READ_CHUNK)
        if not chunk:
            return skipped
        skipped += len(chunk)
        if chunk.endswith(b"\n"):
            return skipped


def resolve_reference(ws: Workspace, run_dir: Path, recorded: Any) -> tuple[Path | None, str]:
    """Resolve a `*_path` value written on the job machine to a file in the run folder.

    The recorded path is only a hint: it is looked up *by file name* inside the run
    folder, so an absolute path from another machine works and `../../etc/passwd`
    never leads outside the workspace. Returns (local path or None, why not).
    """
    if not isinstance(recorded, str) or not recorded.strip():
        return None, "no path recorded"
    name = PurePosixPath(recorded.replace("\\", "/")).name
    if name in ("", ".", ".."):
        return None, f"recorded path {recorded!r} has no file name"
    local = run_dir / name
    if not ws.inside(local):
        return None, f"recorded path {recorded!r} resolves outside the workspace"
    if local.is_file():
        return local, ""
    return None, f"recorded path {recorded!r} not found in {ws.rel(run_dir)}/"
