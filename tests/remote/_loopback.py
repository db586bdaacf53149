"""The HTTP servers the remote tests talk to (GCS and HF Hub emulators, the S3 fault
proxy): a thread on 127.0.0.1 (a free port), its own request handler, and faults that
requests consume (`Fault` from the W&B emulator, matched against the request key)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from wandb_emulator import Fault


class LoopbackServer:
    """Subclasses set their state, then call `serve(HandlerBase)`; each handler class
    gets the server object as `owner`."""

    #: append every request key to `requests` when a fault is looked up for it
    record_requests = True

    def serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.faults: list[Fault] = getattr(self, "faults", [])
        self.requests: list[str] = getattr(self, "requests", [])
        self._lock = threading.Lock()
        owner = handler  # a subclass per server, so two servers never share `owner`
        bound = type(f"{type(self).__name__}Handler", (owner,), {"owner": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), bound)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def host(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def take(self, key: str) -> Fault | None:
        """The first fault matching `key` with uses left (one use consumed), else None."""
        with self._lock:
            if self.record_requests:
                self.requests.append(key)
            for fault in self.faults:
                if fault.times > 0 and fault.match in key:
                    fault.times -= 1
                    return fault
        return None


def ftlint_cli(
    *args: str, cache: Path, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The real `python -m ftlint` with the remote cache in the test's folder (the
    servers' env vars are already set by the session fixtures)."""
    env = {**os.environ, "FTLINT_REMOTE_CACHE": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "ftlint", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=cwd,
    )


def pull_then_check(uri: str, tmp_path: Path) -> Path:
    """`ftlint pull URI -o WS` succeeds, then `ftlint check URI` lints it in one step
    with JSON output and no traceback. Returns the pulled workspace."""
    ws, cache = tmp_path / "ws", tmp_path / "cache"
    pulled = ftlint_cli("pull", uri, "-o", str(ws), cache=cache)
    assert pulled.returncode == 0, pulled.stderr
    check = ftlint_cli(
        "check", uri, "--format", "json", "--fail-on", "never", cache=cache, cwd=tmp_path
    )
    assert check.returncode == 0, check.stderr
    assert "Traceback" not in check.stderr
    json.loads(check.stdout)
    return ws
