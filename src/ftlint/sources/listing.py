"""One directory walk per discovery, shared by every adapter's globs (issue 19).

Each source adapter globs the workspace on its own (13 globs of a 1,000-run workspace,
`**` patterns among them): `Path.glob` listed every folder again for each, built a
`Path` per entry, and `Workspace.inside` resolved every file component by component.
While discovery runs (`Workspace.scan`), a `Listing` lists each folder once
(`os.scandir`; each entry kept as one small int, its type without following links;
a link is `stat`ed once when followed), and `glob` walks those listings with Python
3.11's `Path.glob` steps, on strings:

- a part without wildcards is looked up as `_PreciseSelector` does with `stat` (exists,
  or is a folder when more parts follow): from its folder's listing when that folder is
  listed (on Linux, where names are exact), else with `stat`, memoised as a mode;
- a wildcard part matches `fnmatch.translate` of it against the folder's entries, in
  listing order, entering only folders (`DirEntry.is_dir()`, links followed);
- `**` is the folder and every folder below it that is not a link, deduplicated;
- a `PermissionError` ends what `Path.glob` ends for it; other errors it ignores
  (ENOENT, ENOTDIR, EBADF, ELOOP) are ignored, and any other is raised as it raises it.

These are the steps of Python 3.11's `Path.glob`, kept on every Python: from 3.12 on,
`Path.glob` lists a folder to find a literal name in it (a folder that can be entered
but not listed then hides its files, and a dangling link is found by its name), and
3.13's trailing `**` yields files too. `Workspace.glob` always globs through a listing
(outside discovery one made for the call), so a workspace reads alike on every Python.

A pattern `glob_error` refuses (empty, absolute, `**` inside a part, nothing but `.`)
raises ValueError with its reason on every Python; `Path.glob` is never called. A
trailing slash keeps folders only, and a `..` part is looked up like any name, as 3.11
did. The listing lives only for one discovery: a run's files read later (the loaders,
the workers) see the filesystem as it is then. Nothing is kept across invocations.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from pathlib import PurePosixPath

_IGNORED = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)


#: names a listing never holds
_SPECIAL = ("", ".", "..")
#: a listing answers "is `name` there?" exactly only where names are case-sensitive
#: (Linux): on macOS or Windows `stat` finds `Final_Metrics.json` for `final_metrics.json`
_EXACT_NAMES = sys.platform.startswith("linux")


def _ignored(exc: OSError) -> bool:
    return getattr(exc, "errno", None) in _IGNORED


#: an entry's type as its DirEntry gave it (links not followed)
FILE, DIR, LINK, UNKNOWN = 0, 1, 2, 3


def _kind(entry: os.DirEntry[str]) -> int:
    """FILE, DIR or LINK from the listing's own type field (lstat only where the
    filesystem gave none); UNKNOWN when even that failed (asked again when needed)."""
    try:
        if entry.is_symlink():
            return LINK
        return DIR if entry.is_dir(follow_symlinks=False) else FILE
    except OSError:
        return UNKNOWN


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder != "/" else f"/{name}"


def glob_error(pattern: object, *, parents: bool = True) -> str | None:
    """Why `pattern` is no workspace glob, or None: the same answer on every Python.

    Python 3.11's `Path.glob` raised for `**` inside a part (`runs/**x`) and failed with
    an IndexError on `.`; 3.13's matches `**x` as `*x`. A workspace glob is relative and
    names something. `parents=False` (a glob a config names: `inputs`, a generic
    source's `files`) also refuses a `..` part."""
    if not isinstance(pattern, str):
        return "is not a string"
    if not pattern:
        return "is empty"
    if "\0" in pattern:
        return "holds a NUL character"
    if pattern.startswith("/"):
        return "is absolute: globs are relative to the workspace"
    parts = [part for part in pattern.split("/") if part not in ("", ".")]
    if not parts:
        return "names no file: only '.' and '/'"
    if any("**" in part and part != "**" for part in parts):
        return "has '**' inside a part: '**' stands alone, as in 'outputs/**/final_metrics.json'"
    if not parents and ".." in parts:
        return "has a '..' part: globs stay inside the workspace"
    return None


def fast_parts(pattern: str) -> tuple[str, ...] | None:
    """The parts of `pattern` as Python 3.11's `Path.glob` splits it (a trailing slash
    is a last empty part: what precedes it must be a folder), or None for a pattern
    `glob_error` refuses."""
    if glob_error(pattern) is not None:
        return None
    parts = PurePosixPath(pattern).parts
    return (*parts, "") if pattern.endswith("/") else parts


class Listing:
    """Folder listings and stat results of one workspace, each made once."""

    def __init__(self, root: str) -> None:
        self.root = root
        #: folder -> its entries in listing order, name -> FILE, DIR, LINK or UNKNOWN
        #: (one small int an entry, not a DirEntry: ~50,000 of them at 10,000 runs)
        self._lists: dict[str, dict[str, int] | OSError] = {}
        self._modes: dict[str, int] = {}  # st_mode, or a failure (`_mode`)
        self._trees: dict[str, list[str]] = {}  # the folders below a folder (`**`)
        self._matchers: dict[str, Callable[[str], object]] = {}
        #: probe results by (path, last): several patterns probe the same folders
        self.usable: dict[tuple[str, bool], object] = {}

    # -- the filesystem, once each -------------------------------------------------

    def names(self, folder: str) -> dict[str, int]:
        """The entries of `folder` as `os.scandir` lists them, name -> FILE, DIR, LINK
        or UNKNOWN (the type its `DirEntry` gave without following links), listed once;
        raising what `os.scandir` raised (every time)."""
        found = self._lists.get(folder)
        if found is None:
            try:
                with os.scandir(folder) as it:
                    found = {entry.name: _kind(entry) for entry in it}
            except OSError as exc:
                found = exc
            self._lists[folder] = found
        if isinstance(found, OSError):
            raise found.with_traceback(None)  # not a traceback longer at every raise
        return found

    def kind(self, folder: str, name: str) -> int | None:
        """The listed type of `name` in `folder`; None when absent or when `folder`
        cannot be listed."""
        try:
            return self.names(folder).get(name)
        except OSError:
            return None

    def follows_to_dir(self, folder: str, name: str, kind: int) -> bool:
        """`DirEntry.is_dir()` of a listed entry: a link is followed (`stat`, kept as
        its mode), a link to nothing is not a folder, other errors are raised."""
        if kind in (DIR, FILE):
            return kind == DIR
        try:
            return stat.S_ISDIR(self._mode(_join(folder, name)))
        except FileNotFoundError:
            return False

    def is_dir(self, path: str) -> bool:
        """Whether `os.stat(path)` (links followed) is a folder; raises what it raised.

        A path whose folder is listed already is answered from that listing (absent:
        FileNotFoundError; an entry that is not a link: its type from the listing), so
        the ~90,000 absent files the patterns of a 10,000-run workspace probe cost no
        `stat` and no memory; a link or a path elsewhere is `stat`ed once and kept as
        its st_mode (a failure as its negative errno: cached exceptions re-raised grew a
        traceback each time, ~180 MB at the peak of discovery with the stat_results)."""
        folder, _, name = path.rpartition("/")
        listed = self._lists.get(folder) if _EXACT_NAMES and name not in _SPECIAL else None
        if type(listed) is dict:
            kind = listed.get(name)
            if kind is None:
                raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), path)
            if kind in (DIR, FILE):
                return kind == DIR
        return stat.S_ISDIR(self._mode(path))  # a link, or not listed: stat says

    def _mode(self, path: str) -> int:
        """`os.stat(path).st_mode`, kept (a failure with an errno as its negative; one
        without, or a ValueError for a NUL in a configured pattern, is not kept)."""
        found = self._modes.get(path)
        if found is None:
            try:
                found = os.stat(path).st_mode
            except OSError as exc:
                if not exc.errno:
                    raise
                found = -exc.errno
            self._modes[path] = found
        if found < 0:
            raise OSError(-found, os.strerror(-found), path)  # the errno's own subclass
        return found

    def _exists(self, path: str, dironly: bool) -> bool:
        """`Path.is_dir` (dironly) or `Path.exists` of `path`."""
        try:
            folder = self.is_dir(path)
        except OSError as exc:
            if not _ignored(exc):
                raise
            return False
        except ValueError:
            return False
        return folder if dironly else True

    def _matcher(self, part: str) -> Callable[[str], object]:
        found = self._matchers.get(part)
        if found is None:
            found = self._matchers[part] = re.compile(fnmatch.translate(part)).fullmatch
        return found

    # -- Path.glob on strings --------------------------------------------------------

    def glob(self, parts: tuple[str, ...]) -> Iterator[str]:
        """The workspace-relative POSIX paths `root.glob(pattern)` yields, in its order,
        for a pattern split by `fast_parts`."""
        if not self._exists(self.root, True):
            return
        yield from self._select(parts, "")

    def _full(self, rel: str) -> str:
        return f"{self.root}/{rel}" if rel else self.root

    def _select(self, parts: tuple[str, ...], rel: str) -> Iterator[str]:
        if not parts or not parts[0]:  # (an empty part: the trailing slash's end)
            yield rel
            return
        part, rest = parts[0], parts[1:]
        if part == "**":
            yield from self._recursive(rest, rel)
        elif "*" in part or "?" in part or "[" in part:
            yield from self._wildcard(part, rest, rel)
        else:
            yield from self._precise(part, rest, rel)

    def _precise(self, part: str, rest: tuple[str, ...], rel: str) -> Iterator[str]:
        try:
            child = f"{rel}/{part}" if rel else part
            if self._exists(self._full(child), bool(rest)):
                yield from self._select(rest, child)
        except PermissionError:
            return

    def _wildcard(self, part: str, rest: tuple[str, ...], rel: str) -> Iterator[str]:
        match = self._matcher(part)
        try:
            full = self._full(rel)
            for name, kind in self.names(full).items():
                if rest:
                    try:
                        if not self.follows_to_dir(full, name, kind):
                            continue
                    except OSError as exc:
                        if not _ignored(exc):
                            raise
                        continue
                if match(name):
                    yield from self._select(rest, f"{rel}/{name}" if rel else name)
        except PermissionError:
            return

    def _folders(self, rel: str) -> Iterator[str]:
        """`_RecursiveWildcardSelector._iterate_directories`: the folder, then every
        folder below it that is not a link, depth first in listing order."""
        # listed before the caller probes its files, so `is_dir` answers from it; an
        # error is cached and raised again below, where Path.glob raises it
        with suppress(OSError):
            self.names(self._full(rel))
        yield rel
        try:
            full = self._full(rel)
            for name, kind in self.names(full).items():
                if kind == UNKNOWN:  # DirEntry.is_dir(follow_symlinks=False) asks lstat
                    try:
                        kind = DIR if stat.S_ISDIR(os.lstat(_join(full, name)).st_mode) else FILE
                    except OSError as exc:
                        if not _ignored(exc):
                            raise
                if kind == DIR:
                    yield from self._folders(f"{rel}/{name}" if rel else name)
        except PermissionError:
            return

    def _folder_list(self, rel: str) -> Iterable[str]:
        """What `_folders(rel)` yields, walked once per listing: the `**` patterns of
        every adapter walk the same tree (four walks of 11,000 folders at 1,000 runs).
        A walk that raised is not kept: the walk runs again and raises where it did."""
        found = self._trees.get(rel)
        if found is None:
            try:
                found = list(self._folders(rel))
            except OSError:
                return self._folders(rel)
            self._trees[rel] = found
        return found

    def _recursive(self, rest: tuple[str, ...], rel: str) -> Iterator[str]:
        try:
            yielded: set[str] = set()
            for start in self._folder_list(rel):
                for found in self._select(rest, start):
                    if found not in yielded:
                        yield found
                        yielded.add(found)
        except PermissionError:
            return

    # -- os.walk on the listings ------------------------------------------------------

    def walk(self, top: str) -> Iterator[tuple[str, list[str], list[str]]]:
        """`os.walk(top)` (top-down, links to folders listed but not entered, folders
        that cannot be listed skipped), from the listings: the caller may prune `dirs`."""
        try:
            listed = self.names(top)
        except OSError:
            return
        dirs: list[str] = []
        files: list[str] = []
        links: set[str] = set()
        for name, kind in listed.items():
            try:
                is_dir = self.follows_to_dir(top, name, kind)
            except OSError:
                is_dir = False
            (dirs if is_dir else files).append(name)
            if is_dir and (kind == LINK or (kind == UNKNOWN and os.path.islink(_join(top, name)))):
                links.add(name)
        yield top, dirs, files
        for name in dirs:
            if name not in links:
                yield from self.walk(os.path.join(top, name))

    # -- Workspace.inside without resolving ----------------------------------------

    def plainly_inside(self, rel: str) -> bool:
        """True when every component of `rel` is a listed entry that is not a link: such
        a path resolves to itself, inside the root. False means "not known" (the caller
        resolves the path)."""
        folder = self.root
        for part in rel.split("/"):
            if part in ("", ".", ".."):
                return False
            if self.kind(folder, part) not in (DIR, FILE):  # absent, a link, or unknown
                return False
            folder = f"{folder}/{part}"
        return True
