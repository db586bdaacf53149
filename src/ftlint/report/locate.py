"""Line numbers for JSON pointers, so every location a reader or tool sees has a line.

Evidence into a pretty-printed JSON file carries an RFC 6901 pointer, not a line. Code
scanning shows a result without `region.startLine` on no line at all, and editors jump
only to `path:line`. `pointer_line` finds the pointer's key by scanning the file for the
pointer's keys in order (each key searched from the line of the previous one), which is
exact for the indented JSON the trainers and eval harnesses write, and never worse than
the line of the deepest key it found. A one-line file is line 1.

Files are read only when they are regular files inside the workspace and at most
`MAX_BYTES` long (a FIFO or a symlink out of the workspace is never opened here).
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from pathlib import Path

MAX_BYTES = 16 * 1024 * 1024


def _tokens(pointer: str) -> list[str]:
    if not pointer.startswith("/"):
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


#: what the cache of read files may hold at most, in bytes of text: the report of a
#: sweep looks up many files, and 256 files of up to `MAX_BYTES` were 4 GB in theory
CACHE_BYTES = 64 * 1024 * 1024
_CACHE: OrderedDict[tuple[str, str], tuple[tuple[str, ...] | None, int]] = OrderedDict()
_held = [0]


def _lines(root: str, rel: str) -> tuple[str, ...] | None:
    """The file's lines, from a least-recently-used cache bounded by `CACHE_BYTES`."""
    key = (root, rel)
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit[0]
    lines, size = _read_lines(root, rel)
    if size > CACHE_BYTES:
        return lines
    _CACHE[key] = (lines, size)
    _held[0] += size
    while _held[0] > CACHE_BYTES:
        _, (_, freed) = _CACHE.popitem(last=False)
        _held[0] -= freed
    return lines


def _read_lines(root: str, rel: str) -> tuple[tuple[str, ...] | None, int]:
    base = Path(root).resolve()
    try:
        target = (base / rel).resolve()
        target.relative_to(base)
        if not target.is_file() or target.stat().st_size > MAX_BYTES:
            return None, 0
        text = target.read_bytes().decode("utf-8", errors="replace")
    except (OSError, ValueError, RuntimeError):
        return None, 0
    return tuple(text.splitlines()) or ("",), len(text)


def pointer_line(root: str | Path, path: str, pointer: str | None) -> int | None:
    """The 1-based line of `pointer` in the JSON file `root/path`, or None if unreadable.

    No pointer (or the root pointer) is line 1; so is any pointer into a one-line file.
    """
    if "://" in path or path.startswith("/"):
        return None
    lines = _lines(str(root), path)
    if lines is None:
        return None
    if len(lines) <= 1 or not pointer:
        return 1
    found = 0  # index of the line of the deepest key found so far
    for token in _tokens(pointer):
        key = re.compile(re.escape(json.dumps(token, ensure_ascii=False)) + r"\s*:")
        key_ascii = re.compile(re.escape(json.dumps(token)) + r"\s*:")
        for i in range(found, len(lines)):
            if key.search(lines[i]) or key_ascii.search(lines[i]):
                found = i
                break
        else:
            break  # an array index or a key written another way: the parent's line
    return found + 1


def clear_cache() -> None:
    """Forget file contents read so far (tests rewrite files between calls)."""
    _CACHE.clear()
    _held[0] = 0
