"""The `hf_trainer` source: HF Trainer / TRL output folders.

Shapes checked against public files (read, never copied): top-level and
`checkpoint-<step>/trainer_state.json` from Trainer runs of several versions (older ones
without `logging_steps`/`eval_steps`/`best_global_step`/`grad_norm`, newer ones with
`stateful_callbacks` and `num_input_tokens_seen`), a state whose `log_history` holds
only the final summary entry, checkpoint states that are Git LFS pointers, and
LLaMA-Factory folders where `trainer_state.json` sits next to `trainer_log.jsonl`.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftlint.sources.hf_trainer import SOURCE
from ftlint.sources.io import Workspace

from . import gen_trainer as gen
from .gen_evalfiles import config


def discover(root: Path, **kw):
    return list(SOURCE.discover(Workspace(root), config(**kw)))


def only(records):
    assert len(records) == 1, [r.id for r in records]
    return records[0]


def values(record):
    return {v.key: v for v in record.values}


def settings_of(record):
    return {v.key: v.value for v in record.settings}


def kinds(record):
    return sorted((p.kind, p.evidence.path) for p in record.problems)


def test_happy_path_values_series_settings_status(tmp_path: Path) -> None:
    gen.hf_run(tmp_path / "out" / "sft", checkpoints=(20, 40))
    rec = only(discover(tmp_path))
    assert (rec.adapter, rec.id, rec.name, rec.stack) == (
        "hf_trainer",
        "out/sft",
        "sft",
        "hf_trainer",
    )
    assert (rec.kind, rec.context, rec.status) == ("train+eval", "train", "finished")
    # finished by the final summary entry, cited by pointer
    assert rec.status_evidence.path == "out/sft/trainer_state.json"
    assert rec.status_evidence.pointer.startswith("/log_history/")
    vals = values(rec)
    assert vals["eval_loss"].value == 1.4
    assert vals["eval_loss"].evidence.path == "out/sft/all_results.json"
    assert vals["eval_loss"].evidence.pointer == "/eval_loss"
    assert vals["train_runtime"].value == 321.5
    assert vals["best_model_checkpoint"].value == "/content/out/checkpoint-20"
    assert vals["best_metric"].value == 0.75 and vals["best_global_step"].value == 20
    # series by step, under the stack's own keys, each point with its pointer
    loss = rec.series["loss"]
    assert [p.step for p in loss] == list(range(10, 101, 10))
    assert loss[0].evidence.pointer == "/log_history/0/loss"
    assert [p.step for p in rec.series["eval_loss"]] == list(range(20, 101, 20))
    assert "eval_accuracy" in rec.series and "mean_token_accuracy" in rec.series
    assert "step" not in rec.series
    knobs = settings_of(rec)
    assert knobs["num_train_epochs"] == 3 and knobs["train_batch_size"] == 8
    assert knobs["logging_steps"] == 10 and knobs["eval_steps"] == 20 and knobs["max_steps"] == 100
    assert knobs["early_stopping_patience"] == 3
    assert knobs["learning_rate"] == 5e-5  # training_args.json
    assert knobs["r"] == 16 and knobs["lora_alpha"] == 32  # adapter_config.json
    prov = {p.key: p for p in rec.provenance}
    assert prov["base_model"].value == "org/base-7b"
    assert prov["base_model"].evidence.path == "out/sft/adapter_config.json"
    assert rec.joins == {"output_dir": "out/sft", "run_name": "sft-lr5e-5"}
    assert "out/sft/checkpoint-20/trainer_state.json" in rec.files
    assert "out/sft/training_args.bin" not in rec.files  # a pickle is never read
    assert rec.problems == ()  # checkpoint copies agree: nothing to cite


def test_checkpoint_disagreeing_at_a_shared_step_is_cited(tmp_path: Path) -> None:
    run = gen.hf_run(tmp_path / "run", checkpoints=(20, 40))
    path = run / "checkpoint-40" / "trainer_state.json"
    state = json.loads(path.read_text())
    state["log_history"][0]["loss"] = 9.5  # step 10, rewritten by another run
    path.write_text(json.dumps(state, indent=2))
    rec = only(discover(tmp_path))
    [problem] = rec.problems
    assert problem.kind == "inconsistent" and problem.run == "run"
    assert problem.evidence.path == "run/checkpoint-40/trainer_state.json"
    assert problem.evidence.pointer == "/log_history/0/loss"
    assert rec.series["loss"][0].value != 9.5  # the latest state wins


def test_no_top_level_state_reads_the_highest_checkpoint(tmp_path: Path) -> None:
    gen.hf_run(
        tmp_path / "run",
        upto=40,
        max_steps=100,
        top_state=False,
        results=False,
        checkpoints=(20, 40),
    )
    rec = only(discover(tmp_path))
    assert rec.id == "run"  # the output_dir, not the checkpoint folder
    assert max(p.step for p in rec.series["loss"]) == 40
    assert rec.status == "unknown"  # killed is not provable
    assert rec.status_evidence.path == "run/checkpoint-40/trainer_state.json"
    note = values(rec)["finish_note"]
    assert "step 40 of max_steps 100" in note.value
    assert note.evidence.pointer == "/global_step"


def test_finished_by_global_step_reaching_max_steps(tmp_path: Path) -> None:
    gen.hf_run(tmp_path / "run", summary=False, results=False)
    rec = only(discover(tmp_path))
    assert rec.status == "finished" and rec.status_evidence.pointer == "/global_step"


def test_dpo_keys_are_series_under_their_own_names(tmp_path: Path) -> None:
    gen.hf_run(tmp_path / "dpo", dpo=True, results=False)
    rec = only(discover(tmp_path))
    for key in ("rewards/accuracies", "rewards/margins", "logps/chosen", "eval_rewards/accuracies"):
        assert key in rec.series, key
    assert rec.series["eval_rewards/accuracies"][-1].evidence.pointer.endswith(
        "/eval_rewards~1accuracies"
    )


def test_older_state_without_newer_keys(tmp_path: Path) -> None:
    gen.hf_run(tmp_path / "old", old=True, adapter=False, training_args=False)
    rec = only(discover(tmp_path))
    assert "grad_norm" not in rec.series and "loss" in rec.series
    assert "logging_steps" not in settings_of(rec)
    assert rec.problems == ()


def test_eval_only_folder(tmp_path: Path) -> None:
    gen.write_json(
        tmp_path / "ev" / "eval_results.json", {"epoch": 1.0, "eval_loss": 0.5, "eval_samples": 20}
    )
    rec = only(discover(tmp_path))
    assert (rec.kind, rec.context, rec.status) == ("eval", "eval", "finished")
    assert rec.status_evidence.path == "ev/eval_results.json"


def test_results_disagreeing_with_the_state_are_inconsistent(tmp_path: Path) -> None:
    run = gen.hf_run(tmp_path / "run")
    gen.write_json(run / "train_results.json", {"train_loss": 0.99, "epoch": 3.0})
    gen.write_json(run / "all_results.json", {"train_loss": 0.75})
    rec = only(discover(tmp_path))
    [problem] = [p for p in rec.problems if p.kind == "inconsistent"]
    assert problem.evidence.path == "run/train_results.json" and "train_loss" in problem.message


def test_llamafactory_folders_are_skipped(tmp_path: Path) -> None:
    gen.hf_run(tmp_path / "hf")
    gen.lf_run(tmp_path / "lf")
    assert [r.id for r in discover(tmp_path)] == ["hf"]


def test_globs_from_config(tmp_path: Path) -> None:
    gen.hf_run(tmp_path / "a" / "run")
    gen.hf_run(tmp_path / "b" / "run")
    recs = discover(tmp_path, inputs={"hf_trainer": ("a/**/trainer_state.json",)})
    assert [r.id for r in recs] == ["a/run"]


# -- bad input: every case a Problem with its file, never an exception -------------------


def test_truncated_state(tmp_path: Path) -> None:
    run = gen.hf_run(tmp_path / "run", results=False)
    text = (run / "trainer_state.json").read_text()
    (run / "trainer_state.json").write_text(text[: len(text) // 2])
    rec = only(discover(tmp_path))
    bad = [p for p in rec.problems if p.evidence.path == "run/trainer_state.json"]
    assert bad and bad[0].kind == "malformed" and bad[0].evidence.line


def test_empty_log_history(tmp_path: Path) -> None:
    gen.write_json(
        tmp_path / "run" / "trainer_state.json",
        {"global_step": 0, "max_steps": 10, "log_history": []},
    )
    rec = only(discover(tmp_path))
    [problem] = rec.problems
    assert problem.kind == "empty" and problem.evidence.pointer == "/log_history"
    assert rec.status == "unknown"


def test_bad_entries_and_types(tmp_path: Path) -> None:
    state = {
        "global_step": "x",
        "log_history": [
            1,
            {"loss": 1.0},
            {"loss": "nan?", "step": 5},
            {"loss": math.nan, "step": 6},
        ],
    }
    gen.write_json(tmp_path / "run" / "trainer_state.json", state)
    gen.write_json(tmp_path / "run" / "all_results.json", [1, 2])
    rec = only(discover(tmp_path))
    assert ("invalid", "run/all_results.json") in kinds(rec)
    [entry] = [p for p in rec.problems if p.evidence.path == "run/trainer_state.json"]
    assert (
        entry.kind == "invalid"
        and entry.evidence.pointer == "/log_history/0"
        and "1 more" in entry.message
    )
    assert math.isnan(rec.series["loss"][0].value)  # a diverged loss is kept as evidence


def test_non_utf8_fifo_directory_and_lfs_pointer(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "trainer_state.json").write_bytes(b'{"log_history": [\xff]}')
    (tmp_path / "b").mkdir()
    os.mkfifo(tmp_path / "b" / "trainer_state.json")
    (tmp_path / "c" / "trainer_state.json").mkdir(parents=True)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "trainer_state.json").write_text(
        "version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 9\n"
    )
    recs = {r.id: r for r in discover(tmp_path)}
    assert kinds(recs["a"]) == [("malformed", "a/trainer_state.json")]
    assert kinds(recs["b"]) == [("invalid", "b/trainer_state.json")]  # a FIFO never hangs
    assert kinds(recs["d"]) == [("missing", "d/trainer_state.json")]
    assert "LFS" in recs["d"].problems[0].message
    # a directory named like the file: globbed as the file, reported as not a file
    assert kinds(recs["c"]) == [("missing", "c/trainer_state.json")]


def test_symlink_out_of_the_workspace(tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    gen.write_json(outside, gen.trainer_state(upto=10, max_steps=10))
    ws = tmp_path / "ws"
    (ws / "run").mkdir(parents=True)
    (ws / "run" / "trainer_state.json").symlink_to(outside)
    rec = only(discover(ws))
    assert kinds(rec) == [("unsafe-path", "run/trainer_state.json")]
    assert rec.series == {}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.binary(max_size=300)
    | st.recursive(
        st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
        lambda c: (
            st.lists(c, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    ["log_history", "step", "loss", "global_step", "max_steps", "eval_loss", "x"]
                ),
                c,
                max_size=5,
            )
        ),
        max_leaves=20,
    ).map(lambda d: json.dumps(d).encode())
)
def test_arbitrary_bytes_never_raise(tmp_path_factory, data: bytes) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "run" / "checkpoint-5").mkdir(parents=True)
    for name in (
        "trainer_state.json",
        "all_results.json",
        "checkpoint-5/trainer_state.json",
        "training_args.json",
    ):
        (root / "run" / name).write_bytes(data)
    for rec in discover(root):
        assert rec.id == "run"


def test_json_that_json_loads_raises_other_errors_on(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "trainer_state.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "trainer_state.json").write_text('{"global_step": ' + "9" * 5000 + "}")
    recs = {r.id: r for r in discover(tmp_path)}
    assert kinds(recs["a"]) == [("malformed", "a/trainer_state.json")]
    # a huge integer is read as Infinity and reported (the file itself is valid JSON), and
    # the state then has no history to read: both said, nothing raised
    assert kinds(recs["b"]) == [
        ("invalid", "b/trainer_state.json"),
        ("missing", "b/trainer_state.json"),
    ]
