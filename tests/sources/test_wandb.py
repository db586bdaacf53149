"""W&B run folders with the SDK: real offline runs read back exactly, joins with outputs
and job records, cut-off and corrupt logs, the SDK missing. The tests that need no SDK
(files/ JSON, bad input, the framer) are in test_wandb_folders.py."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from helpers import final_metrics, lint, offline_wandb_env

from ftlint.sources.wandb_log import read_run_log

from .wandb_folders import load, online_files

pytest.importorskip("wandb")  # these tests make real offline runs with the SDK

SPIKE_STEP = 300
STEPS = list(range(10, 610, 10))  # 60 evaluations
NOTES = "n" * 70_000  # a config value over two 32 KiB blocks: first, middle, last chunks

MAKE_RUNS = textwrap.dedent(
    """
    import json, math, os, sys
    import wandb

    out = {}
    STEPS = %(steps)r
    SPIKE = %(spike)r

    def parse_error(step):
        if step in (SPIKE, SPIKE + 10):
            return 0.45 if step == SPIKE else 0.30
        return round(0.02 + 0.005 * math.sin(step), 4)

    def make(name, group, crash=False):
        config = {
            "HF_FT_LR": 2e-05,
            "HF_FT_EPOCHS": 2,
            "EVAL_LOCAL_MAX_NEW_TOKENS": 96,
            "FT_DATASET_VERSION": "v3",
            "run_name": name,
            "lora": {"r": 16, "alpha": 32},
            "notes": %(notes)r,
        }
        run = wandb.init(project="ftlint-tests", name=name, group=group, config=config)
        history, summary = [], {}
        steps = STEPS[: len(STEPS) // 2] if crash else STEPS
        for step in steps:
            pe = parse_error(step)
            row = {
                "iter_eval/parse_error_rate": pe,
                "iter_eval/json_valid_rate": round(1 - pe, 4),
                "iter_eval/mae_raw": round(9.0 + step / 1000, 4),
                "train/loss": round(2.0 / (1 + step / 100), 6),
                "train/epoch": round(step / 300, 4),
            }
            wandb.log(row, step=step)
            history.append({"step": step, "values": row})
            summary.update(row)
        if not crash:
            table = wandb.Table(
                columns=["rank", "sample_index", "parse_error"],
                data=[[1, 17, "json_block_not_found"], [2, 4, None], [3, 9, "json_decode_error"]],
            )
            wandb.log({"eval/failures_top_k_3": table}, step=steps[-1] + 1)
            history.append({"step": steps[-1] + 1, "values": {}})
            final = {"eval/json_valid_rate": 0.9625, "eval/parse_error_rate": 0.0375,
                     "eval/mae_raw": 9.5}
            for key, value in final.items():
                run.summary[key] = value
            summary.update(final)
        out[name] = {
            "id": run.id, "group": group, "folder": os.path.dirname(run.dir),
            "config": config, "history": history, "summary": summary,
        }
        return run

    make("sft-wb-finished", "cycle-1").finish()
    make("sft-wb-cut", "cycle-1").finish()
    with open(sys.argv[1], "w") as handle:
        json.dump(out, handle)
    make("sft-wb-crashed", "cycle-2", crash=True)
    out["sft-wb-crashed"]["exit"] = 1
    with open(sys.argv[1], "w") as handle:
        json.dump(out, handle)
    raise RuntimeError("simulated training crash")
    """
) % {"steps": STEPS, "spike": SPIKE_STEP, "notes": NOTES}


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Three real offline runs, made once per module in a subprocess (the SDK keeps state)."""
    base = tmp_path_factory.mktemp("wandb-real")
    script = base / "make_runs.py"
    script.write_text(MAKE_RUNS, encoding="utf-8")
    expected = base / "expected.json"
    proc = subprocess.run(
        [sys.executable, str(script), str(expected)],
        cwd=base,
        env=offline_wandb_env(base),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr[-2000:]  # the crashed run raised
    assert "simulated training crash" in proc.stderr
    runs = json.loads(expected.read_text())
    assert (base / "wandb" / "latest-run").is_symlink()
    return {"base": base, "runs": runs}


def _workspace(tmp_path: Path, real: dict[str, Any], *names: str) -> Path:
    root = tmp_path / "ws"
    (root / "wandb").mkdir(parents=True)
    for name in names:
        folder = Path(real["runs"][name]["folder"])
        shutil.copytree(folder, root / "wandb" / folder.name, symlinks=True)
    os.symlink(Path(real["runs"][names[0]]["folder"]).name, root / "wandb" / "latest-run")
    return root


def _log_path(root: Path, real: dict[str, Any], name: str) -> Path:
    info = real["runs"][name]
    return root / "wandb" / Path(info["folder"]).name / f"run-{info['id']}.wandb"


def _chunk_types(data: bytes) -> list[int]:
    """Chunk types of a log, walked with the documented framing (test-side, independent)."""
    types, pos = [], 7
    while pos + 7 <= len(data):
        left = 32768 - pos % 32768
        if left < 7:
            pos += left
            continue
        _, length, kind = struct.unpack_from("<IHB", data, pos)
        types.append(kind)
        pos += 7 + length
    return types


def _mid_history(raw: bytes) -> int:
    """A byte offset inside a history record half-way through the log's history."""
    hits = [m.start() for m in re.finditer(re.escape(b"iter_eval/mae_raw"), raw)]
    return hits[len(hits) // 2]


# -- a real finished run, read back exactly ---------------------------------------------


def test_finished_run_reads_back_everything_logged(tmp_path, real) -> None:
    root = _workspace(tmp_path, real, "sft-wb-finished")
    campaign = load(root)
    assert [r.name for r in campaign.runs] == ["sft-wb-finished"]  # latest-run skipped
    run = campaign.runs[0]
    info = real["runs"]["sft-wb-finished"]
    log_rel = f"wandb/{Path(info['folder']).name}/run-{info['id']}.wandb"
    assert run.wandb_id == info["id"] and run.group == "cycle-1"
    assert run.wandb_dir == f"wandb/{Path(info['folder']).name}"
    assert dict(run.wandb_config) == info["config"]  # nested dict and the 40 kB string too
    got = {p.step: dict(p.metrics) for p in run.wandb_history}
    want = {row["step"]: row["values"] for row in info["history"]}
    assert got == want  # every step, every value
    for key, value in info["summary"].items():
        assert run.wandb_summary[key] == value
    assert run.exit_code == 0 and run.finished is True
    assert run.finish_evidence.path == log_rel
    assert run.problems == () and campaign.problems == ()
    assert log_rel in run.sources


def test_log_is_multi_block_with_split_records(tmp_path, real) -> None:
    data = _log_path(_workspace(tmp_path, real, "sft-wb-finished"), real, "sft-wb-finished")
    raw = data.read_bytes()
    assert raw[:4] == b":W&B" and struct.unpack("<HB", raw[4:7]) == (0xBEE1, 0)
    assert len(raw) > 32768
    assert {2, 3, 4} <= set(_chunk_types(raw))  # first, middle, last chunks were needed


def test_summary_maps_to_metrics_and_history_to_series(tmp_path, real) -> None:
    root = _workspace(tmp_path, real, "sft-wb-finished")
    run = load(root).runs[0]
    info = real["runs"]["sft-wb-finished"]
    log_rel = f"wandb/{Path(info['folder']).name}/run-{info['id']}.wandb"
    assert run.metric("json_valid_rate") == 0.9625
    assert run.metric_evidence("json_valid_rate").path == log_rel
    assert run.metric_evidence("json_valid_rate").pointer == "/summary/eval~1json_valid_rate"
    assert run.train_metrics["loss"].value == info["summary"]["train/loss"]
    steps = [p.step for p in run.series]
    assert steps == STEPS
    by_step = {p.step: p.metrics for p in run.series}
    assert by_step[SPIKE_STEP]["parse_error_rate"] == 0.45  # the spike is in the series
    assert by_step[SPIKE_STEP - 10]["parse_error_rate"] < 0.03
    assert set(by_step[10]) == {"parse_error_rate", "json_valid_rate", "mae_raw"}
    assert run.series_path == log_rel
    assert run.series[0].evidence.pointer == "/history/0"
    # env-style config keys are the current knob values, with their evidence
    assert run.env["HF_FT_LR"] == "2e-05" and run.env["EVAL_LOCAL_MAX_NEW_TOKENS"] == "96"
    assert run.env_sources["HF_FT_LR"].pointer == "/config/HF_FT_LR"
    assert run.provenance.dataset_version == "v3"
    # the media table: path and row count
    (table,) = run.wandb_tables
    assert table.key == "eval/failures_top_k_3" and table.rows == 3 and table.failures
    assert table.parse_errors == 2 and table.columns == ("rank", "sample_index", "parse_error")
    assert table.evidence.path.endswith(".table.json") and table.evidence.path in run.sources


def test_history_spike_reaches_the_series_rules(tmp_path, real) -> None:
    root = _workspace(tmp_path, real, "sft-wb-finished")
    spikes = [f for f in lint(root, select=["FMT006"]) if f.rule == "FMT006"]
    assert spikes and f"at step {SPIKE_STEP}" in spikes[0].message
    assert spikes[0].evidence[0].path.endswith(".wandb")


def test_crashed_run_has_exit_code_and_partial_history(tmp_path, real) -> None:
    root = _workspace(tmp_path, real, "sft-wb-crashed")
    run = load(root).runs[0]
    info = real["runs"]["sft-wb-crashed"]
    assert run.exit_code == 1 and run.finished is False
    assert run.finish_note == "exit code 1"
    assert [p.step for p in run.wandb_history] == [r["step"] for r in info["history"]]
    assert run.group == "cycle-2"
    found = [f for f in lint(root, select=["PRV006"]) if f.rule == "PRV006"]
    (finding,) = [f for f in found if f.message.startswith("the W&B run")]
    assert finding.severity.value == "error"
    assert finding.message.startswith("the W&B run did not finish: exit code 1 (last logged step")
    assert finding.evidence[0].path.endswith(".wandb")


def test_finished_run_is_not_unfinished(tmp_path, real) -> None:
    root = _workspace(tmp_path, real, "sft-wb-finished")
    assert [f for f in lint(root, select=["PRV006"]) if f.rule == "PRV006"] == []


def test_cut_off_log_is_read_up_to_the_damage(tmp_path, real) -> None:
    root = _workspace(tmp_path, real, "sft-wb-cut")
    path = _log_path(root, real, "sft-wb-cut")
    raw = path.read_bytes()
    cut = _mid_history(raw) + 5
    path.write_bytes(raw[:cut])
    run = load(root).runs[0]
    info = real["runs"]["sft-wb-cut"]
    read = [(p.step, dict(p.metrics)) for p in run.wandb_history]
    want = [(row["step"], row["values"]) for row in info["history"]]
    assert 0 < len(read) < len(want) and read == want[: len(read)]  # an exact prefix
    last = read[-1][0]
    # a writer killed mid-block: one event (no exit record + cut-off tail), reported once
    assert not [p for p in run.problems if "cut off" in p.message], run.problems
    m = re.fullmatch(
        rf"killed: no exit record, the log is cut off at byte (\d+) of {cut}: "
        rf"history after step {last} lost",
        run.finish_note,
    )
    assert m and cut - 32768 < int(m.group(1)) < cut, run.finish_note
    assert run.finished is False and run.exit_code is None and run.status == "killed"
    assert not [f for f in lint(root, select=["PRV005"]) if "cut off" in f.message]
    unfinished = lint(root, select=["PRV006"])
    assert sum("killed: no exit record" in f.message for f in unfinished) == 1, unfinished


def test_corrupt_chunk_stops_at_the_bad_crc(tmp_path, real) -> None:
    root = _workspace(tmp_path, real, "sft-wb-cut")
    path = _log_path(root, real, "sft-wb-cut")
    raw = bytearray(path.read_bytes())
    flip = _mid_history(bytes(raw)) + 3
    raw[flip] ^= 0xFF
    path.write_bytes(bytes(raw))
    run = load(root).runs[0]
    (problem,) = [p for p in run.problems if "corrupt" in p.message]
    m = re.match(
        r"run log corrupt \((bad CRC|.+?)\) at byte (\d+) of (\d+): history after step (\d+) lost",
        problem.message,
    )
    assert m, problem.message
    assert int(m.group(2)) <= flip and int(m.group(3)) == len(raw)
    assert run.finished is False
    assert max(p.step for p in run.wandb_history) == int(m.group(4)) < STEPS[-1]


def test_not_a_wandb_log_is_reported(tmp_path, real) -> None:
    root = _workspace(tmp_path, real, "sft-wb-cut")
    _log_path(root, real, "sft-wb-cut").write_bytes(b"PK\x03\x04 not a log at all")
    campaign = load(root)
    (run,) = campaign.runs
    assert run.name.startswith("offline-run-")  # nothing tells its name: the folder names it
    assert any("not a W&B run log" in p.message for p in run.problems)
    assert run.finished is False


# -- without the SDK ---------------------------------------------------------------------


def _block_wandb(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(sys.modules):
        if name == "wandb" or name.startswith("wandb."):
            monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "wandb", None)


def test_without_wandb_one_problem_names_every_unread_run(tmp_path, real, monkeypatch) -> None:
    root = _workspace(tmp_path, real, "sft-wb-finished", "sft-wb-crashed")
    online = root / "wandb" / "run-20261101_100000-abc123"
    online_files(online, name="sft-online")
    (online / "run-abc123.wandb").write_bytes(b":W&B\xe1\xbe\x00")
    _block_wandb(monkeypatch)
    campaign = load(root)
    (problem,) = campaign.problems
    assert problem.kind == "missing" and problem.run is None
    assert "3 run log(s)" in problem.message
    assert "pip install 'ftlint[wandb]'" in problem.message
    assert "offline run(s)" in problem.message
    online_run = next(r for r in campaign.runs if r.wandb_id == "abc123")
    assert online_run.metric("json_valid_rate") == 0.91  # the JSON files were still read
    assert online_run.finished is None  # unknown without the log
    found = [f for f in lint(root, select=["PRV004"]) if "not importable" in f.message]
    assert len(found) == 1 and found[0].run is None


# -- online folders: files/ JSON and YAML ------------------------------------------------


# -- joins with outputs and job records --------------------------------------------------


def test_joins_outputs_and_job_records_by_run_name(tmp_path, ws, real) -> None:
    ws.run("sft-wb-finished", metrics=final_metrics(json_valid_rate=0.9625, mae_raw=9.5))
    (ws.root / "wandb").mkdir()
    folder = Path(real["runs"]["sft-wb-finished"]["folder"])
    shutil.copytree(folder, ws.root / "wandb" / folder.name)
    (run,) = load(ws.root).runs
    assert run.final_metrics_path == "outputs/sft-wb-finished/final_metrics.json"
    assert run.submissions and run.wandb_id == real["runs"]["sft-wb-finished"]["id"]
    # the outputs' metric stays the primary source; W&B agrees, so no conflict
    assert run.metric_evidence("json_valid_rate").path.startswith("outputs/")
    assert not [c for c in run.conflicts if c.field.startswith("eval.")]
    # the job's --env wins; W&B config said the same LR (2e-05 == 0.00002): no conflict
    assert run.env["HF_FT_LR"] == "0.00002"
    assert run.env_sources["HF_FT_LR"].path == "artifacts/hf_jobs/submissions.jsonl"
    assert not [c for c in run.conflicts if c.field.startswith("env.")]
    assert [p.step for p in run.series] == STEPS  # W&B history feeds the series
    assert any(s.endswith(".wandb") for s in run.sources)
    assert "outputs/sft-wb-finished/final_metrics.json" in run.sources


def test_local_series_wins_over_wandb_history(tmp_path, ws, real) -> None:
    series = [{"step": 50, "metrics": {"parse_error_rate": 0.1, "json_valid_rate": 0.9}}]
    ws.run("sft-wb-finished", series=series)
    (ws.root / "wandb").mkdir()
    folder = Path(real["runs"]["sft-wb-finished"]["folder"])
    shutil.copytree(folder, ws.root / "wandb" / folder.name)
    (run,) = load(ws.root).runs
    assert [p.step for p in run.series] == [50]
    assert len(run.wandb_history) == len(STEPS) + 1  # still available to rules


# -- bad input: problems with file and line, never a crash -------------------------------


# -- CLI ---------------------------------------------------------------------------------


def test_ftlint_runs_lists_wandb_sources(tmp_path, real, cli) -> None:
    root = _workspace(tmp_path, real, "sft-wb-finished", "sft-wb-crashed")
    doc = cli("runs", str(root), "--format", "json").json()
    rows = {r["name"]: r for r in doc["runs"]}
    assert set(rows) == {"sft-wb-finished", "sft-wb-crashed"}
    info = real["runs"]["sft-wb-crashed"]
    log_rel = f"wandb/{Path(info['folder']).name}/run-{info['id']}.wandb"
    assert log_rel in rows["sft-wb-crashed"]["sources"]
    text = cli("runs", str(root), "--no-color", "--format", "csv").out  # text fits the width
    assert log_rel in text


# -- robustness of the framing -----------------------------------------------------------


def test_every_truncation_reads_an_exact_prefix(tmp_path, real) -> None:
    """Cut the crashed run's log at ~300 offsets: never a crash, always a prefix of the rows."""
    path = Path(real["runs"]["sft-wb-crashed"]["folder"])
    info = real["runs"]["sft-wb-crashed"]
    raw = (path / f"run-{info['id']}.wandb").read_bytes()
    want = [(row["step"], row["values"]) for row in info["history"]]
    target = tmp_path / "cut.wandb"
    previous = 0
    for cut in sorted({*range(0, len(raw), max(1, len(raw) // 300)), len(raw) - 1, 7, 8, 32768}):
        target.write_bytes(raw[:cut])
        log = read_run_log(target)
        # a cut at a record boundary reads cleanly (like a run still writing): no damage
        rows = [
            (r.step, {k: v for k, v in r.values.items() if not k.startswith("_")})
            for r in log.history
        ]
        assert rows == want[: len(rows)] and len(rows) >= previous, cut
        previous = len(rows)
        assert not log.has_exit  # the exit record is the last one
    assert read_run_log(path / f"run-{info['id']}.wandb").exit_code == 1
