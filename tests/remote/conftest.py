"""Loopback servers for the remote tests: a W&B emulator driven by the real `wandb` SDK
and moto's S3 server driven by the real s3fs, with `FaultProxy` in front of moto for the
S3 fault tests (moto has no fault hooks). All bind 127.0.0.1 on a free port and are
started and stopped here; the environment points every client at them before the SDKs
are imported, so nothing can reach the internet (tests assert the emulator saw the
requests)."""

from __future__ import annotations

import http.client
import os
import tempfile
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

import pytest
from _loopback import LoopbackServer
from wandb_emulator import WandbEmulator  # tests/remote is on sys.path

_SAVED: dict[str, str | None] = {}


def _setenv(name: str, value: str) -> None:
    _SAVED.setdefault(name, os.environ.get(name))
    os.environ[name] = value


@pytest.fixture(scope="session")
def wandb_server() -> Iterator[WandbEmulator]:
    pytest.importorskip("pyarrow")  # the emulator serves history as a parquet export
    emulator = WandbEmulator()
    emulator.start()
    home = tempfile.mkdtemp(prefix="ftlint-wandb-")
    for name, value in {
        "WANDB_BASE_URL": emulator.url,
        "WANDB_API_KEY": "test" * 10,  # a fake key for the fake server
        "WANDB_SILENT": "true",
        "WANDB_MODE": "online",  # the public API needs online; the emulator is the server
        "WANDB_ERROR_REPORTING": "false",  # no Sentry
        "WANDB_DISABLE_CODE": "true",
        "WANDB_DIR": home,
        "WANDB_CONFIG_DIR": home,
        "WANDB_CACHE_DIR": home,
        "WANDB_DATA_DIR": home,
        "NETRC": os.path.join(home, "netrc"),
        # wandb-core's own retries: tiny waits so fault tests stay fast
        "WANDB_X_GRAPHQL_RETRY_MAX": "1",
        "WANDB_X_GRAPHQL_RETRY_WAIT_MIN_SECONDS": "0.01",
        "WANDB_X_GRAPHQL_RETRY_WAIT_MAX_SECONDS": "0.02",
        "WANDB_X_FILE_TRANSFER_RETRY_MAX": "1",
        "WANDB_X_FILE_TRANSFER_RETRY_WAIT_MIN_SECONDS": "0.01",
        "WANDB_X_FILE_TRANSFER_RETRY_WAIT_MAX_SECONDS": "0.02",
        "FTLINT_REMOTE_BACKOFF": "0.01",
        "FTLINT_REMOTE_RETRIES": "3",
    }.items():
        _setenv(name, value)
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def wandb_emu(wandb_server: WandbEmulator) -> Iterator[WandbEmulator]:
    wandb_server.runs.clear()
    wandb_server.faults.clear()
    wandb_server.requests.clear()
    wandb_server.unknown.clear()
    wandb_server.hidden_after_listing.clear()
    wandb_server._listed.clear()
    wandb_server.artifacts.clear()
    yield wandb_server
    assert not wandb_server.unknown, wandb_server.unknown


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    pytest.importorskip("s3fs")
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": url,
        "AWS_EC2_METADATA_DISABLED": "true",
        "FTLINT_REMOTE_BACKOFF": "0.01",
    }.items():
        _setenv(name, value)
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture
def s3(s3_server: str) -> Iterator[object]:
    import boto3
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    yield client
    for bucket in client.list_buckets().get("Buckets", []):
        for obj in client.list_objects_v2(Bucket=bucket["Name"]).get("Contents", []):
            client.delete_object(Bucket=bucket["Name"], Key=obj["Key"])
        client.delete_bucket(Bucket=bucket["Name"])


_S3_ERROR_CODES = {429: "TooManyRequests", 500: "InternalError", 503: "SlowDown"}
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class FaultProxy(LoopbackServer):
    """An HTTP proxy on 127.0.0.1 that forwards every request to `upstream` (moto) and
    applies `faults` (the W&B emulator's `Fault`, matched against "METHOD /path?query"):
    an S3-style XML error with `status`, a stall of `delay` seconds with no answer (a
    read timeout), or a 200 whose body is cut to `truncate` bytes under the full
    Content-Length."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.serve(_ProxyHandler)


class _ProxyHandler(BaseHTTPRequestHandler):
    owner: FaultProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        return

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        fault = self.owner.take(f"{self.command} {self.path}")
        if fault is not None and fault.delay:
            time.sleep(fault.delay)  # the client's read timeout fires first
            self.close_connection = True
            return
        if fault is not None and fault.truncate is None and fault.status != 200:
            code = _S3_ERROR_CODES.get(fault.status, "ServiceUnavailable")
            xml = f"<Error><Code>{code}</Code><Message>injected</Message></Error>".encode()
            self.send_response(fault.status)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(xml)))
            self.end_headers()
            self.wfile.write(xml)
            return
        conn = http.client.HTTPConnection(*self.owner.upstream, timeout=10)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        conn.request(self.command, self.path, body, headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        self.send_response(resp.status)
        for key, value in resp.getheaders():
            if key.lower() not in _HOP_BY_HOP:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if fault is not None and fault.truncate is not None:
            self.wfile.write(data[: fault.truncate])
            self.close_connection = True
            return
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward


@pytest.fixture
def s3_proxy(s3: object, s3_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    """s3fs pointed at a fault proxy in front of moto, with the SDKs' own retries off
    (botocore: AWS_MAX_ATTEMPTS=1; s3fs: retries=1) so ftlint's retry is what is tested,
    and a 1 s read timeout so a stall is quick."""
    import s3fs

    proxy = FaultProxy(s3_server)
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("FTLINT_REMOTE_TIMEOUT", "1")
    monkeypatch.setenv("FTLINT_REMOTE_RETRIES", "3")
    monkeypatch.setattr(s3fs.S3FileSystem, "retries", 1)
    s3fs.S3FileSystem.clear_instance_cache()
    try:
        yield proxy
    finally:
        proxy.stop()
        s3fs.S3FileSystem.clear_instance_cache()


@pytest.fixture(scope="session")
def hf_server() -> Iterator[object]:
    """The Hub emulator; HF_ENDPOINT is set for subprocesses, and the already-imported
    huggingface_hub constants (read once at import) are pointed at it too."""
    pytest.importorskip("huggingface_hub")
    from hf_emulator import HubEmulator

    hub = HubEmulator()
    home = tempfile.mkdtemp(prefix="ftlint-hf-")
    for name, value in {
        "HF_ENDPOINT": hub.url,
        "HF_HOME": home,  # no token file of the developer's is read
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
        "FTLINT_REMOTE_BACKOFF": "0.01",
    }.items():
        _setenv(name, value)
    from huggingface_hub import constants

    saved = constants.ENDPOINT, constants.HUGGINGFACE_CO_URL_TEMPLATE
    constants.ENDPOINT = hub.url
    constants.HUGGINGFACE_CO_URL_TEMPLATE = hub.url + "/{repo_id}/resolve/{revision}/{filename}"
    try:
        yield hub
    finally:
        constants.ENDPOINT, constants.HUGGINGFACE_CO_URL_TEMPLATE = saved
        hub.stop()


@pytest.fixture
def hf(hf_server: object) -> Iterator[object]:
    from huggingface_hub import HfFileSystem

    HfFileSystem.clear_instance_cache()
    for attr in ("repos", "requests", "unknown", "faults"):
        getattr(hf_server, attr).clear()
    hf_server.gone.clear()  # type: ignore[attr-defined]
    yield hf_server
    assert not hf_server.unknown, hf_server.unknown  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def gcs_server() -> Iterator[object]:
    """The GCS emulator, found by gcsfs through its own `STORAGE_EMULATOR_HOST` (read on
    each call, so subprocesses see it too); ftlint then makes the client anonymous."""
    pytest.importorskip("gcsfs")
    from gcs_emulator import GcsEmulator

    emulator = GcsEmulator()
    for name, value in {
        "STORAGE_EMULATOR_HOST": f"http://{emulator.host}",
        "FTLINT_REMOTE_BACKOFF": "0.01",
        "FTLINT_REMOTE_RETRIES": "3",
    }.items():
        _setenv(name, value)
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def gcs(gcs_server: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A clean emulator, with gcsfs's own retry sleeps (1-32 s, 6 tries, not
    configurable) made instant: its retry module's `asyncio` is swapped for one whose
    `sleep` returns at once."""
    import asyncio
    import types

    import gcsfs
    import gcsfs.retry

    async def no_sleep(_seconds: float) -> None:
        return None

    fast = types.SimpleNamespace(**{n: getattr(asyncio, n) for n in dir(asyncio) if n[0] != "_"})
    fast.sleep = no_sleep
    monkeypatch.setattr(gcsfs.retry, "asyncio", fast)
    gcsfs.core.GCSFileSystem.clear_instance_cache()
    for attr in ("buckets", "requests", "unknown", "faults", "clients"):
        getattr(gcs_server, attr).clear()
    yield gcs_server
    gcsfs.core.GCSFileSystem.clear_instance_cache()
    assert not gcs_server.unknown, gcs_server.unknown  # type: ignore[attr-defined]


def pytest_sessionfinish(session: object, exitstatus: int) -> None:
    for name, value in _SAVED.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
