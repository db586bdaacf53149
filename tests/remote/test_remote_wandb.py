"""ftlint pull wandb://: the real wandb SDK against the loopback emulator."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
import yaml
from _loopback import ftlint_cli, pull_then_check
from wandb_emulator import FakeArtifact, FakeRun, Fault, WandbEmulator

from ftlint.remote import RemoteError, materialize
from ftlint.remote.command import run as pull_command
from ftlint.remote.manifest import MANIFEST_NAME

TABLE = "media/table/preds_3_ab12.table.json"


def make_run(run_id: str = "abc123", **kw: object) -> FakeRun:
    table = {"columns": ["id", "output", "target"], "data": [["a", '{"x": 1}', '{"x": 1}']]}
    defaults: dict[str, object] = {
        "id": run_id,
        "name": "./results",
        "group": "sweep-1",
        "config": {"learning_rate": {"value": 2e-4}, "_wandb": {"value": {"cli_version": "x"}}},
        "summary": {
            "eval/json_valid_rate": 0.93,
            "preds": {"_type": "table-file", "path": TABLE, "nrows": 1, "ncols": 3},
        },
        "history": [{"_step": i, "train/loss": 2.0 / (i + 1)} for i in range(2500)],
        "files": {
            "wandb-metadata.json": b'{"program": "train.py", "email": "me@example.com"}',
            TABLE: json.dumps(table).encode(),
            "output.log": b"not fetched",
        },
    }
    defaults.update(kw)
    return FakeRun(**defaults)  # type: ignore[arg-type]


def manifest(ws: Path) -> dict:
    return json.loads((ws / MANIFEST_NAME).read_text())


def test_pull_writes_the_wandb_folder_layout(wandb_emu: WandbEmulator, tmp_path: Path) -> None:
    wandb_emu.add_run("team", "proj", make_run())
    ws = materialize("wandb://team/proj", workspace=tmp_path / "ws")
    files = ws / "wandb" / "run-20240501_100000-abc123" / "files"
    assert json.loads((files / "wandb-summary.json").read_text())["eval/json_valid_rate"] == 0.93
    config = yaml.safe_load((files / "config.yaml").read_text())
    assert config["learning_rate"] == {"value": 2e-4}
    assert "_wandb" in config
    rows = (files / "wandb-history.jsonl").read_text().splitlines()
    assert len(rows) == 2500  # every row, paged (page size 1000), not sampled
    assert json.loads(rows[-1])["_step"] == 2499
    assert json.loads((files / TABLE).read_text())["columns"] == ["id", "output", "target"]
    meta = json.loads((files / "wandb-metadata.json").read_text())
    assert meta == {"program": "train.py"}  # personal data dropped
    assert not (files / "output.log").exists()
    entry = manifest(ws)["entries"]["abc123"]
    assert entry["missing"] == [] and "history" in entry["fetched"]
    # The SDK talked to the emulator (never api.wandb.ai) and scanned history in pages.
    assert "Runs" in wandb_emu.ops() and "RunParquetHistory" in wandb_emu.ops()
    assert (ws.stat().st_mode & 0o777) == 0o700
    assert "test" * 10 not in (ws / MANIFEST_NAME).read_text()


def test_second_pull_fetches_only_updated_runs(wandb_emu: WandbEmulator, tmp_path: Path) -> None:
    first = wandb_emu.add_run("team", "proj", make_run("aaa111"))
    wandb_emu.add_run("team", "proj", make_run("bbb222"))
    materialize("wandb://team/proj", workspace=tmp_path)
    wandb_emu.requests.clear()
    first.heartbeat_at = "2024-05-02T09:00:00"
    first.summary = {"eval/json_valid_rate": 0.5}
    materialize("wandb://team/proj", workspace=tmp_path)
    runs_loaded = [op for op in wandb_emu.ops() if op == "Run"]
    assert len(runs_loaded) == 1  # only aaa111 was fetched again
    summary = tmp_path / "wandb/run-20240501_100000-aaa111/files/wandb-summary.json"
    assert json.loads(summary.read_text()) == {"eval/json_valid_rate": 0.5}


def test_filters_group_runs_since(wandb_emu: WandbEmulator, tmp_path: Path) -> None:
    wandb_emu.add_run("team", "proj", make_run("aaa111", history=[]))
    wandb_emu.add_run("team", "proj", make_run("bbb222", group="other", history=[]))
    wandb_emu.add_run(
        "team", "proj", make_run("ccc333", heartbeat_at="2023-01-01T00:00:00", history=[])
    )
    ws = materialize("wandb://team/proj", workspace=tmp_path, group="sweep-1", since="2024-01-01")
    assert sorted(manifest(ws)["entries"]) == ["aaa111"]
    ws2 = materialize("wandb://team/proj", workspace=tmp_path / "b", runs=["bbb222", "zzz"])
    data = manifest(ws2)
    assert sorted(data["entries"]) == ["bbb222"]
    assert data["problems"] == ["run zzz: not found"]


def test_rate_limit_and_5xx_are_retried(wandb_emu: WandbEmulator, tmp_path: Path) -> None:
    wandb_emu.add_run("team", "proj", make_run(history=[{"_step": 0, "loss": 1.0}]))
    wandb_emu.faults += [Fault("RunFiles", status=429, times=2), Fault("Runs", status=502)]
    ws = materialize("wandb://team/proj", workspace=tmp_path)
    assert manifest(ws)["entries"]["abc123"]["missing"] == []


def test_persistent_fault_gives_partial_workspace(
    wandb_emu: WandbEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wandb_emu.add_run("team", "proj", make_run(history=[{"_step": 0, "loss": 1.0}]))
    wandb_emu.faults.append(Fault(f"/files/team/proj/abc123/{TABLE}", truncate=5, times=99))
    ws = materialize("wandb://team/proj", workspace=tmp_path)
    missing = manifest(ws)["entries"]["abc123"]["missing"]
    assert [m.split(":")[0] for m in missing] == [TABLE]
    files = ws / "wandb/run-20240501_100000-abc123/files"
    assert not (files / TABLE).exists()  # never a half-written file
    assert (files / "wandb-summary.json").exists()
    assert not [
        p
        for p in ws.rglob("*")
        if p.name.startswith(".") and p.is_file() and p.name != MANIFEST_NAME
    ]  # no temp files left behind
    assert f"missing abc123: {TABLE}" in capsys.readouterr().err


def test_run_deleted_mid_pull(wandb_emu: WandbEmulator, tmp_path: Path) -> None:
    wandb_emu.add_run("team", "proj", make_run("keep11", history=[]))
    wandb_emu.add_run("team", "proj", make_run("gone22", history=[]))
    wandb_emu.hidden_after_listing.add("gone22")
    ws = materialize("wandb://team/proj", workspace=tmp_path)
    entries = manifest(ws)["entries"]
    assert entries["keep11"]["missing"] == []
    assert any("summary" in m for m in entries["gone22"]["missing"])


def test_nothing_usable_is_an_error(wandb_emu: WandbEmulator, tmp_path: Path) -> None:
    with pytest.raises(RemoteError, match="nothing usable"):
        materialize("wandb://team/no-such-project", workspace=tmp_path)
    args = argparse.Namespace(uri="wandb://team/no-such-project", output=str(tmp_path))
    assert pull_command(args) == 2


def test_command_run_and_usage_errors(
    wandb_emu: WandbEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wandb_emu.add_run("team", "proj", make_run(history=[]))
    ns = argparse.Namespace(
        uri="wandb://team/proj",
        output=str(tmp_path),
        group=None,
        runs="abc123",
        filter='{"state": "finished"}',
        since=None,
    )
    assert pull_command(ns) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path)
    bad = argparse.Namespace(uri="wandb://team/proj", output=str(tmp_path), filter="[1")
    assert pull_command(bad) == 2
    assert "--filter" in capsys.readouterr().err
    assert pull_command(argparse.Namespace(uri="./local", output=None)) == 2
    wrong = argparse.Namespace(uri="s3://b/x", output=None, group="g")
    assert pull_command(wrong) == 2


def test_python_m_ftlint_pull(wandb_emu: WandbEmulator, tmp_path: Path) -> None:
    wandb_emu.add_run("team", "proj", make_run(history=[]))
    done = ftlint_cli("pull", "wandb://team/proj", "-o", str(tmp_path), cache=tmp_path / "c")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / MANIFEST_NAME).exists()


def test_check_a_wandb_uri_pulls_and_lints_in_one_step(
    wandb_emu: WandbEmulator, tmp_path: Path
) -> None:
    """`ftlint check wandb://...` pulls into the cache and lints there: the HF-style
    `./results` runs are two runs (their W&B ids), read through the same adapters."""
    wandb_emu.add_run("team", "proj", make_run("run0001", history=[]))
    wandb_emu.add_run("team", "proj", make_run("run0002", history=[]))
    cache = tmp_path / "cache"
    done = ftlint_cli("runs", "wandb://team/proj", "--format", "json", cache=cache, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    names = sorted(r["name"] for r in json.loads(done.stdout)["runs"])
    assert len(names) == 2 and "run0001" in names[0] and "run0002" in names[1], names
    pull_then_check("wandb://team/proj", tmp_path)
    check = ftlint_cli("check", "wandb://team/proj", "--format", "json", cache=cache)
    assert "test" * 10 not in check.stdout + check.stderr  # the API key is never printed


def metrics_artifact(**kw: object) -> FakeArtifact:
    files = {
        "final_metrics.json": json.dumps({"json_valid_rate": 0.91}).encode(),
        "hard_cases.valid.jsonl": b'{"id": "a", "output": "{"}\n{"id": "b", "output": "}"}\n',
        "adapter_model.safetensors": b"\0" * 32,
    }
    return FakeArtifact(name="run-abc123-eval", type="metrics", files=files, **kw)  # type: ignore[arg-type]


def test_metrics_artifact_lands_in_outputs(wandb_emu: WandbEmulator, tmp_path: Path) -> None:
    """The real SDK lists the run's logged artifacts, fetches the manifest and the files
    from their direct URLs; eval files go to outputs/<run id>/, weights are not fetched."""
    dataset = FakeArtifact(name="train-data", type="dataset", files={"train.jsonl": b"{}\n"})
    run = make_run(history=[], artifacts=[metrics_artifact(), dataset])
    wandb_emu.add_run("team", "proj", run)
    ws = materialize("wandb://team/proj", workspace=tmp_path)
    out = ws / "outputs" / "abc123"
    assert json.loads((out / "final_metrics.json").read_text()) == {"json_valid_rate": 0.91}
    art = run.artifacts[0]
    assert (out / "hard_cases.valid.jsonl").read_bytes() == art.files["hard_cases.valid.jsonl"]
    assert sorted(p.name for p in out.iterdir()) == ["final_metrics.json", "hard_cases.valid.jsonl"]
    entry = manifest(ws)["entries"]["abc123"]
    assert entry["missing"] == []
    assert "artifact run-abc123-eval:v0/final_metrics.json" in entry["fetched"]
    paths = [path for _, path, _ in wandb_emu.requests]
    assert not any("safetensors" in p or "train.jsonl" in p for p in paths)
    assert {"RunOutputArtifacts", "FetchArtifactManifest"} <= set(wandb_emu.ops())


def test_missing_artifact_file_is_listed_missing(
    wandb_emu: WandbEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    art = metrics_artifact(gone={"hard_cases.valid.jsonl"})
    wandb_emu.add_run("team", "proj", make_run(history=[], artifacts=[art]))
    ws = materialize("wandb://team/proj", workspace=tmp_path)
    out = ws / "outputs" / "abc123"
    assert (out / "final_metrics.json").exists()
    assert not (out / "hard_cases.valid.jsonl").exists()
    missing = manifest(ws)["entries"]["abc123"]["missing"]
    assert len(missing) == 1 and missing[0].startswith(
        "artifact run-abc123-eval:v0/hard_cases.valid.jsonl: HTTPError"
    ), missing
    assert "missing abc123: artifact run-abc123-eval:v0/hard_cases.valid.jsonl" in (
        capsys.readouterr().err
    )


def test_truncated_artifact_file_never_half_written(
    wandb_emu: WandbEmulator, tmp_path: Path
) -> None:
    art = metrics_artifact()
    wandb_emu.add_run("team", "proj", make_run(history=[], artifacts=[art]))
    wandb_emu.faults.append(Fault("/files/final_metrics.json", truncate=7, times=99))
    ws = materialize("wandb://team/proj", workspace=tmp_path)
    out = ws / "outputs" / "abc123"
    assert not (out / "final_metrics.json").exists()
    assert (out / "hard_cases.valid.jsonl").exists()
    missing = manifest(ws)["entries"]["abc123"]["missing"]
    assert [m.split(": ")[0] for m in missing] == ["artifact run-abc123-eval:v0/final_metrics.json"]
    leftovers = [p for p in ws.rglob("*") if p.is_file() and p.name != MANIFEST_NAME]
    assert all(not p.name.startswith(".") for p in leftovers), leftovers
    # A transient cut is retried: the second pull succeeds once the fault is gone.
    wandb_emu.faults.clear()
    materialize("wandb://team/proj", workspace=tmp_path)
    assert json.loads((out / "final_metrics.json").read_text()) == {"json_valid_rate": 0.91}


def test_artifact_deleted_after_listing_is_missing_rest_kept(
    wandb_emu: WandbEmulator, tmp_path: Path
) -> None:
    gone = FakeArtifact(name="old-eval", type="eval", files={"x.json": b"{}"}, deleted=True)
    art = metrics_artifact()
    wandb_emu.add_run("team", "proj", make_run(history=[], artifacts=[gone, art]))
    ws = materialize("wandb://team/proj", workspace=tmp_path)
    missing = manifest(ws)["entries"]["abc123"]["missing"]
    assert [m.split(": ")[0] for m in missing] == ["artifact old-eval:v0"], missing
    assert "manifest" in missing[0]
    assert (ws / "outputs/abc123/final_metrics.json").exists()
    assert not (ws / "outputs/abc123/x.json").exists()


@pytest.mark.parametrize("status", [429, 503])
def test_artifact_rate_limit_and_5xx_are_retried(
    wandb_emu: WandbEmulator, tmp_path: Path, status: int
) -> None:
    wandb_emu.add_run("team", "proj", make_run(history=[], artifacts=[metrics_artifact()]))
    wandb_emu.faults += [
        Fault("RunOutputArtifacts", status=status),
        Fault("/manifest.json", status=status),
        Fault("/files/final_metrics.json", status=status),
    ]
    ws = materialize("wandb://team/proj", workspace=tmp_path)
    assert manifest(ws)["entries"]["abc123"]["missing"] == []
    assert (ws / "outputs/abc123/final_metrics.json").exists()
    assert all(f.times == 0 for f in wandb_emu.faults)
