"""A small emulator of the W&B backend endpoints that `wandb.Api` calls, on 127.0.0.1.

Written against wandb 0.31.0 (`wandb.__version__`). In that SDK the public API sends
every GraphQL query and file download through the `wandb-core` sidecar, so what this
server sees is what wandb-core sends: POST /graphql (queries below, matched by their
operation name) and GET of the file URLs we hand out. It also answers wandb-core's own
telemetry POST (/sdk/otel/...) with 204 so nothing is retried, and records every request
so tests can assert the SDK talked to us and to nobody else.

Queries answered (operation names from wandb/apis/public/*.py and wandb-core):
Viewer, GetDefaultEntity, Runs, Run, RunFiles, RunHistoryKeys, RunParquetHistory
(wandb-core's history scan: it downloads the parquet export we build with pyarrow and
pages through it by step), ServerFeaturesQuery, and for logged artifacts RunOutputArtifacts, FetchArtifactManifest
and GetArtifactMembershipFileUrls. Artifact files are not fetched by wandb-core in that
SDK: `Artifact.download` fetches the manifest JSON and then each file from the
`directUrl`s the GraphQL answers hand out, with a plain `requests` session; this server
serves both under /artifacts/<id>/. Anything else is logged in `unknown` and gets
`{"data": {}}` so a test failure names the query the SDK sent.

Faults: `faults` is a list of `Fault(match, status, times, delay, truncate)`: the next
`times` requests whose operation name or path contains `match` get `status` (5xx/429),
wait `delay` seconds first (timeouts), or have their body cut to `truncate` bytes.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from wandb_artifacts_emu import _ARTIFACT_OPS, FakeArtifact, artifact_manifest


@dataclass
class Fault:
    match: str
    status: int = 500
    times: int = 1
    delay: float = 0.0
    truncate: int | None = None


@dataclass
class FakeRun:
    id: str
    name: str = ""
    state: str = "finished"
    group: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    artifacts: list[FakeArtifact] = field(default_factory=list)
    created_at: str = "2024-05-01T10:00:00"
    heartbeat_at: str = "2024-05-01T11:00:00"


_OP = re.compile(r"\b(?:query|mutation)\s+(\w+)")


class WandbEmulator:
    """Holds the fake projects and runs and serves them; start() and stop() from a fixture."""

    def __init__(self) -> None:
        self.runs: dict[tuple[str, str], list[FakeRun]] = {}
        self.requests: list[tuple[str, str, str]] = []  # (method, path, op name)
        self.unknown: list[str] = []
        self.faults: list[Fault] = []
        # run ids that vanish once a Runs page listed them: "deleted mid-pull"
        self.hidden_after_listing: set[str] = set()
        self._listed: set[str] = set()
        # artifact id -> (entity, project, artifact), filled as RunOutputArtifacts lists them
        self.artifacts: dict[str, tuple[str, str, FakeArtifact]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle ---------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        emulator = self

        class Handler(_Handler):
            pass

        Handler.emulator = emulator
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def add_run(self, entity: str, project: str, run: FakeRun) -> FakeRun:
        self.runs.setdefault((entity, project), []).append(run)
        return run

    def artifact_file_url(self, art: FakeArtifact, name: str) -> str:
        return f"{self.url}/artifacts/{art.id}/files/{name}"

    def ops(self) -> list[str]:
        return [op for _, _, op in self.requests]

    # -- faults ------------------------------------------------------------------
    def take_fault(self, key: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times > 0 and fault.match in key:
                    fault.times -= 1
                    return fault
        return None

    # -- GraphQL -----------------------------------------------------------------
    def find_run(self, entity: str, project: str, name: str) -> FakeRun | None:
        if name in self.hidden_after_listing and name in self._listed:
            return None
        for run in self.runs.get((entity, project), []):
            if run.id == name:
                return run
        return None

    def run_node(self, run: FakeRun, project: str) -> dict[str, Any]:
        last = max((row.get("_step", -1) for row in run.history), default=-1)
        return {
            "id": f"UnVuOnYx{run.id}",
            "projectId": "1",
            "name": run.id,
            "displayName": run.name or run.id,
            "tags": [],
            "sweepName": None,
            "state": run.state,
            "config": json.dumps(run.config),
            "group": run.group,
            "jobType": None,
            "commit": None,
            "readOnly": False,
            "createdAt": run.created_at,
            "heartbeatAt": run.heartbeat_at,
            "description": None,
            "notes": None,
            "systemMetrics": "{}",
            "summaryMetrics": json.dumps(run.summary),
            "historyLineCount": len(run.history),
            "user": {"name": "u", "username": "u"},
            "historyKeys": {"lastStep": last, "keys": {}},
        }

    def answer(self, op: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        entity, project = variables.get("entity"), variables.get("project")
        if op in ("Viewer", "GetDefaultEntity"):
            return {
                "viewer": {
                    "id": "VXNlcjox",
                    "entity": "team",
                    "username": "tester",
                    "email": None,
                    "flags": "{}",
                    "teams": {"edges": []},
                }
            }
        if op == "Runs":
            runs = list(self.runs.get((entity, project), []))
            if (entity, project) not in self.runs:
                return {"project": None}
            runs = _apply_filters(runs, json.loads(variables.get("filters") or "{}"))
            start = int(variables.get("cursor") or 0)
            per = int(variables.get("perPage") or 50)
            page = runs[start : start + per]
            self._listed.update(r.id for r in page)
            edges = [
                {"node": self.run_node(r, project), "cursor": str(start + i + 1)}
                for i, r in enumerate(page)
            ]
            return {
                "project": {
                    "internalId": "1",
                    "runCount": len(runs),
                    "readOnly": False,
                    "runs": {
                        "edges": edges,
                        "pageInfo": {
                            "endCursor": str(start + len(page)),
                            "hasNextPage": start + per < len(runs),
                        },
                    },
                }
            }
        run = self.find_run(
            entity,
            project,
            variables.get("name") or variables.get("runName") or variables.get("run") or "",
        )
        if op in ("Run", "RunHistoryKeys", "RunState"):
            return {"project": {"run": self.run_node(run, project) if run else None}}
        if op == "RunParquetHistory":
            # wandb-core reads history from exported parquet files (read by its Rust FFI
            # in step pages); an empty URL list is "no parquet history found".
            if run is None:
                return {"project": {"run": None}}
            url = f"{self.url}/parquet/{entity}/{project}/{run.id}.parquet"
            return {"project": {"run": {"parquetHistory": {"parquetUrls": [url], "liveData": []}}}}
        if op == "ServerFeaturesQuery":
            return {"serverInfo": {"features": []}}
        if op in _ARTIFACT_OPS:
            return _ARTIFACT_OPS[op](self, run, entity, project, variables)
        if op == "RunFiles":
            if run is None:
                return {"project": {"internalId": "1", "run": None}}
            names = variables.get("fileNames") or sorted(run.files)
            edges = [
                {
                    "node": {
                        "id": f"file-{n}",
                        "name": n,
                        "url": f"{self.url}/files/{entity}/{project}/{run.id}/{n}",
                        "directUrl": f"{self.url}/files/{entity}/{project}/{run.id}/{n}",
                        "sizeBytes": len(run.files[n]),
                        "mimetype": "application/json",
                        "updatedAt": run.heartbeat_at,
                        "md5": "",
                    },
                    "cursor": n,
                }
                for n in names
                if n in run.files
            ]
            return {
                "project": {
                    "internalId": "1",
                    "run": {
                        "fileCount": len(edges),
                        "files": {
                            "edges": edges,
                            "pageInfo": {"endCursor": None, "hasNextPage": False},
                        },
                    },
                }
            }
        self.unknown.append(f"{op}: {query[:300]} {variables}")
        return {}


def _apply_filters(runs: list[FakeRun], filters: dict[str, Any]) -> list[FakeRun]:
    """The two filters ftlint sends: group equality and heartbeat_at/updated_at >= date."""
    out = runs
    for key, cond in filters.items() if isinstance(filters, dict) else ():
        if key == "$and":
            for sub in cond:
                out = _apply_filters(out, sub)
        elif key == "group":
            out = [r for r in out if r.group == cond]
        elif key in ("heartbeat_at", "updated_at", "heartbeatAt", "updatedAt"):
            since = cond.get("$gte", "") if isinstance(cond, dict) else ""
            out = [r for r in out if r.heartbeat_at >= since]
        elif key == "name" and isinstance(cond, dict) and "$in" in cond:
            out = [r for r in out if r.id in cond["$in"]]
    return out


def _parquet(rows: list[dict[str, Any]]) -> bytes:
    """The run's history as the parquet export W&B serves (pyarrow, a test dependency)."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), sink)
    return sink.getvalue()


class _Handler(BaseHTTPRequestHandler):
    emulator: WandbEmulator
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet
        return

    def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if status == 429:
            self.send_header("Retry-After", "0")
        self.end_headers()
        self.wfile.write(body)

    def _fault(self, key: str, body: bytes) -> bytes | None:
        fault = self.emulator.take_fault(key)
        if fault is None:
            return body
        if fault.delay:
            time.sleep(fault.delay)
        if fault.truncate is not None:
            # Promise the full length, send less, then close: a truncated download.
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: fault.truncate])
            self.close_connection = True
            return None
        if fault.status != 200:
            self._send(fault.status, b'{"errors": [{"message": "injected"}]}')
            return None
        return body

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if not self.path.startswith("/graphql"):
            self.emulator.requests.append(("POST", self.path, ""))
            self._send(204, b"")
            return
        try:
            payload = json.loads(raw)
        except ValueError:
            self._send(400, b"{}")
            return
        query = payload.get("query", "")
        match = _OP.search(query)
        op = match.group(1) if match else ""
        self.emulator.requests.append(("POST", self.path, op))
        data = self.emulator.answer(op, query, payload.get("variables") or {})
        body = json.dumps({"data": data}).encode()
        body_or_none = self._fault(op, body)
        if body_or_none is not None:
            self._send(200, body_or_none)

    def do_GET(self) -> None:
        self.emulator.requests.append(("GET", self.path, ""))
        parts = self.path.split("?")[0].split("/")
        if len(parts) == 5 and parts[1] == "parquet":
            run = self.emulator.find_run(parts[2], parts[3], parts[4].removesuffix(".parquet"))
            if run is not None:
                body = self._fault(self.path, _parquet(run.history))
                if body is not None:
                    self._send(200, body, "application/octet-stream")
                return
        if len(parts) >= 4 and parts[1] == "artifacts":
            found = self.emulator.artifacts.get(parts[2])
            art = found[2] if found else None
            name = "/".join(parts[4:])
            data: bytes | None = None
            if art is not None and parts[3] == "manifest.json":
                data = artifact_manifest(art)
            elif art is not None and parts[3] == "files" and name not in art.gone:
                data = art.files.get(name)
            if data is not None:
                body = self._fault(self.path, data)
                if body is not None:
                    self._send(200, body, "application/octet-stream")
                return
        if len(parts) >= 6 and parts[1] == "files":
            entity, project, run_id = parts[2], parts[3], parts[4]
            name = "/".join(parts[5:])
            run = self.emulator.find_run(entity, project, run_id)
            if run is not None and name in run.files:
                body = self._fault(self.path, run.files[name])
                if body is not None:
                    self._send(200, body, "application/octet-stream")
                return
        self._send(404, b"not found")
