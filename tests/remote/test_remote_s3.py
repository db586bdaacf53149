"""s3:// workspaces: the real s3fs client against moto's S3 server on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftlint.remote import RemoteError, is_remote, materialize, workspace_for
from ftlint.remote.manifest import MANIFEST_NAME, strip_userinfo


def put(client: object, key: str, body: bytes, bucket: str = "runs") -> None:
    client.put_object(Bucket=bucket, Key=key, Body=body)  # type: ignore[attr-defined]


def test_s3_tree_materialised_with_adapter_globs_only(s3: object, tmp_path: Path) -> None:
    s3.create_bucket(Bucket="runs")  # type: ignore[attr-defined]
    metrics = json.dumps({"json_valid_rate": 0.9}).encode()
    put(s3, "team/outputs/r1/final_metrics.json", metrics)
    put(s3, "team/outputs/r1/hard_cases.valid.jsonl", b'{"id": 1}\n')
    put(s3, "team/outputs/r1/adapter_model.safetensors", b"\0" * 64)
    put(s3, "team/wandb/run-20240101_000000-x/run-x.wandb", b":W&B")
    put(s3, "other/outputs/r2/final_metrics.json", metrics)
    ws = materialize("s3://runs/team", workspace=tmp_path / "ws")
    found = sorted(p.relative_to(ws).as_posix() for p in ws.rglob("*") if p.is_file())
    assert found == [
        MANIFEST_NAME,
        "outputs/r1/final_metrics.json",
        "outputs/r1/hard_cases.valid.jsonl",
        "wandb/run-20240101_000000-x/run-x.wandb",
    ]
    assert (ws / "outputs/r1/final_metrics.json").read_bytes() == metrics


def test_s3_cache_and_update(s3: object, tmp_path: Path) -> None:
    s3.create_bucket(Bucket="runs")  # type: ignore[attr-defined]
    put(s3, "a/x.json", b"{}")
    put(s3, "a/y.json", b"[]")
    materialize("s3://runs/a", workspace=tmp_path)
    put(s3, "a/y.json", b"[1]")
    materialize("s3://runs/a", workspace=tmp_path)
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text())
    assert (tmp_path / "y.json").read_bytes() == b"[1]"
    assert manifest["entries"]["x.json"]["missing"] == []


def test_size_cap_is_a_missing_entry(
    s3: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FTLINT_REMOTE_MAX_FILE", "10")
    s3.create_bucket(Bucket="runs")  # type: ignore[attr-defined]
    put(s3, "a/small.json", b"{}")
    put(s3, "a/big.jsonl", b"{}\n" * 100)
    ws = materialize("s3://runs/a", workspace=tmp_path)
    entries = json.loads((ws / MANIFEST_NAME).read_text())["entries"]
    assert "cap" in entries["big.jsonl"]["missing"][0]
    assert not (ws / "big.jsonl").exists()
    assert (ws / "small.json").exists()


def test_missing_bucket_is_nothing_usable(s3: object, tmp_path: Path) -> None:
    with pytest.raises(RemoteError, match="nothing usable"):
        materialize("s3://no-such-bucket/x", workspace=tmp_path)


def test_cache_folder_location_and_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FTLINT_REMOTE_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    one = workspace_for("s3://bucket/prefix/")
    assert one == workspace_for("S3://bucket/prefix")
    assert one.parent == tmp_path / "ftlint" / "remote"
    assert one.stat().st_mode & 0o777 == 0o700
    monkeypatch.setenv("FTLINT_REMOTE_CACHE", str(tmp_path / "c"))
    assert workspace_for("s3://bucket/prefix").parent == tmp_path / "c"


def test_uri_helpers() -> None:
    assert is_remote("wandb://a/b") and is_remote("hf://datasets/x") and is_remote("gs://b")
    assert not is_remote("runs/s3://x") and not is_remote(None)
    assert strip_userinfo("s3://KEY:SECRET@bucket/x") == "s3://bucket/x"


def test_gs_without_gcsfs_is_a_clear_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without gcsfs installed (it comes with the `remote` extra), a gs:// URI says what to
    install and nothing is fetched."""
    import argparse

    from ftlint.remote.command import run as pull_command

    monkeypatch.setitem(__import__("sys").modules, "gcsfs", None)  # absent even if installed
    args = argparse.Namespace(uri="gs://bucket/runs", output=str(tmp_path))
    assert pull_command(args) == 2
    err = capsys.readouterr().err
    assert "gs:// needs the gcsfs package" in err and "Traceback" not in err
    assert not [p for p in tmp_path.rglob("*") if p.name != MANIFEST_NAME]
