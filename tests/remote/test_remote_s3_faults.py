"""s3:// under network faults: the real s3fs client, through `FaultProxy` (conftest) in
front of moto, with the SDKs' own retries off so ftlint's retry and backoff are what
is exercised."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from conftest import FaultProxy
from wandb_emulator import Fault

from ftlint.remote import RemoteError, materialize
from ftlint.remote.command import run as pull_command
from ftlint.remote.manifest import MANIFEST_NAME

METRICS = json.dumps({"json_valid_rate": 0.9, "pad": "x" * 200}).encode()


def bucket(client: object) -> None:
    client.create_bucket(Bucket="runs")  # type: ignore[attr-defined]
    for key, body in {
        "a/outputs/r1/final_metrics.json": METRICS,
        "a/outputs/r1/hard_cases.valid.jsonl": b'{"id": 1}\n' * 20,
    }.items():
        client.put_object(Bucket="runs", Key=key, Body=body)  # type: ignore[attr-defined]


def entries(ws: Path) -> dict:
    return json.loads((ws / MANIFEST_NAME).read_text())["entries"]


def no_temp_files(ws: Path) -> bool:
    return not [
        p
        for p in ws.rglob("*")
        if p.is_file() and p.name.startswith(".") and p.name != MANIFEST_NAME
    ]


@pytest.mark.parametrize("status", [500, 503, 429])
def test_transient_errors_are_retried_with_backoff(
    s3: object, s3_proxy: FaultProxy, tmp_path: Path, status: int
) -> None:
    bucket(s3)
    s3_proxy.faults += [
        Fault("GET /runs?list-type=2", status=status, times=2),
        Fault("GET /runs/a/outputs/r1/final_metrics.json", status=status, times=2),
    ]
    ws = materialize("s3://runs/a", workspace=tmp_path)
    assert (ws / "outputs/r1/final_metrics.json").read_bytes() == METRICS
    assert all(e["missing"] == [] for e in entries(ws).values())
    assert all(f.times == 0 for f in s3_proxy.faults)  # the faults were hit, then retried


def test_stall_is_a_timeout_with_a_clear_message(
    s3: object, s3_proxy: FaultProxy, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bucket(s3)
    s3_proxy.faults.append(Fault("GET /runs/a/outputs/r1/hard", delay=2.0, times=99))
    ws = materialize("s3://runs/a", workspace=tmp_path)
    missing = entries(ws)["outputs/r1/hard_cases.valid.jsonl"]["missing"]

    assert len(missing) == 1 and "read timeout" in missing[0].lower(), missing
    assert "Traceback" not in missing[0]
    assert not (ws / "outputs/r1/hard_cases.valid.jsonl").exists()
    assert (ws / "outputs/r1/final_metrics.json").exists()
    assert "missing outputs/r1/hard_cases.valid.jsonl" in capsys.readouterr().err


def test_truncated_body_is_never_half_written(
    s3: object, s3_proxy: FaultProxy, tmp_path: Path
) -> None:
    bucket(s3)
    s3_proxy.faults.append(Fault("GET /runs/a/outputs/r1/final", truncate=10, times=99))
    ws = materialize("s3://runs/a", workspace=tmp_path)
    missing = entries(ws)["outputs/r1/final_metrics.json"]["missing"]

    assert len(missing) == 1 and "received 10 of" in missing[0], missing
    assert not (ws / "outputs/r1/final_metrics.json").exists()
    assert no_temp_files(ws)
    # A cut that happens once is retried and the file lands whole.
    s3_proxy.faults[:] = [Fault("GET /runs/a/outputs/r1/final", truncate=10, times=1)]
    materialize("s3://runs/a", workspace=tmp_path)
    assert (ws / "outputs/r1/final_metrics.json").read_bytes() == METRICS


def test_exit_2_only_when_nothing_usable(
    s3: object, s3_proxy: FaultProxy, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bucket(s3)
    s3_proxy.faults.append(Fault("GET /runs/a/outputs/r1/hard", status=503, times=99))
    partial = argparse.Namespace(uri="s3://runs/a", output=str(tmp_path / "p"))
    assert pull_command(partial) == 0  # one file fetched: usable, the other listed
    assert "missing outputs/r1/hard_cases.valid.jsonl" in capsys.readouterr().err
    s3_proxy.faults[:] = [Fault("GET /runs", status=503, times=99)]
    nothing = argparse.Namespace(uri="s3://runs/a", output=str(tmp_path / "n"))
    assert pull_command(nothing) == 2
    err = capsys.readouterr().err

    assert "nothing usable was fetched: listing:" in err and "(HTTP 503 SlowDown)" in err
    assert "Traceback" not in err
    with pytest.raises(RemoteError):
        materialize("s3://runs/a", workspace=tmp_path / "n2")
