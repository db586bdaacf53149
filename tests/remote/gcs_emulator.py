"""A small emulator of the GCS JSON-API routes gcsfs (2026.x) calls to list and read a
bucket, on 127.0.0.1 (clients find it through gcsfs's own `STORAGE_EMULATOR_HOST`):

    GET /storage/v1/b/{bucket}                          bucket info
    GET /storage/v1/b/{bucket}/o?prefix=&delimiter=     object listing (paged: pageToken)
    GET /storage/v1/b/{bucket}/o/{object}               object metadata
    GET /download/storage/v1/b/{bucket}/o/{object}      media (?alt=media), honouring Range

Buckets are `name -> {object: bytes}`; `faults` reuses the W&B emulator's `Fault`
(matched against "GET /path?query"): a JSON error with `status`, or a body cut to
`truncate` bytes under the full Content-Length. Anything else is 404 and recorded in
`unknown`; every request is recorded in `requests` with the client's address.
"""

from __future__ import annotations

import hashlib
import json
import re
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from _loopback import LoopbackServer
from wandb_emulator import Fault

_META = re.compile(r"^/storage/v1/b/([^/]+)(?:/o(?:/(.+))?)?$")
_MEDIA = re.compile(r"^/download/storage/v1/b/([^/]+)/o/(.+)$")
PAGE = 2  # small pages so paging is exercised by every listing


class GcsEmulator(LoopbackServer):
    def __init__(self) -> None:
        self.buckets: dict[str, dict[str, bytes]] = {}
        self.clients: set[str] = set()
        self.unknown: list[str] = []
        self.serve(_Handler)

    @staticmethod
    def resource(bucket: str, name: str, data: bytes) -> dict[str, Any]:
        md5, stamp = hashlib.md5(data).hexdigest(), "2026-01-01T00:00:00.000Z"
        fields = dict(bucket=bucket, name=name, size=str(len(data)), md5Hash=md5, etag=md5)
        return {"kind": "storage#object", **fields, "updated": stamp, "timeCreated": stamp}

    def listing(self, bucket: str, query: dict[str, list[str]]) -> dict[str, Any]:
        files, prefix = self.buckets[bucket], query.get("prefix", [""])[0]
        delimiter = query.get("delimiter", [""])[0]
        items, prefixes = [], set()
        for name in sorted(files):
            if not name.startswith(prefix):
                continue
            rest = name[len(prefix) :]
            if delimiter and delimiter in rest:
                prefixes.add(prefix + rest.split(delimiter)[0] + delimiter)
            else:
                items.append(self.resource(bucket, name, files[name]))
        start = int(query.get("pageToken", ["0"])[0] or 0)
        out: dict[str, Any] = {"kind": "storage#objects", "items": items[start : start + PAGE]}
        if start == 0 and prefixes:
            out["prefixes"] = sorted(prefixes)
        if start + PAGE < len(items):
            out["nextPageToken"] = str(start + PAGE)
        return out


class _Handler(BaseHTTPRequestHandler):
    owner: GcsEmulator
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        return

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in {"Content-Type": "application/json", **(headers or {})}.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        body = {"error": {"code": status, "message": message, "errors": [{"message": message}]}}
        self._send(status, json.dumps(body).encode())

    def do_GET(self) -> None:
        emu = self.owner
        emu.clients.add(self.client_address[0])
        split = urlsplit(self.path)
        path, query = split.path, parse_qs(split.query)
        fault = emu.take(f"GET {unquote(path)}?{split.query}")
        if fault is not None and fault.truncate is None:
            self._error(fault.status, "injected")
            return
        meta, media = _META.match(path), _MEDIA.match(path)
        bucket = (meta or media).group(1) if (meta or media) else ""
        files = emu.buckets.get(bucket)
        if (meta or media) and files is None:
            self._error(404, "The specified bucket does not exist.")
        elif meta and meta.group(2) is None and not path.endswith("/o"):
            self._send(200, json.dumps({"kind": "storage#bucket", "name": bucket}).encode())
        elif meta and meta.group(2) is None:
            self._send(200, json.dumps(emu.listing(bucket, query)).encode())
        elif (meta or media) and unquote((meta or media).group(2)) not in files:
            self._error(404, "No such object")
        elif meta:
            name = unquote(meta.group(2))
            self._send(200, json.dumps(emu.resource(bucket, name, files[name])).encode())
        elif media:
            self._media(files[unquote(media.group(2))], fault)
        else:
            emu.unknown.append(self.path)
            self._error(404, "unknown route")

    def _media(self, data: bytes, fault: Fault | None) -> None:
        start, end = 0, len(data) - 1
        ranged = re.match(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if ranged:
            start, end = int(ranged.group(1)), min(end, int(ranged.group(2) or end))
        body = data[start : end + 1]
        headers = {"Content-Type": "application/octet-stream"}
        if ranged:
            headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        if fault is not None and fault.truncate is not None:
            self.send_response(206 if ranged else 200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: fault.truncate])
            self.close_connection = True
            return
        self._send(206 if ranged else 200, body, headers)

    def _unknown(self) -> None:
        self.owner.clients.add(self.client_address[0])
        self.owner.unknown.append(f"{self.command} {self.path}")
        self._error(404, "unknown route")

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _unknown
