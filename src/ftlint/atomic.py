"""Write a file atomically: a temporary file in the same folder, then a rename, so a
reader sees the old file or the new one, never half of one.

Standard library only and cheap to import: the result cache's replay writes through it
too, without importing the rest of ftlint.
"""

from __future__ import annotations

import os


def write_atomic(target: str, data: bytes, *, mode: int | None = None) -> None:
    """Replace `target` by `data`. The file gets `mode`, else the mode of the file it
    replaces, else what a plain `open` would give (0o666 less the umask), not the
    0o600 of a temporary file."""
    import tempfile

    if mode is None:
        try:
            mode = os.stat(target).st_mode & 0o7777
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
    folder = os.path.dirname(target) or "."
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        import contextlib

        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
