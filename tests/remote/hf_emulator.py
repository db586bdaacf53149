"""A small emulator of the Hugging Face Hub routes `HfFileSystem` (huggingface_hub 2.4)
calls to list and read a repo, on 127.0.0.1 (clients find it through `HF_ENDPOINT`):

    GET /api/{type}s/{org}/{name}[/revision/{rev}]          repo info (existence check)
    GET /api/{type}s/{org}/{name}/tree/{rev}[/{path}]       listing (?recursive=true|false)
    GET [/{type}s]/{org}/{name}/resolve/{rev}/{path}        file bytes, honouring Range

Repos are `(type, "org/name") -> {path: bytes}`; `gone` paths are listed but answer 404
on download (a file deleted between listing and reading); `faults` reuses the W&B
emulator's `Fault` (matched against the request path). Anything else is 404 and
recorded in `unknown`.
"""

from __future__ import annotations

import hashlib
import json
import re
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from _loopback import LoopbackServer

_API = re.compile(r"^/api/(model|dataset|space)s/([^/]+/[^/]+)(?:/(revision|tree)/([^/]+)(/.*)?)?$")
_RESOLVE = re.compile(r"^/(?:(datasets|spaces)/)?([^/]+/[^/]+)/resolve/([^/]+)/(.+)$")


class HubEmulator(LoopbackServer):
    record_requests = False  # the handler records each request itself

    def __init__(self) -> None:
        self.repos: dict[tuple[str, str], dict[str, bytes]] = {}
        self.gone: set[str] = set()
        self.unknown: list[str] = []
        self.serve(_Handler)

    def tree(self, files: dict[str, bytes], base: str, recursive: bool) -> list[dict[str, Any]]:
        """Files and folders under `base`, folders first, like the Hub's tree endpoint."""
        prefix = f"{base}/" if base else ""
        folders: set[str] = set()
        entries = []
        for path in sorted(files):
            if not path.startswith(prefix):
                continue
            parts = path[len(prefix) :].split("/")
            for depth in range(1, len(parts) if recursive else min(2, len(parts))):
                folders.add(prefix + "/".join(parts[:depth]))
            if recursive or len(parts) == 1:
                oid = hashlib.sha1(files[path]).hexdigest()
                entries.append({"type": "file", "oid": oid, "size": len(files[path]), "path": path})
        dirs = [
            {"type": "directory", "oid": "0" * 40, "size": 0, "path": d} for d in sorted(folders)
        ]
        return dirs + entries


class _Handler(BaseHTTPRequestHandler):
    owner: HubEmulator
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        return

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in {"Content-Type": "application/json", **(headers or {})}.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:
        hub = self.owner
        split = urlsplit(self.path)
        path = unquote(split.path)
        hub.requests.append(path)
        fault = hub.take(path)
        if fault is not None and fault.truncate is None:
            self._send(fault.status, b'{"error": "injected"}', {"Retry-After": "0"})
            return
        if api := _API.match(path):
            kind, repo, what, _rev, sub = api.groups()
            files = hub.repos.get((kind, repo))
            if files is None:
                self._send(
                    404, b'{"error": "Repository not found"}', {"X-Error-Code": "RepoNotFound"}
                )
            elif what == "tree":
                recursive = parse_qs(split.query).get("recursive", ["false"])[0] == "true"
                listing = hub.tree(files, (sub or "").strip("/"), recursive)
                self._send(200, json.dumps(listing).encode())
            else:
                self._send(
                    200, json.dumps({"id": repo, "sha": "1" * 40, "private": False}).encode()
                )
            return
        if res := _RESOLVE.match(path):
            kind, repo, _rev, name = res.groups()
            data = hub.repos.get(((kind or "models").rstrip("s"), repo), {}).get(name)
            if data is None or name in hub.gone:
                self._send(404, b'{"error": "Entry not found"}', {"X-Error-Code": "EntryNotFound"})
                return
            start, end = 0, len(data) - 1
            if m := re.match(r"bytes=(\d+)-(\d*)", self.headers.get("Range", "")):
                start, end = int(m.group(1)), min(end, int(m.group(2) or end))
            body = data[start : end + 1]
            headers = {"Content-Type": "application/octet-stream", "ETag": f'"{len(data)}"'}
            if self.headers.get("Range"):
                headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
            if fault is not None and fault.truncate is not None:
                self.send_response(206 if self.headers.get("Range") else 200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: fault.truncate])
                self.close_connection = True
                return
            self._send(206 if self.headers.get("Range") else 200, body, headers)
            return
        hub.unknown.append(self.path)
        self._send(404, b'{"error": "unknown route"}')

    do_HEAD = do_GET
