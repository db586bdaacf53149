"""Why a workspace glob found nothing: the folders `Path.glob` silently skips.

`Path.glob` drops a folder it cannot list, a symlink loop and a run folder with mode
000 without a word, so a run can vanish from a lint. `probe` walks the same pattern
level by level and names every such place; `Workspace.glob` records them as problems.
During discovery it reads the shared listing (`ftlint.sources.listing`): each folder is
listed once and each place checked once, however many patterns pass it.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from ftlint.sources.listing import DIR, FILE, LINK

#: (path, message, problem kind)
Skip = tuple[Path, str, str]
_IGNORED = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)


def probe(root: Path, pattern: str, listing: Any = None) -> Iterator[Skip]:
    """Every place along `pattern` (relative to `root`) that could hold a match but
    cannot be read. Stops at `**` (any depth is Path.glob's own business)."""
    parts = [p for p in PurePosixPath(pattern).parts if p not in ("", ".")]
    base = str(root)
    level = [base]
    for depth, part in enumerate(parts):
        if part == "**" or ".." in part:
            return
        last = depth == len(parts) - 1
        nxt: list[str] = []
        for folder in level:
            if any(c in part for c in "*?["):
                names, skip = _names(folder, listing)
                if skip is not None:
                    yield skip
                candidates = [_join(folder, n) for n in names if fnmatch.fnmatchcase(n, part)]
            else:
                candidates = [_join(folder, part)]
            for entry in candidates:
                usable, skip = _usable_once(root, entry, last, listing)
                if skip is not None:
                    yield skip
                if usable and not last:
                    nxt.append(entry)
        level = nxt


def _join(folder: str, name: str) -> str:
    """`str(Path(folder) / name)` without building the Path."""
    return f"{folder}/{name}" if folder != "/" else f"/{name}"


def _names(folder: str, listing: Any) -> tuple[list[str], Skip | None]:
    try:
        if listing is not None:
            return sorted(listing.names(folder)), None
        with os.scandir(folder) as entries:
            return sorted(e.name for e in entries), None
    except FileNotFoundError:
        return [], None
    except OSError as exc:
        return [], (Path(folder), f"folder cannot be listed ({exc.strerror}); not read", "missing")


def _usable_once(root: Path, entry: str, last: bool, listing: Any) -> tuple[bool, Skip | None]:
    if listing is None:
        return _usable(root, entry, last)
    key = (entry, last)
    found = listing.usable.get(key)
    if found is None:
        found = listing.usable[key] = _usable(root, entry, last, listing)
    return found


def _is_symlink(entry: str, listing: Any = None) -> bool:
    """`Path.is_symlink`: False where it is False, raising what it raises. A listed
    entry answers from its folder's listing (what lstat would say)."""
    if listing is not None:
        folder, _, name = entry.rpartition("/")
        kind = listing.kind(folder or "/", name)
        if kind in (LINK, DIR, FILE):
            return kind == LINK
    try:
        return stat.S_ISLNK(os.lstat(entry).st_mode)
    except OSError as exc:
        if exc.errno not in _IGNORED:
            raise
        return False
    except ValueError:
        return False


def _usable(root: Path, entry: str, last: bool, listing: Any = None) -> tuple[bool, Skip | None]:
    """(the glob can go on into `entry`, why not). A folder link out of the workspace
    is named here; a file link out is left to the reader, which reports it."""
    try:
        if _is_symlink(entry, listing) and not last:
            target = Path(entry).resolve(strict=True)
            try:
                target.relative_to(root)
            except ValueError:
                return False, (Path(entry), "links outside the workspace; not read", "unsafe-path")
        folder = stat.S_ISDIR(os.stat(entry).st_mode) if listing is None else listing.is_dir(entry)
    except FileNotFoundError:
        return False, None
    except RuntimeError:  # Path.resolve on a symlink loop (Python < 3.13)
        return False, (Path(entry), "is a symlink loop; not read", "missing")
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return False, (Path(entry), "is a symlink loop; not read", "missing")
        if exc.errno == errno.ENOTDIR:
            return False, None
        return False, (Path(entry), f"cannot be read ({exc.strerror}); not read", "missing")
    return last or folder, None
