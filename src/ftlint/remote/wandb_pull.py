"""Pull a W&B project into a local workspace in the run-folder layout the `wandb`
adapter reads (ARTIFACTS.md section 2):

    wandb/run-<YYYYMMDD_HHMMSS>-<id>/files/wandb-summary.json
                                      files/config.yaml         (key: {value: ...})
                                      files/wandb-metadata.json (personal fields dropped)
                                      files/wandb-history.jsonl (every row, scanned in pages)
                                      files/media/table/...table.json
    outputs/<id>/<file>   eval files from logged artifacts (final_metrics.json, hard cases)

Credentials come only from the SDK's own mechanisms (WANDB_API_KEY, netrc); nothing
here reads, prints or stores them. Each run is fetched again only when its heartbeat
(W&B's last-update time) or state changed, or something of it was missing last time.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from ftlint import frozen
from ftlint.atomic import write_atomic
from ftlint.remote._retry import Permanent, describe, retry
from ftlint.remote.manifest import Entry, Manifest, PullResult

MAX_FILE_BYTES = int(os.environ.get("FTLINT_REMOTE_MAX_FILE", 256 * 1024 * 1024))
_SAFE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
_EVAL_SUFFIXES = (".json", ".jsonl", ".csv", ".yaml", ".yml")
_EVAL_ARTIFACT_TYPES = {"metrics", "eval", "evaluation", "results", "predictions"}
_PERSONAL_METADATA = ("email", "username", "root", "codePath", "codePathLocal")


@frozen
class WandbTarget:
    entity: str
    project: str


def parse_uri(uri: str) -> WandbTarget:
    """`wandb://ENTITY/PROJECT` (a trailing slash is fine)."""
    rest = uri.split("://", 1)[1].strip("/")
    parts = rest.split("/")
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"{uri}: expected wandb://ENTITY/PROJECT")
    return WandbTarget(parts[0], parts[1])


def build_filters(
    group: str | None = None,
    runs: list[str] | None = None,
    filters: dict[str, Any] | None = None,
    since: str | None = None,
) -> dict[str, Any]:
    """The server-side MongoDB-style filter W&B's Runs query takes."""
    clauses: list[dict[str, Any]] = []
    if filters:
        clauses.append(filters)
    if group:
        clauses.append({"group": group})
    if runs:
        clauses.append({"name": {"$in": list(runs)}})
    if since:
        clauses.append({"heartbeat_at": {"$gte": since}})
    if not clauses:
        return {}
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def run_folder(run_id: str, created_at: str) -> str:
    """`run-20240501_100000-abc123`; an id outside W&B's alphabet is hashed, never used
    as a path."""
    safe = run_id if _SAFE_ID.match(run_id) and run_id not in (".", "..") else _hash(run_id)
    stamp = "00000000_000000"
    with contextlib.suppress(ValueError, AttributeError):
        stamp = datetime.fromisoformat(created_at.replace("Z", "+00:00")).strftime("%Y%m%d_%H%M%S")
    return f"run-{stamp}-{safe}"


def _hash(text: str) -> str:
    import hashlib

    return "id" + hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16]


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, default=str) + "\n").encode()


def _write(path: Path, data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise Permanent(f"{len(data)} bytes is over the {MAX_FILE_BYTES}-byte cap per file")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(str(path), data, mode=0o600)


def _safe_rel(name: str) -> str | None:
    """A server-given file name as a relative path, or None if it could escape."""
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or ".." in parts or name.startswith(("/", "\\")):
        return None
    return "/".join(parts)


class _RunPuller:
    """Fetches one run's pieces; each piece that fails is recorded, not raised."""

    def __init__(self, api: Any, run: Any, workspace: Path, staging: Path) -> None:
        self.api, self.run, self.workspace, self.staging = api, run, workspace, staging
        created = str(run._attrs.get("createdAt") or "")
        self.rel = f"wandb/{run_folder(str(run.id), created)}"
        self.files = workspace / self.rel / "files"
        self.entry = Entry(key=str(run.id), updated_at=_updated(run), folder=self.rel)

    def piece(self, what: str, fn: Any) -> None:
        try:
            retry(fn, what=what)
            self.entry.fetched.append(what)
        except Exception as exc:
            self.entry.missing.append(f"{what}: {describe(exc)}")

    def pull(self) -> Entry:
        self.piece("summary", self.summary)
        self.piece("config", self.config)
        self.piece("history", self.history)
        self.piece("files", self.run_files)
        self.piece("artifacts", self.artifacts)
        return self.entry

    def summary(self) -> None:
        self.run.load_full_data(force=True)
        _write(self.files / "wandb-summary.json", _json_bytes(dict(self.run.summary_metrics)))

    def config(self) -> None:
        raw = self.run.rawconfig or {}
        body = {k: {"value": v} for k, v in sorted(self.run.config.items())}
        if "_wandb" in raw:
            body["_wandb"] = {"value": raw["_wandb"]}
        text = yaml.safe_dump(body, sort_keys=True, allow_unicode=True)
        _write(self.files / "config.yaml", text.encode())

    def history(self) -> None:
        chunks: list[bytes] = []
        size = 0
        for row in self.run.scan_history(page_size=1000):
            line = json.dumps(row, sort_keys=True, default=str).encode() + b"\n"
            size += len(line)
            if size > MAX_FILE_BYTES:
                raise Permanent(f"history over the {MAX_FILE_BYTES}-byte cap")
            chunks.append(line)
        _write(self.files / "wandb-history.jsonl", b"".join(chunks))

    def run_files(self) -> None:
        """wandb-metadata.json and the media tables (eval rows)."""
        wanted = [
            f
            for f in self.run.files()
            if f.name == "wandb-metadata.json"
            or (f.name.startswith("media/table/") and f.name.endswith(".table.json"))
        ]
        for remote in wanted:
            self.piece(remote.name, lambda r=remote: self._download_file(r))

    def _download_file(self, remote: Any) -> None:
        rel = _safe_rel(remote.name)
        if rel is None:
            raise Permanent(f"unsafe file name {remote.name!r}")
        if (remote.size or 0) > MAX_FILE_BYTES:
            raise Permanent(f"{remote.size} bytes is over the cap per file")
        folder = Path(tempfile.mkdtemp(dir=self.staging))
        try:
            remote.download(root=str(folder), replace=True, api=self.api)
            data = (folder / rel).read_bytes()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if remote.size and len(data) != remote.size:
            raise OSError(f"truncated download: {len(data)} of {remote.size} bytes")
        if rel == "wandb-metadata.json":
            data = _scrub_metadata(data)
        _write(self.files / rel, data)

    def artifacts(self) -> None:
        """Logged artifacts that hold eval files go to outputs/<run id>/."""
        out = self.workspace / "outputs" / Path(self.rel).name.rsplit("-", 1)[-1]
        for art in self.run.logged_artifacts():
            kind = str(getattr(art, "type", "") or "")
            if kind not in _EVAL_ARTIFACT_TYPES:
                continue
            self.piece(f"artifact {art.name}", lambda a=art: self._artifact(a, out))

    def _artifact(self, art: Any, out: Path) -> None:
        """Each eval file of the artifact is its own piece, so one file missing from
        storage leaves the others; files of other kinds (weights) are never downloaded."""
        entries = dict(art.manifest.entries)
        wanted = sorted(p for p in entries if str(p).endswith(_EVAL_SUFFIXES))
        for path in wanted:
            self.piece(
                f"artifact {art.name}/{path}",
                lambda p=path: self._artifact_file(art, entries[p], out),
            )

    def _artifact_file(self, art: Any, entry: Any, out: Path) -> None:
        rel = _safe_rel(str(entry.path))
        if rel is None:
            raise Permanent(f"unsafe file name {entry.path!r}")
        if (entry.size or 0) > MAX_FILE_BYTES:
            raise Permanent(f"{entry.size} bytes is over the {MAX_FILE_BYTES}-byte cap per file")
        if getattr(entry, "ref", None) is not None:
            raise Permanent("a reference to external storage; not followed")
        folder = Path(tempfile.mkdtemp(dir=self.staging))
        try:
            # skip_cache: W&B's own artifact cache is shared and unencrypted; private
            # eval rows go only to our 0700 workspace.
            art.download(root=str(folder), path_prefix=rel, skip_cache=True)
            path = folder / rel
            if not path.is_file() or path.is_symlink():
                raise Permanent("not in the downloaded artifact")
            data = path.read_bytes()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        _check_digest(data, entry)
        _write(out / rel, data)


def _check_digest(data: bytes, entry: Any) -> None:
    """The SDK writes what the server sent: a cut-short body must not pass as the file."""
    if entry.size is not None and len(data) != entry.size:
        raise OSError(f"truncated download: {len(data)} of {entry.size} bytes")
    digest = str(getattr(entry, "digest", "") or "")
    algorithm = str(getattr(entry.digest_algorithm(), "value", "")).lower()
    if "md5" in algorithm and len(digest) == 24:
        import base64
        import hashlib

        actual = base64.b64encode(hashlib.md5(data).digest()).decode()
        if actual != digest:
            raise OSError("incomplete download: md5 differs from the artifact manifest")


def _scrub_metadata(data: bytes) -> bytes:
    """Drop personal fields (email, user name, home paths): the workspace gets copied
    into reports, CI artifacts and bug reports."""
    try:
        meta = json.loads(data)
    except ValueError:
        return data  # the adapter reports it as malformed; we do not repair evidence
    if isinstance(meta, dict):
        for key in _PERSONAL_METADATA:
            meta.pop(key, None)
    return _json_bytes(meta)


def _updated(run: Any) -> str:
    attrs = run._attrs
    return f"{attrs.get('heartbeatAt') or attrs.get('createdAt') or ''}|{attrs.get('state', '')}"


def _api(timeout: int) -> Any:
    import wandb  # optional extra: imported only for a wandb:// URI

    return wandb.Api(timeout=timeout)


def pull_wandb(
    uri: str,
    workspace: Path,
    *,
    progress: Any = None,
    group: str | None = None,
    runs: list[str] | None = None,
    filters: dict[str, Any] | None = None,
    since: str | None = None,
    timeout: int = 30,
    api: Any = None,
) -> PullResult:
    target = parse_uri(uri)
    old = Manifest.load(workspace)
    manifest = Manifest(uri=uri, pulled_at=datetime.now(UTC).isoformat(timespec="seconds"))
    result = PullResult(uri=uri, workspace=workspace, manifest=manifest)
    query = build_filters(group, runs, filters, since)
    try:
        api = api or retry(lambda: _api(timeout), what="login")
        listed = retry(
            lambda: list(api.runs(f"{target.entity}/{target.project}", filters=query)),
            what="runs",
        )
    except Exception as exc:
        manifest.problems.append(f"run list: {describe(exc)}")
        manifest.entries = old.entries if old.uri == uri else {}
        manifest.save(workspace)
        result.usable = False
        return result
    if since:
        listed = [r for r in listed if str(r._attrs.get("heartbeatAt") or "") >= since]
    staging = Path(tempfile.mkdtemp(prefix=".ftlint-staging-", dir=workspace))
    try:
        for index, run in enumerate(listed, 1):
            previous = old.entries.get(str(run.id)) if old.uri == uri else None
            if previous and previous.complete and previous.updated_at == _updated(run):
                manifest.entries[previous.key] = previous
                result.cached += 1
            else:
                entry = _RunPuller(api, run, workspace, staging).pull()
                manifest.entries[entry.key] = entry
                result.fetched += 1
            if progress:
                progress(f"{target.entity}/{target.project}", index, len(listed))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if runs:
        for wanted in runs:
            if wanted not in manifest.entries:
                manifest.problems.append(f"run {wanted}: not found")
    manifest.save(workspace)
    result.usable = any(e.fetched for e in manifest.entries.values())
    return result
