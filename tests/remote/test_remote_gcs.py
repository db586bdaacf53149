"""gs:// workspaces: the real gcsfs client against the loopback GCS JSON-API emulator
(`gcs_emulator.py`, found through gcsfs's own STORAGE_EMULATOR_HOST)."""

from __future__ import annotations

import argparse
import ipaddress
import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _loopback import pull_then_check
from gcs_emulator import GcsEmulator
from wandb_emulator import Fault

from ftlint.remote import RemoteError, materialize
from ftlint.remote.command import run as pull_command
from ftlint.remote.manifest import MANIFEST_NAME

METRICS = json.dumps({"json_valid_rate": 0.9, "exact_match": 0.5}).encode()
HARD = b'{"id": "a", "prediction": "{", "reference": "{}"}\n'


def bucket(emu: GcsEmulator) -> dict[str, bytes]:
    files = {
        "evals/README.md": b"# runs",
        "evals/outputs/r1/final_metrics.json": METRICS,
        "evals/outputs/r1/hard_cases.valid.jsonl": HARD,
        "evals/outputs/r1/adapter_model.safetensors": b"\0" * 64,
        "evals/outputs/r2/final_metrics.json": METRICS,
        "evals/outputs/r2/config.yaml": b"lr: 0.0001\n",
        "other/outputs/r9/final_metrics.json": METRICS,
    }
    emu.buckets["runs"] = files
    return files


def entries(ws: Path) -> dict[str, Any]:
    return json.loads((ws / MANIFEST_NAME).read_text())["entries"]


def files_in(ws: Path) -> list[str]:
    return sorted(p.relative_to(ws).as_posix() for p in ws.rglob("*") if p.is_file())


def _loopback(host: object) -> bool:
    try:
        return ipaddress.ip_address(str(host)).is_loopback
    except ValueError:
        return host == "localhost"


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Any connect or name lookup off 127.0.0.1 (metadata server, googleapis.com) fails
    the test: it is recorded and refused."""
    attempts: list[object] = []
    connect, lookup = socket.socket.connect, socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if isinstance(address, tuple) and not _loopback(address[0]):
            attempts.append(address)
            raise OSError(f"test refused a connection to {address}")
        return connect(self, address)

    def guarded_lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _loopback(host):
            attempts.append(host)
            raise OSError(f"test refused a lookup of {host}")
        return lookup(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_lookup)
    return attempts


def test_gs_pull_keeps_adapter_files_and_paths(
    gcs: GcsEmulator, loopback_only: list[object], tmp_path: Path
) -> None:
    bucket(gcs)
    ws = materialize("gs://runs/evals", workspace=tmp_path / "ws")
    assert files_in(ws) == [
        MANIFEST_NAME,
        "outputs/r1/final_metrics.json",
        "outputs/r1/hard_cases.valid.jsonl",
        "outputs/r2/config.yaml",
        "outputs/r2/final_metrics.json",
    ]
    assert (ws / "outputs/r1/hard_cases.valid.jsonl").read_bytes() == HARD
    manifest = json.loads((ws / MANIFEST_NAME).read_text())
    assert manifest["uri"] == "gs://runs/evals"
    assert all(e["missing"] == [] for e in manifest["entries"].values())
    # Every request reached the emulator, from loopback, and nothing went elsewhere.
    assert loopback_only == [] and gcs.clients == {"127.0.0.1"}
    assert any("/storage/v1/b/runs/o?" in r and "pageToken" in r for r in gcs.requests)
    downloads = [r for r in gcs.requests if r.startswith("GET /download/")]
    assert len(downloads) == 4 and not any("safetensors" in r or "other/" in r for r in downloads)
    # An unchanged object is not fetched again.
    gcs.requests.clear()
    materialize("gs://runs/evals", workspace=tmp_path / "ws")
    assert not [r for r in gcs.requests if r.startswith("GET /download/")]


def test_ftlint_pull_and_check_gs(gcs: GcsEmulator, tmp_path: Path) -> None:
    bucket(gcs)
    ws = pull_then_check("gs://runs/evals", tmp_path)
    assert (ws / "outputs/r2/final_metrics.json").read_bytes() == METRICS
    assert not (ws / "outputs/r1/adapter_model.safetensors").exists()
    assert gcs.clients == {"127.0.0.1"}


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("times", [2, 7])  # 7: past gcsfs's own 6 tries, so ftlint retries
def test_gs_transient_errors_are_retried(
    gcs: GcsEmulator, tmp_path: Path, status: int, times: int
) -> None:
    bucket(gcs)
    gcs.faults += [
        Fault("GET /storage/v1/b/runs/o?", status=status, times=times),
        Fault(
            "GET /download/storage/v1/b/runs/o/evals/outputs/r1/final", status=status, times=times
        ),
    ]
    ws = materialize("gs://runs/evals", workspace=tmp_path)
    assert (ws / "outputs/r1/final_metrics.json").read_bytes() == METRICS
    assert all(e["missing"] == [] for e in entries(ws).values())
    assert all(f.times == 0 for f in gcs.faults)


def test_gs_truncated_download_never_half_written(gcs: GcsEmulator, tmp_path: Path) -> None:
    bucket(gcs)
    gcs.faults.append(Fault("/o/evals/outputs/r1/final_metrics.json", truncate=5, times=99))
    ws = materialize("gs://runs/evals", workspace=tmp_path)
    missing = entries(ws)["outputs/r1/final_metrics.json"]["missing"]
    assert len(missing) == 1 and "Traceback" not in missing[0], missing
    assert not (ws / "outputs/r1/final_metrics.json").exists()
    assert (ws / "outputs/r2/final_metrics.json").read_bytes() == METRICS
    assert not [p for p in ws.rglob(".*") if p.is_file() and p.name != MANIFEST_NAME]
    # A cut that happens once is retried and the file lands whole.
    gcs.faults[:] = [Fault("/o/evals/outputs/r1/final_metrics.json", truncate=5, times=1)]
    materialize("gs://runs/evals", workspace=tmp_path)
    assert (ws / "outputs/r1/final_metrics.json").read_bytes() == METRICS


def test_gs_missing_bucket_is_nothing_usable(
    gcs: GcsEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(RemoteError, match="nothing usable"):
        materialize("gs://no-such-bucket/evals", workspace=tmp_path / "a")
    args = argparse.Namespace(uri="gs://no-such-bucket/evals", output=str(tmp_path / "b"))
    assert pull_command(args) == 2
    err = capsys.readouterr().err
    assert "nothing usable" in err and "Traceback" not in err


def test_gs_listing_that_keeps_failing_is_exit_2(
    gcs: GcsEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bucket(gcs)
    gcs.faults.append(Fault("GET /storage/v1/b/runs/o?", status=503, times=999))
    args = argparse.Namespace(uri="gs://runs/evals", output=str(tmp_path))
    assert pull_command(args) == 2
    err = capsys.readouterr().err
    assert "nothing usable was fetched: listing:" in err and "503" in err
    assert "Traceback" not in err


# `python -m ftlint`, with gcsfs's own retry sleeps made instant first (they cannot be
# configured, and a subprocess does not see the `gcs` fixture's patch).
FAST_FTLINT = """
import asyncio, runpy, sys, types
import gcsfs.retry
async def no_sleep(_seconds):
    return None
fast = types.SimpleNamespace(**{n: getattr(asyncio, n) for n in dir(asyncio) if n[0] != "_"})
fast.sleep = no_sleep
gcsfs.retry.asyncio = fast
sys.argv = ["ftlint", *sys.argv[1:]]
runpy.run_module("ftlint", run_name="__main__")
"""


def test_gs_cli_faults_are_one_line_not_tracebacks(gcs: GcsEmulator, tmp_path: Path) -> None:
    """fsspec's prefetcher and gcsfs log failed reads with tracebacks; the CLI's stderr
    has only ftlint's own `missing` line (pytest's log capture would hide a regression
    in-process, so this runs the real entry point)."""
    bucket(gcs)
    gcs.faults.append(Fault("/o/evals/outputs/r1/final_metrics.json", truncate=5, times=99))
    pulled = subprocess.run(
        [sys.executable, "-c", FAST_FTLINT, "pull", "gs://runs/evals", "-o", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert pulled.returncode == 0, pulled.stderr
    assert "Traceback" not in pulled.stderr, pulled.stderr
    assert "missing outputs/r1/final_metrics.json" in pulled.stderr
    assert not (tmp_path / "outputs/r1/final_metrics.json").exists()


def test_gs_endpoint_url_option_is_anonymous_and_json_api_only(
    gcs: GcsEmulator,
    loopback_only: list[object],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A private endpoint given as a storage option (no STORAGE_EMULATOR_HOST) is used
    the same way: no credential lookup and no gRPC bucket-layout call."""
    import gcsfs.core

    from ftlint.remote.fsspec_pull import _gcs_filesystem, pull_fsspec

    bucket(gcs)
    monkeypatch.delenv("STORAGE_EMULATOR_HOST")
    options = {"endpoint_url": f"http://{gcs.host}"}
    result = pull_fsspec("gs://runs/evals", tmp_path, storage_options=options)
    assert result.usable and (tmp_path / "outputs/r1/final_metrics.json").exists()
    assert loopback_only == [] and not gcs.unknown
    fs, root = _gcs_filesystem("gcs://runs/evals/", dict(options))
    assert type(fs) is gcsfs.core.GCSFileSystem and root == "runs/evals"
    assert fs.credentials.token == "anon"
    assert loopback_only == []
