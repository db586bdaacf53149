"""hf:// workspaces: the real huggingface_hub `HfFileSystem` against the loopback Hub
emulator (`hf_emulator.py`, found through HF_ENDPOINT)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _loopback import pull_then_check
from hf_emulator import HubEmulator
from wandb_emulator import Fault

from ftlint.remote import RemoteError, materialize
from ftlint.remote.manifest import MANIFEST_NAME

METRICS = json.dumps({"json_valid_rate": 0.9, "exact_match": 0.5}).encode()
HARD = b'{"id": "a", "prediction": "{", "reference": "{}"}\n'


def repo(hub: HubEmulator) -> dict[str, bytes]:
    files = {
        "README.md": b"# runs",
        "outputs/r1/final_metrics.json": METRICS,
        "outputs/r1/hard_cases.valid.jsonl": HARD,
        "outputs/r1/adapter_model.safetensors": b"\0" * 64,
        "outputs/r2/final_metrics.json": METRICS,
    }
    hub.repos[("dataset", "org/evals")] = files
    return files


def test_hf_dataset_pulled_with_adapter_globs_only(hf: HubEmulator, tmp_path: Path) -> None:
    repo(hf)
    ws = materialize("hf://datasets/org/evals", workspace=tmp_path / "ws")
    found = sorted(p.relative_to(ws).as_posix() for p in ws.rglob("*") if p.is_file())
    assert found == [
        MANIFEST_NAME,
        "outputs/r1/final_metrics.json",
        "outputs/r1/hard_cases.valid.jsonl",
        "outputs/r2/final_metrics.json",
    ]
    assert (ws / "outputs/r1/hard_cases.valid.jsonl").read_bytes() == HARD
    assert any("/tree/" in r for r in hf.requests) and any("/resolve/" in r for r in hf.requests)
    assert not any("safetensors" in r for r in hf.requests if "/resolve/" in r)


def test_hf_file_gone_after_listing_is_missing(hf: HubEmulator, tmp_path: Path) -> None:
    repo(hf)
    hf.gone.add("outputs/r1/hard_cases.valid.jsonl")
    ws = materialize("hf://datasets/org/evals", workspace=tmp_path)
    entries = json.loads((ws / MANIFEST_NAME).read_text())["entries"]
    assert entries["outputs/r1/hard_cases.valid.jsonl"]["missing"]
    assert not (ws / "outputs/r1/hard_cases.valid.jsonl").exists()
    assert (ws / "outputs/r1/final_metrics.json").read_bytes() == METRICS


def test_hf_missing_repo_is_nothing_usable(hf: HubEmulator, tmp_path: Path) -> None:
    with pytest.raises(RemoteError, match="nothing usable"):
        materialize("hf://datasets/org/no-such-repo", workspace=tmp_path)


def test_ftlint_pull_and_check_hf(hf: HubEmulator, tmp_path: Path) -> None:
    repo(hf)
    ws = pull_then_check("hf://datasets/org/evals", tmp_path)
    assert (ws / "outputs/r2/final_metrics.json").exists()


@pytest.fixture
def no_hub_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """huggingface_hub's own `http_backoff` retries a cut-short body or a 5xx/429 five
    times with 1-8 s sleeps and no setting to shorten them; only its sleeps are skipped
    (its `time` module is swapped for one whose `sleep` returns at once)."""
    import time
    import types

    from huggingface_hub.utils import _http

    fast = types.SimpleNamespace(**{n: getattr(time, n) for n in dir(time) if n[0] != "_"})
    fast.sleep = lambda _seconds: None
    monkeypatch.setattr(_http, "time", fast)


@pytest.mark.usefixtures("no_hub_sleep")
def test_hf_truncated_download_never_half_written(hf: HubEmulator, tmp_path: Path) -> None:
    repo(hf)
    hf.faults.append(Fault("resolve/main/outputs/r1/final_metrics.json", truncate=5, times=99))
    ws = materialize("hf://datasets/org/evals", workspace=tmp_path)
    entries = json.loads((ws / MANIFEST_NAME).read_text())["entries"]
    assert entries["outputs/r1/final_metrics.json"]["missing"]
    assert not (ws / "outputs/r1/final_metrics.json").exists()
    assert (ws / "outputs/r2/final_metrics.json").read_bytes() == METRICS
    assert not [p for p in ws.rglob(".*") if p.is_file() and p.name != MANIFEST_NAME]


@pytest.mark.usefixtures("no_hub_sleep")
@pytest.mark.parametrize("status", [429, 503])
def test_hf_transient_errors_are_retried(hf: HubEmulator, tmp_path: Path, status: int) -> None:
    repo(hf)
    hf.faults += [
        Fault("/tree/main", status=status, times=2),
        Fault("resolve/main/outputs/r1/final_metrics.json", status=status, times=2),
    ]
    ws = materialize("hf://datasets/org/evals", workspace=tmp_path)
    assert (ws / "outputs/r1/final_metrics.json").read_bytes() == METRICS
    assert all(f.times == 0 for f in hf.faults)
