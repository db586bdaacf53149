"""The pull manifest: what was fetched from where, when, and what is missing.

Kept in the workspace as `.ftlint-remote.json` (a dot file, so no adapter reads it as a
run). It is the cache index too: a run is fetched again only when its update time
changed or something of it was missing last time. It never holds credentials: URIs are
stored without any user-info part, and no header, token or profile name is recorded.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ftlint import mutable
from ftlint.atomic import write_atomic

MANIFEST_NAME = ".ftlint-remote.json"
VERSION = 1


def strip_userinfo(uri: str) -> str:
    """`s3://key:secret@bucket/x` -> `s3://bucket/x`: a credential typed into a URI must
    not end up on disk or in a message."""
    parts = urlsplit(uri)
    if "@" not in parts.netloc:
        return uri
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


@mutable
class Entry:
    """One run (W&B) or one object (fsspec) in the manifest."""

    key: str  # run id or object path relative to the root
    updated_at: str = ""  # W&B heartbeatAt, or the object's etag/mtime+size
    folder: str = ""  # workspace-relative folder or file it was written to
    fetched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # "what: why"

    @property
    def complete(self) -> bool:
        return not self.missing


@mutable
class Manifest:
    uri: str
    entries: dict[str, Entry] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # pull-level: listing failed, ...
    pulled_at: str = ""

    @classmethod
    def load(cls, workspace: Path) -> Manifest:
        """The previous manifest, or an empty one when absent or unreadable (a damaged
        manifest only costs a full re-fetch)."""
        try:
            raw = json.loads((workspace / MANIFEST_NAME).read_text(encoding="utf-8"))
            entries = {
                str(k): Entry(**{f: v for f, v in e.items() if f in Entry.__dataclass_fields__})
                for k, e in raw.get("entries", {}).items()
            }
            return cls(uri=str(raw.get("uri", "")), entries=entries)
        except (OSError, ValueError, TypeError, AttributeError):
            return cls(uri="")

    def save(self, workspace: Path) -> None:
        data: dict[str, Any] = {
            "version": VERSION,
            "uri": strip_userinfo(self.uri),
            "pulled_at": self.pulled_at,
            "problems": self.problems,
            "entries": {k: asdict(e) for k, e in sorted(self.entries.items())},
        }
        text = json.dumps(data, indent=2, sort_keys=True) + "\n"
        write_atomic(str(workspace / MANIFEST_NAME), text.encode(), mode=0o600)

    def missing(self) -> list[str]:
        out = list(self.problems)
        for key, entry in sorted(self.entries.items()):
            out.extend(f"{key}: {m}" for m in entry.missing)
        return out


@mutable
class PullResult:
    """What one pull did; `report()` prints the missing parts on stderr."""

    uri: str
    workspace: Path
    manifest: Manifest
    fetched: int = 0  # runs/objects fetched now
    cached: int = 0  # unchanged since the last pull
    usable: bool = True

    def report(self, stream: Any = None) -> None:
        stream = stream or sys.stderr
        for line in self.manifest.missing():
            print(f"ftlint pull: {strip_userinfo(self.uri)}: missing {line}", file=stream)

    def failure_message(self) -> str:
        missing = self.manifest.missing()
        why = f": {missing[0]}" if missing else ""
        return f"{strip_userinfo(self.uri)}: nothing usable was fetched{why}"
