"""Materialise an object-storage folder (s3://, gs://, hf://) into a local cache folder
with fsspec, keeping only the files the source adapters read (json, jsonl, csv, yaml,
yml and W&B `.wandb` logs), so the same adapters lint it and evidence paths stay
relative to the remote root.

Credentials come only from each client's own mechanisms (AWS profiles/env and
AWS_ENDPOINT_URL, GCP application-default credentials, HF_TOKEN); nothing here reads or
stores them. Objects are streamed in blocks, capped per file, and written atomically;
an object whose size and etag/mtime are unchanged since the last pull is not fetched.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ftlint.atomic import write_atomic
from ftlint.remote._retry import Permanent, describe, retry
from ftlint.remote.manifest import Entry, Manifest, PullResult

SUFFIXES = (".json", ".jsonl", ".csv", ".yaml", ".yml", ".wandb")
BLOCK = 1024 * 1024


def max_file_bytes() -> int:
    try:
        return int(os.environ.get("FTLINT_REMOTE_MAX_FILE", 256 * 1024 * 1024))
    except ValueError:
        return 256 * 1024 * 1024


def timeout_seconds() -> float | None:
    """`FTLINT_REMOTE_TIMEOUT` (seconds), else None: each client's own default."""
    try:
        value = float(os.environ.get("FTLINT_REMOTE_TIMEOUT", ""))
    except ValueError:
        return None
    return value if value > 0 else None


def _with_timeout(uri: str, options: dict[str, Any]) -> dict[str, Any]:
    """s3fs takes its connect/read timeouts through botocore's config; without this a
    stalled server holds each attempt for s3fs's 15 s default."""
    timeout = timeout_seconds()
    if timeout is None or not uri.lower().startswith("s3://"):
        return options
    config = dict(options.get("config_kwargs") or {})
    config.setdefault("connect_timeout", timeout)
    config.setdefault("read_timeout", timeout)
    return {**options, "config_kwargs": config}


def _quiet_client_logs() -> None:
    """fsspec's background prefetcher and gcsfs log each failed read or exhausted retry
    with a traceback; ftlint reports the fault itself (manifest, stderr), so their
    loggers get a NullHandler: no last-resort traceback on stderr, while an application
    that configured logging still receives the records."""
    for name in ("fsspec", "gcsfs"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())


def _filesystem(uri: str, storage_options: dict[str, Any] | None) -> tuple[Any, str]:
    scheme = uri.split("://", 1)[0].lower()
    _quiet_client_logs()
    try:
        import fsspec  # optional extra: imported only for a remote URI

        if scheme == "hf":
            import huggingface_hub  # noqa: F401  registers the hf:// filesystem
        options = _with_timeout(uri, dict(storage_options or {}))
        if scheme in ("gs", "gcs"):
            return _gcs_filesystem(uri, options)
        fs, root = fsspec.core.url_to_fs(uri, **options)
    except ImportError as exc:
        package = {"s3": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "hf": "huggingface_hub"}
        raise Permanent(
            f"{scheme}:// needs the {package.get(scheme, 'fsspec')} package "
            "(pip install 'ftlint[remote]')"
        ) from exc
    return fs, root.rstrip("/")


def _gcs_emulated(options: dict[str, Any]) -> bool:
    host = os.environ.get("STORAGE_EMULATOR_HOST", "")
    return bool(options.get("endpoint_url")) or host not in ("", "default")


def _gcs_filesystem(uri: str, options: dict[str, Any]) -> tuple[Any, str]:
    """gcsfs, with its own endpoint mechanisms: `STORAGE_EMULATOR_HOST` (or an
    `endpoint_url` storage option) for an emulator or a private endpoint, otherwise
    storage.googleapis.com with gcsfs's credential chain (application-default
    credentials, gcloud, metadata server, then anonymous); nothing here reads them.

    Against an emulator/endpoint the client is anonymous unless a `token` is given, so
    no Google credential lookup (metadata server, OAuth refresh) runs, and it is
    gcsfs's JSON-API-only class: the default class (GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT)
    asks the gRPC storage-control API for each bucket's layout, which an emulator does
    not serve."""
    import gcsfs
    import gcsfs.core

    cls: Any = gcsfs.GCSFileSystem
    if _gcs_emulated(options):
        options.setdefault("token", "anon")
        cls = gcsfs.core.GCSFileSystem
    timeout = timeout_seconds()
    if timeout is not None:
        options.setdefault("requests_timeout", timeout)
    root = cls._strip_protocol(uri)
    return cls(**options), root.rstrip("/")


def _relative(root: str, path: str) -> str | None:
    """`path` under `root` as a safe relative POSIX path, or None."""
    path = path.lstrip("/") if not root.startswith("/") else path
    if not path.startswith(root + "/"):
        return None
    rel = path[len(root) + 1 :]
    parts = rel.split("/")
    if not rel or any(p in ("", ".", "..") for p in parts) or "\\" in rel:
        return None
    return rel


def _version(info: dict[str, Any]) -> str:
    tag = info.get("ETag") or info.get("etag") or info.get("md5Hash") or info.get("blob_id")
    stamp = info.get("LastModified") or info.get("mtime") or info.get("updated") or ""
    return f"{info.get('size', '')}|{tag or stamp}"


def _read_capped(fs: Any, path: str, size: int | None, cap: int) -> bytes:
    if size is not None and size > cap:
        raise Permanent(f"{size} bytes is over the {cap}-byte cap per file")
    chunks: list[bytes] = []
    total = 0
    try:
        handle = fs.open(path, "rb", block_size=BLOCK)
    except Exception as exc:
        if type(exc).__name__ == "FileExpired":  # changed since listing: list it again
            fs.invalidate_cache(path)
            raise OSError(f"object changed while reading, temporarily: {exc}") from exc
        raise
    with handle:
        while True:
            chunk = handle.read(BLOCK)
            if not chunk:
                break
            total += len(chunk)
            if total > cap:
                raise Permanent(f"over the {cap}-byte cap per file")
            chunks.append(chunk)
    data = b"".join(chunks)
    expected = getattr(handle, "size", None)
    if expected is not None and len(data) != expected:
        raise OSError(f"truncated download: {len(data)} of {expected} bytes")
    return data


def pull_fsspec(
    uri: str,
    workspace: Path,
    *,
    progress: Any = None,
    storage_options: dict[str, Any] | None = None,
    **_ignored: Any,
) -> PullResult:
    old = Manifest.load(workspace)
    manifest = Manifest(uri=uri, pulled_at=datetime.now(UTC).isoformat(timespec="seconds"))
    result = PullResult(uri=uri, workspace=workspace, manifest=manifest)
    try:
        fs, root = _filesystem(uri, storage_options)
        fs.invalidate_cache()  # fsspec caches listings per process: list afresh each pull
        listing = retry(lambda: fs.find(root, detail=True), what="list")
    except Exception as exc:
        manifest.problems.append(f"listing: {describe(exc)}")
        manifest.save(workspace)
        result.usable = False
        return result
    cap = max_file_bytes()
    wanted = []
    for path, info in sorted(listing.items()):
        rel = _relative(root, path)
        if rel is None:
            if info.get("type") != "directory" and path.rstrip("/") != root:
                manifest.problems.append(f"{path}: unsafe object name, skipped")
            continue
        if info.get("type", "file") == "file" and rel.lower().endswith(SUFFIXES):
            wanted.append((rel, path, info))
    for index, (rel, path, info) in enumerate(wanted, 1):
        version = _version(info)
        previous = old.entries.get(rel) if old.uri == uri else None
        target = workspace / rel
        if previous and previous.complete and previous.updated_at == version and target.exists():
            manifest.entries[rel] = previous
            result.cached += 1
        else:
            entry = Entry(key=rel, updated_at=version, folder=rel)
            try:
                size = info.get("size")
                data = retry(lambda p=path, s=size: _read_capped(fs, p, s, cap), what=rel)
                target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                write_atomic(str(target), data, mode=0o600)
                entry.fetched.append(rel)
            except Exception as exc:
                entry.missing.append(describe(exc))
            manifest.entries[rel] = entry
            result.fetched += 1
        if progress:
            progress(uri, index, len(wanted))
    manifest.save(workspace)
    result.usable = any(e.fetched for e in manifest.entries.values())
    if not wanted:
        manifest.problems.append("no json/jsonl/csv/yaml/wandb files under this prefix")
        manifest.save(workspace)
    return result
