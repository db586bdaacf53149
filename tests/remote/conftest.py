"""Loopback servers for the remote tests: a W&B emulator driven by the real `wandb` SDK
and moto's S3 server driven by the real s3fs. Both bind 127.0.0.1 on a free port and are
started and stopped here; the environment points every client at them before the SDKs
are imported, so nothing can reach the internet (tests assert the emulator saw the
requests)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest
from wandb_emulator import WandbEmulator  # tests/remote is on sys.path (rootdir conftest)

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


def pytest_sessionfinish(session: object, exitstatus: int) -> None:
    for name, value in _SAVED.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
