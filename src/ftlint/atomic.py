"""Write a file atomically: a temporary file in the same folder, then a rename, so a
reader sees the old file or the new one, never half of one.

Standard library only and cheap to import: the remote pulls write through it too,
without importing the rest of ftlint.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO


def write_atomic(target: str, data: bytes, *, mode: int | None = None) -> None:
    """Replace `target` by `data`. The file gets `mode`, else the mode of the file it
    replaces, else what a plain `open` would give (0o666 less the umask), not the
    0o600 of a temporary file."""
    with atomic_file(target, mode=mode) as handle:
        handle.write(data)


@contextmanager
def atomic_file(target: str, *, mode: int | None = None) -> Iterator[BinaryIO]:
    """A binary file that replaces `target` when the block ends without an error (and is
    removed when it raises): a large output is written as it is produced, never held
    whole, and still appears at once. `mode` as for `write_atomic`."""
    if mode is None:
        try:
            mode = os.stat(target).st_mode & 0o7777
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
    folder = os.path.dirname(target) or "."
    fd, tmp = _temporary(folder, f".{os.path.basename(target)}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        import contextlib

        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


#: how `_temporary` opens its file: as `tempfile.mkstemp` does (created here or not at
#: all, a link at the name never followed, not inherited by child processes)
_FLAGS = (
    os.O_RDWR
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def _temporary(folder: str, prefix: str) -> tuple[int, str]:
    """`tempfile.mkstemp(prefix=prefix, dir=folder)`: a new file only this user may
    read, under a name no other file had (`prefix` and 12 random hex digits). Written
    out because importing tempfile (with random and shutil, which loads bz2, lzma and
    zlib) was ~2 ms of every `ftlint check -o FILE`."""
    for _ in range(100):
        path = os.path.join(folder, prefix + os.urandom(6).hex())
        try:
            return os.open(path, _FLAGS, 0o600), path
        except FileExistsError:
            continue
    raise FileExistsError(f"no unused temporary file name in {folder}")
