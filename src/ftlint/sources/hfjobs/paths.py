"""Where the HF Jobs layout's files are: checked inside the workspace cheaply."""

from __future__ import annotations

from pathlib import Path

from ftlint.sources.io import Workspace


class InsideCache:
    """`ws.inside(path)` for many files of few folders: a folder is resolved once, and a
    file that is not a symlink is inside when its folder is (`Path.resolve` walks every
    component of every file: ~0.4 s of discovering 1,000 runs)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.folders: dict[Path, bool] = {}

    def __call__(self, path: Path) -> bool:
        if self.ws.listing is not None:  # discovery: the shared listing answers
            return self.ws.inside(path)
        folder = path.parent
        ok = self.folders.get(folder)
        if ok is None:
            ok = self.folders[folder] = self.ws.inside(folder)
        if not ok or path.is_symlink():
            return self.ws.inside(path)
        return True
