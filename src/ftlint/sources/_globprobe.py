"""Why a workspace glob found nothing: the folders `Path.glob` silently skips.

`Path.glob` drops a folder it cannot list, a symlink loop and a run folder with mode
000 without a word, so a run can vanish from a lint. `probe` walks the same pattern
level by level and names every such place; `Workspace.glob` records them as problems.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

#: (path, message, problem kind)
Skip = tuple[Path, str, str]


def probe(root: Path, pattern: str) -> Iterator[Skip]:
    """Every place along `pattern` (relative to `root`) that could hold a match but
    cannot be read. Stops at `**` (any depth is Path.glob's own business)."""
    parts = [p for p in PurePosixPath(pattern).parts if p not in ("", ".")]
    level = [root]
    for depth, part in enumerate(parts):
        if part == "**" or ".." in part:
            return
        last = depth == len(parts) - 1
        nxt: list[Path] = []
        for folder in level:
            if any(c in part for c in "*?["):
                names, skip = _names(folder)
                if skip is not None:
                    yield skip
                candidates = [folder / n for n in names if fnmatch.fnmatchcase(n, part)]
            else:
                candidates = [folder / part]
            for entry in candidates:
                usable, skip = _usable(root, entry, last)
                if skip is not None:
                    yield skip
                if usable and not last:
                    nxt.append(entry)
        level = nxt


def _names(folder: Path) -> tuple[list[str], Skip | None]:
    try:
        with os.scandir(folder) as entries:
            return sorted(e.name for e in entries), None
    except FileNotFoundError:
        return [], None
    except OSError as exc:
        return [], (folder, f"folder cannot be listed ({exc.strerror}); not read", "missing")


def _usable(root: Path, entry: Path, last: bool) -> tuple[bool, Skip | None]:
    """(the glob can go on into `entry`, why not). A folder link out of the workspace
    is named here; a file link out is left to the reader, which reports it."""
    try:
        if entry.is_symlink() and not last:
            target = entry.resolve(strict=True)
            try:
                target.relative_to(root)
            except ValueError:
                return False, (entry, "links outside the workspace; not read", "unsafe-path")
        info = entry.stat()
    except FileNotFoundError:
        return False, None
    except RuntimeError:  # Path.resolve on a symlink loop (Python < 3.13)
        return False, (entry, "is a symlink loop; not read", "missing")
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return False, (entry, "is a symlink loop; not read", "missing")
        if exc.errno == errno.ENOTDIR:
            return False, None
        return False, (entry, f"cannot be read ({exc.strerror}); not read", "missing")
    return last or stat.S_ISDIR(info.st_mode), None
