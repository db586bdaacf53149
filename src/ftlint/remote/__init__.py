"""Remote workspaces: W&B projects and object-storage folders, materialised into a local
cache in the layouts the source adapters already read, so one set of adapters serves both.

Nothing here imports wandb, fsspec, s3fs or huggingface_hub until a remote URI is
actually materialised: they are optional extras (`ftlint[wandb]`, `ftlint[remote]`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # every command's parser imports this package: keep it cheap
    from ftlint.remote.manifest import Manifest

__all__ = ["SCHEMES", "RemoteError", "cache_root", "is_remote", "materialize", "workspace_for"]

SCHEMES = ("wandb://", "s3://", "gs://", "gcs://", "hf://")

# progress(label, done, total): called as runs or files complete; total may be 0 (unknown).
Progress = Callable[[str, int, int], None]


class RemoteError(Exception):
    """Nothing usable could be fetched (the CLI turns this into exit 2 with the message)."""


def is_remote(uri: object) -> bool:
    """True for the URIs this package materialises; local paths (even ones containing
    '://' after a folder name) are not remote."""
    return isinstance(uri, str) and uri.lower().startswith(SCHEMES)


def cache_root() -> Path:
    """`$FTLINT_REMOTE_CACHE`, else `$XDG_CACHE_HOME/ftlint/remote`, else
    `~/.cache/ftlint/remote`."""
    explicit = os.environ.get("FTLINT_REMOTE_CACHE")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "ftlint" / "remote"


def _private_dir(path: Path) -> Path:
    """Create `path` (and parents) owned by us with mode 0700: pulled runs can hold
    private eval data, and a folder another user can write could feed us forged runs."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    stat = path.stat()
    if hasattr(os, "getuid") and stat.st_uid != os.getuid():
        raise RemoteError(f"{path}: cache folder is owned by another user; not using it")
    if stat.st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


def workspace_for(uri: str, cache_dir: Path | None = None) -> Path:
    """The cache subfolder for one URI: a hash, so any URI maps to a safe folder name."""
    digest = hashlib.sha256(_canonical(uri).encode()).hexdigest()[:24]
    root = _private_dir(Path(cache_dir) if cache_dir else cache_root())
    return _private_dir(root / digest)


def _canonical(uri: str) -> str:
    scheme, _, rest = uri.partition("://")
    return f"{scheme.lower()}://{rest.rstrip('/')}"


def materialize(
    uri: str,
    *,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    workspace: Path | None = None,
    **options: object,
) -> Path:
    """Fetch `uri` into its cache folder (or `workspace`) and return that folder.

    Only what changed since the last pull is fetched (the manifest remembers run
    update times and object sizes/etags). Partial pulls return the folder and list what
    is missing in its manifest and on stderr; a pull that fetched nothing usable raises
    RemoteError.
    """
    if not is_remote(uri):
        raise ValueError(f"not a remote URI: {uri!r}")
    target = _private_dir(Path(workspace)) if workspace else workspace_for(uri, cache_dir)
    if uri.lower().startswith("wandb://"):
        from ftlint.remote.wandb_pull import pull_wandb

        result = pull_wandb(uri, target, progress=progress, **options)  # type: ignore[arg-type]
    else:
        from ftlint.remote.fsspec_pull import pull_fsspec

        result = pull_fsspec(uri, target, progress=progress, **options)  # type: ignore[arg-type]
    result.report()
    if not result.usable:
        raise RemoteError(result.failure_message())
    return target


def load_manifest(workspace: Path) -> Manifest:
    from ftlint.remote.manifest import Manifest

    return Manifest.load(workspace)
