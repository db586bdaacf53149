"""Safe reading of workspace files: JSON, streamed JSONL, paths that stay inside.

Nothing here raises on bad input. Every reader returns data plus `Problem`s that say
`file:line: what is wrong`; the provenance rules turn those into findings.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import field
from pathlib import Path
from typing import Any

from ftlint import frozen, mutable
from ftlint.model import Evidence, Problem
from ftlint.sources.fastjson import SLOW as _SLOW
from ftlint.sources.fastjson import fast_decoder
from ftlint.sources.jsonparse import bounded_int, loads_checked, parse_failure
from ftlint.sources.jsonparse import dup_message as _dup_message
from ftlint.sources.jsonparse import duplicate_line as _duplicate_line
from ftlint.sources.jsonparse import reject_constant as reject_constant  # re-exported
from ftlint.sources.listing import Listing, fast_parts, glob_error

READ_CHUNK = 1 << 20


@frozen
class Workspace:
    """The root being linted (an absolute, resolved path); every artifact path is
    reported relative to it."""

    root: Path
    #: folders and links the globs could not follow (unlistable, a symlink loop, a
    #: link out of the workspace): the caller reports them, nothing is dropped unsaid
    skipped: list[Problem] = field(default_factory=list, compare=False, repr=False)
    #: the shared listing while discovery runs (`scan`), else None
    listing: Listing | None = field(default=None, compare=False, repr=False)
    #: folders `inside` resolved to themselves (no link on the way): a file of one that is
    #: no link is inside without resolving each component again (~24 us a file)
    plain_folders: set[str] = field(default_factory=set, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", self.root.resolve())

    @contextmanager
    def scan(self) -> Iterator[Workspace]:
        """While this lasts, every glob reads one shared listing of the workspace (each
        folder listed once, `ftlint.sources.listing`) and `inside` answers from it for
        paths without links. Discovery runs in it; a loader reading a run later does not."""
        if self.listing is not None:
            yield self
            return
        object.__setattr__(self, "listing", Listing(str(self.root)))
        try:
            yield self
        finally:
            object.__setattr__(self, "listing", None)

    def rel(self, path: Path) -> str:
        """POSIX path relative to the root (the file is known to be inside it)."""
        text, root = str(path), str(self.root)
        if text.startswith(root) and len(root) > 1:  # a prefix cut, not relative_to's
            if len(text) == len(root):
                return "."
            if text[len(root)] == "/":
                return text[len(root) + 1 :]
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def inside(self, path: Path) -> bool:
        """True when `path`, with symlinks resolved, stays inside the workspace. (The
        file then opened is checked again, `open_regular`: a folder may turn into a
        link in between.)"""
        listing = self.listing
        text, root = str(path), str(self.root)
        if listing is not None:
            if (
                len(text) > len(root) + 1
                and text.startswith(root)
                and text[len(root)] == "/"
                and listing.plainly_inside(text[len(root) + 1 :])
            ):
                return True
        elif text.rpartition("/")[0] in self.plain_folders:
            try:
                if not stat.S_ISLNK(os.lstat(text).st_mode):
                    return True
            except OSError:
                return True  # missing (what `resolve` says too): the open reports it
        try:
            real = path.resolve()
            real.relative_to(self.root)  # the root is resolved once, by the loader
        except (ValueError, OSError, RuntimeError):
            return False
        if listing is None and str(real) == text and text != root:
            self.plain_folders.add(text.rpartition("/")[0])
        return True

    def opened_inside(self, fd: int, path: Path) -> bool:
        """True when the file open on `fd` is inside the workspace. `inside` answers
        from discovery's listing, which may be some time old by the open: a reader
        checks the file it actually opened (`/proc/self/fd`, no race), or, where that
        is missing, resolves `path` again."""
        try:
            real = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            real = ""
        root = str(self.root)
        if real.startswith("/") and not real.endswith(" (deleted)"):
            return real == root or real.startswith(root.rstrip("/") + "/")
        try:
            path.resolve().relative_to(self.root)
        except (ValueError, OSError, RuntimeError):
            return False
        return True

    def glob(self, patterns: tuple[str, ...]) -> list[Path]:
        """Files matching the patterns, sorted, deduplicated: Python 3.11's `Path.glob`
        on every Python (`ftlint.sources.listing`); a pattern `glob_error` refuses
        raises ValueError. A glob skips what it cannot enter without a word, so the
        folders along each pattern are probed too, and anything that could hold a
        match but cannot be read is added (once) to `skipped` as a Problem."""
        out: dict[str, Path] = {}
        # outside discovery, a listing for this call only: the same steps on any Python
        listing = self.listing if self.listing is not None else Listing(str(self.root))
        for pattern in patterns:
            parts = fast_parts(pattern)
            if parts is None:
                raise ValueError(f"glob {pattern!r} {glob_error(pattern)}")
            for rel in listing.glob(parts):
                key = rel or "."
                if key not in out:
                    out[key] = self.root / rel if rel else self.root
            self._probe(pattern, listing)
        return [out[k] for k in sorted(out)]

    def _probe(self, pattern: str, listing: Listing) -> None:
        from ftlint.sources._globprobe import probe

        for path, message, kind in probe(self.root, pattern, listing):
            problem = Problem(kind, message, Evidence(self.rel(path)))
            if problem not in self.skipped:
                self.skipped.append(problem)


#: the largest whole-JSON artifact read into memory (`limits: max-json-bytes`); a
#: bigger file is reported, never loaded (a metrics file is kB, an export a few MB)
DEFAULT_MAX_JSON_BYTES = 256 * 1024 * 1024


def open_regular(
    ws: Workspace, path: Path, run: str | None, what: str
) -> tuple[Any, Problem | None]:
    """Open `path` for binary reading only if it is a regular file inside the workspace.

    Opened non-blocking and checked with fstat on the same descriptor, so a FIFO named
    like an artifact is reported instead of blocking forever, and a file swapped between
    the check and the open cannot slip through. Returns (binary handle, None) or
    (None, problem); the caller closes the handle.
    """
    ev = Evidence(ws.rel(path))
    if not ws.inside(path):
        return None, Problem("unsafe-path", "resolves outside the workspace; not read", ev, run)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return None, Problem("missing", "file not found", ev, run)
    except IsADirectoryError:
        return None, Problem("missing", f"is a directory, expected a {what} file", ev, run)
    except OSError as exc:
        return None, Problem("missing", f"cannot read: {exc.strerror}", ev, run)
    if not ws.opened_inside(fd, path):
        os.close(fd)  # a folder became a link since it was checked
        return None, Problem("unsafe-path", "resolves outside the workspace; not read", ev, run)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            problem = Problem("missing", f"is a directory, expected a {what} file", ev, run)
        elif not stat.S_ISREG(mode):
            problem = Problem(
                "invalid", "not a regular file (FIFO, socket or device); not read", ev, run
            )
        else:
            flags = fcntl.fcntl(fd, fcntl.F_GETFL)
            fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)
            return os.fdopen(fd, "rb"), None
    except OSError as exc:
        problem = Problem("missing", f"cannot read: {exc.strerror}", ev, run)
    os.close(fd)
    return None, problem


def read_capped(handle: Any, cap: int) -> bytes:
    """The file's bytes, at most `cap` + 1 (more than `cap` means too large). Sized by
    `fstat` first: `read(n)` allocates `n` bytes before it reads, and a 256 MiB cap
    made every small artifact cost an mmap and an mremap (~20 us a file, 4 a run); a
    file that grew since is read on up to the cap."""
    try:
        size = os.fstat(handle.fileno()).st_size
    except (OSError, AttributeError, ValueError):
        size = cap
    raw = handle.read(min(size, cap) + 1)
    if size < len(raw) <= cap:  # it grew (or reports no size, as /proc files do)
        raw += handle.read(cap + 1 - len(raw))
    return raw  # type: ignore[no-any-return]


def read_json(
    ws: Workspace,
    path: Path,
    run: str | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_JSON_BYTES,
) -> tuple[Any, list[Problem]]:
    """Read a whole JSON file. Returns (data or None, problems).

    Only a regular file inside the workspace, at most `max_bytes`, is read; nesting past
    the recursion limit and huge integers are problems, and a duplicated key keeps its
    first value and is reported as "inconsistent" with its line.
    """
    rel = ws.rel(path)
    ev = Evidence(rel)
    handle, problem = open_regular(ws, path, run, "JSON")
    if handle is None:
        return None, [problem] if problem else []
    with handle:
        try:
            size = os.fstat(handle.fileno()).st_size
            if size > max_bytes:
                msg = f"file is {size:,} bytes, over the {max_bytes:,}-byte limit; not read"
                return None, [Problem("invalid", msg, ev, run)]
            raw = read_capped(handle, max_bytes)
        except OSError as exc:
            return None, [Problem("missing", f"cannot read: {exc.strerror}", ev, run)]
    if len(raw) > max_bytes:
        return None, [Problem("invalid", f"file grew over the {max_bytes:,}-byte limit", ev, run)]
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
    big: list[str] = []

    def parse_int(digits: str) -> int | float:
        value = bounded_int(digits)
        if isinstance(value, float):
            big.append(digits)
        return value

    try:
        value, duplicates = loads_checked(text, parse_int=parse_int)
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(text.rstrip())
        what = "truncated JSON (file ends early)" if truncated else f"invalid JSON: {exc.msg}"
        return None, [
            Problem("malformed", f"{what} at column {exc.colno}", Evidence(rel, exc.lineno), run)
        ]
    except (ValueError, RecursionError) as exc:
        return None, [Problem("malformed", parse_failure(exc), ev, run)]
    problems: list[Problem] = []
    if big:
        problems.append(
            Problem(
                "invalid",
                f"{len(big)} integer(s) too large for a float (the first has "
                f"{len(big[0].lstrip('-')):,} digits); read as Infinity",
                ev,
                run,
            )
        )
    seen: dict[str, int] = {}
    for key in duplicates:
        line = _duplicate_line(text, key, seen)
        problems.append(
            Problem(
                "inconsistent",
                _dup_message(key, ""),
                Evidence(rel, line),
                run,
            )
        )
    return value, problems


@mutable
class Span:
    """Bytes `[start, end)` of a JSONL file from a line start, and that line's number
    (`ftlint.engine.ranges`). Not frozen: the reader sets `content` (a line held more
    than blanks); only the caller that saw every range can say the file is empty."""

    start: int
    end: int
    first_line: int = 1
    content: bool = False


@frozen
class JsonlLine:
    """One parsed JSONL line: `value` is set, or `problem` says why the line was skipped."""

    line: int
    value: Any = None
    problem: Problem | None = None


#: A JSONL file from this size on is decoded with msgspec (a dependency; without it
#: every line takes the exact path). Importing it costs ~20 ms, which a file of a few
#: MB pays back (~4 us a row saved); start-up on small workspaces never pays it.
FAST_MIN_BYTES = 4 << 20


def iter_jsonl(
    ws: Workspace, path: Path, *, max_line_bytes: int, run: str | None = None
) -> Iterator[JsonlLine]:
    """Stream a JSONL file line by line, in constant memory.

    Blank lines are skipped silently (they are valid separators). A line longer than
    `max_line_bytes` is reported and skipped without being held in memory; a
    half-written last line (no trailing newline, invalid JSON) is reported as
    truncated; non-UTF-8 bytes and invalid JSON are reported with their line.
    """
    for number, value, problem in jsonl_items(ws, path, max_line_bytes=max_line_bytes, run=run):
        yield JsonlLine(number, value, problem)


def jsonl_items(
    ws: Workspace,
    path: Path,
    *,
    max_line_bytes: int,
    run: str | None = None,
    span: Span | None = None,
) -> Iterator[tuple[int, Any, Problem | None]]:
    """`iter_jsonl` as plain `(line, value, problem)` tuples: the hot loop of a large
    file builds no object per line (hard cases, `ftlint.sources.hardcases`).

    With a `span`, only its lines, numbered from `span.first_line`, and no "empty"
    problem (`span.content` says whether there would have been content)."""
    rel = ws.rel(path)
    handle, problem = open_regular(ws, path, run, "JSONL")
    if handle is None:
        if problem is not None:
            yield 0, None, problem
        return
    loads = loads_checked
    with handle:
        fast = None
        try:
            if os.fstat(handle.fileno()).st_size >= FAST_MIN_BYTES:
                fast = fast_decoder()
        except OSError:
            pass
        slow = _SLOW
        readline = handle.readline
        limit = max_line_bytes + 1
        number = 0
        left: float = math.inf  # bytes of the span still to read
        if span is not None:
            handle.seek(span.start)
            number, left = span.first_line - 1, span.end - span.start
        any_content = False
        while left > 0:
            raw = readline(limit)
            if not raw:
                break
            left -= len(raw)
            number += 1
            if fast is not None and raw[-1:] == b"\n":  # the common case, first
                value = fast(raw)
                if value is not slow:
                    any_content = True
                    yield number, value, None
                    continue
            if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
                skipped = _skip_rest_of_line(handle)
                left -= skipped
                size = len(raw) + skipped
                yield (
                    number,
                    None,
                    Problem(
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
                value, duplicates = loads(raw)
            except RecursionError as exc:
                yield (
                    number,
                    None,
                    Problem("malformed", parse_failure(exc), Evidence(rel, number), run),
                )
                continue
            except UnicodeDecodeError as exc:
                yield (
                    number,
                    None,
                    Problem(
                        "malformed", f"not UTF-8 (byte {exc.start})", Evidence(rel, number), run
                    ),
                )
                continue
            except ValueError as exc:
                last = not raw.endswith(b"\n") and not handle.peek(1)
                msg = getattr(exc, "msg", None) or parse_failure(exc)
                what = "half-written last line (truncated JSON)" if last else f"invalid JSON: {msg}"
                yield number, None, Problem("malformed", what, Evidence(rel, number), run)
                continue
            for key in duplicates:
                what = _dup_message(key, " on this line")
                yield number, None, Problem("inconsistent", what, Evidence(rel, number), run)
            yield number, value, None
        if span is not None:
            span.content = any_content
        elif not any_content:
            yield 0, None, Problem("empty", "file is empty", Evidence(rel), run)


def _skip_rest_of_line(handle: Any) -> int:
    skipped = 0
    while True:
        chunk = handle.readline(READ_CHUNK)
        if not chunk:
            return skipped
        skipped += len(chunk)
        if chunk.endswith(b"\n"):
            return skipped
