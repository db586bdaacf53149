"""W&B run folders without the SDK: files/ JSON and YAML, joins by W&B id and group, bad
input with lines, no personal data in any output, and the log framer on random bytes."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from helpers import REPO, codes, final_metrics, lint, submission
from hypothesis import given, settings
from hypothesis import strategies as st

from ftlint.config.settings import Config
from ftlint.sources.wandb_log import _Framer

from .wandb_folders import PERSONAL, load, online_files


def test_online_folder_json_files(tmp_path) -> None:
    root = tmp_path / "ws"
    folder = root / "wandb" / "run-20261101_100000-abc123"
    online_files(folder, name="sft-online")
    run = load(root).runs[0]
    summary_rel = "wandb/run-20261101_100000-abc123/files/wandb-summary.json"
    assert run.name == "sft-online" and run.wandb_id == "abc123"
    assert run.metric("json_valid_rate") == 0.91
    ev = run.metric_evidence("json_valid_rate")
    assert (ev.path, ev.pointer) == (summary_rel, "/eval~1json_valid_rate")
    assert run.train_metrics["loss"].value == 0.61
    assert run.env["HF_FT_LR"] == "5e-05"
    assert run.env_sources["HF_FT_LR"].line == 4  # config.yaml line of the key
    assert run.group == "cycle-9"
    assert run.wandb_config["output_dir"] == "~/runs/out"  # no home dir
    assert "_wandb" not in run.wandb_config
    assert dict(run.wandb_metadata) == {
        "git_commit": "0123abcd" * 5,
        "program": "scripts/train_sft.py",
        "started_at": "2026-11-01T10:02:03.456789Z",
    }
    (table,) = run.wandb_tables
    assert table.key == "eval/failures_top_k_2" and table.rows == 2 and table.parse_errors == 1
    assert run.finished is None and run.exit_code is None
    assert not any(p in repr(run) for p in PERSONAL)


def test_no_personal_data_in_any_output(tmp_path, cli) -> None:
    root = tmp_path / "ws"
    online_files(root / "wandb" / "run-20261101_100000-abc123", name="sft-online")
    outputs = [
        cli("runs", str(root), "--format", "json").out,
        cli("check", str(root), "--format", "json").out,
        cli("check", str(root), "--no-color").out,
    ]
    for text in outputs:
        assert text
        for word in PERSONAL:
            assert word not in text


def test_empty_summary_means_unfinished(tmp_path) -> None:
    root = tmp_path / "ws"
    online_files(root / "wandb" / "run-20261101_100000-abc123", name="sft-online", summary={})
    run = load(root).runs[0]
    assert run.finished is False and run.wandb_summary == {}
    assert run.finish_note.startswith("empty W&B summary")
    assert run.finish_evidence.path.endswith("files/wandb-summary.json")
    (finding,) = [f for f in lint(root, select=["PRV006"]) if f.rule == "PRV006"]
    assert finding.severity.value == "warning" and "empty W&B summary" in finding.message


def test_disagreeing_sources_are_kept_as_conflicts(tmp_path, ws) -> None:
    ws.run("sft-online", metrics=final_metrics(json_valid_rate=0.99))
    online_files(ws.root / "wandb" / "run-20261101_100000-abc123", name="sft-online")
    (run,) = load(ws.root).runs
    fields = {c.field: c for c in run.conflicts}
    assert fields["eval.json_valid_rate"].values[0][0] == 0.99
    assert fields["eval.json_valid_rate"].values[1][0] == 0.91
    assert fields["env.HF_FT_LR"].values[1][0] == "5e-05"
    found = lint(ws.root, select=["PRV005"])
    assert any(
        "sources disagree on eval.json_valid_rate: 0.99 in outputs/sft-online/final_metrics.json"
        "#/eval/json_valid_rate, 0.91 in wandb/run-20261101_100000-abc123/files/"
        "wandb-summary.json#/eval~1json_valid_rate" in f.message
        for f in found
    )


def test_joins_by_wandb_id_and_by_group(tmp_path, ws) -> None:
    record = submission("sft-a", env={"WANDB_RUN_ID": "abc123"})
    record2 = submission("sft-b", env={"WANDB_RUN_GROUP": "cycle-7"})
    ws.jsonl("artifacts/hf_jobs/submissions.jsonl", [record, record2])
    online_files(ws.root / "wandb" / "run-20261101_100000-abc123", name="other-name")
    online_files(
        ws.root / "wandb" / "run-20261101_110000-def456",
        name="unrelated",
        config="WANDB_RUN_GROUP:\n  value: cycle-7\n",
    )
    (ws.root / "wandb" / "run-20261101_110000-def456" / "run-def456.wandb").write_bytes(b"")
    campaign = load(ws.root)
    assert [r.name for r in campaign.runs] == ["sft-a", "sft-b"]
    a, b = campaign.runs
    assert a.wandb_id == "abc123"
    assert b.wandb_dir == "wandb/run-20261101_110000-def456"


def test_globs_are_configurable(tmp_path) -> None:
    root = tmp_path / "ws"
    online_files(root / "tracking" / "run-20261101_100000-abc123", name="sft-online")
    assert load(root).runs == ()
    config = Config(inputs={**Config().inputs, "wandb_runs": ("tracking/run-*",)})
    assert [r.name for r in load(root, config).runs] == ["sft-online"]


@pytest.mark.parametrize(
    ("summary", "config", "where", "expect"),
    [
        ('{"eval/json_valid_rate": 0.9,\n "eval/mae_raw": }', None, "wandb-summary.json", 2),
        ("[1, 2]", None, "wandb-summary.json", 1),
        (None, "- a\n- b\n", "config.yaml", 1),
        (None, "HF_FT_LR:\n  value: 1\nbroken: [\n", "config.yaml", 3),
        (None, "HF_FT_LR:\n  value: 1\nHF_FT_EPOCHS: 2\n", "config.yaml", 3),
    ],
)
def test_bad_files_become_problems_with_lines(tmp_path, summary, config, where, expect) -> None:
    root = tmp_path / "ws"
    online_files(
        root / "wandb" / "run-20261101_100000-abc123",
        name="sft-online",
        summary=summary,
        config=config,
    )
    (run,) = load(root).runs
    bad = [p for p in run.problems if p.evidence.path.endswith(where)]
    assert bad, run.problems
    assert bad[0].evidence.line == expect, bad[0]
    assert bad[0].kind in ("malformed", "invalid")


def test_bad_tables_become_problems(tmp_path) -> None:
    root = tmp_path / "ws"
    folder = root / "wandb" / "run-20261101_100000-abc123"
    online_files(folder, name="sft-online")
    table_dir = folder / "files" / "media" / "table" / "eval"
    (table_dir / "hard_cases_5_0123456789abcdef9999.table.json").write_text('{"rows": []}')
    (table_dir / "ragged_5_0123456789abcdef8888.table.json").write_text(
        json.dumps({"columns": ["a", "b"], "data": [[1, 2], [3]]})
    )
    (run,) = load(root).runs
    messages = {p.evidence.path.rsplit("/", 1)[-1]: p for p in run.problems}
    shape = messages["hard_cases_5_0123456789abcdef9999.table.json"]
    assert "without a 'columns' list" in shape.message and shape.evidence.line == 1
    ragged = messages["ragged_5_0123456789abcdef8888.table.json"]
    assert ragged.evidence.pointer == "/data/1" and "row 1 has 1 cells" in ragged.message
    assert {t.key for t in run.wandb_tables} == {"eval/failures_top_k_2", "eval/ragged"}
    findings = lint(root, select=["PRV005"])
    assert "PRV005" in codes(findings)


def test_no_wandb_import_without_logs(tmp_path, ws) -> None:
    ws.run("sft-online", metrics=final_metrics())
    online_files(ws.root / "wandb" / "run-20261101_100000-abc123", name="sft-online")
    code = (
        "import sys\n"
        "from ftlint.cli.app import main\n"
        f"rc = main(['check', {str(ws.root)!r}, '--format', 'json', '--fail-on', 'never'])\n"
        "print('WANDB-IMPORTED' if 'wandb' in sys.modules else 'NO-WANDB', rc)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert proc.stdout.strip().endswith("NO-WANDB 0"), proc.stdout[-500:] + proc.stderr[-2000:]


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=4000), st.booleans())
def test_random_bytes_never_crash_the_framer(data: bytes, with_header: bool) -> None:
    blob = (b":W&B\xe1\xbe\x00" + data) if with_header else data
    framer = _Framer(io.BytesIO(blob), len(blob))
    records = list(framer.records())
    if framer.damage is not None:
        assert 0 <= framer.damage.offset <= len(blob)
    assert all(isinstance(payload, bytes) for _, payload in records)
