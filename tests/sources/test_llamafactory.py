"""The `llamafactory` source: LLaMA-Factory run folders.

Shapes checked against public files (read, never copied): `trainer_log.jsonl` from
training runs (`loss` with `learning_rate`, and older ones with `lr`; string
`elapsed_time`/`remaining_time`, `throughput` sometimes a string), from predict runs
(progress lines with no loss at all) and from a finished run holding one line; the
`training_args.yaml` LLaMA-Factory writes for train and predict runs (flat keys,
`adapter_name_or_path`, `eval_dataset`, decoding knobs); `generated_predictions.jsonl`
rows of `prompt`/`predict`/`label`; `all_results.json` with `predict_bleu-4` and
`predict_rouge-*`; and trainer logs stored as Git LFS pointers.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftlint.model import EvalRow, Problem
from ftlint.sources import hf_trainer
from ftlint.sources.io import Workspace
from ftlint.sources.llamafactory import SOURCE

from . import gen_trainer as gen
from .gen_evalfiles import config


def discover(root: Path, **kw):
    return list(SOURCE.discover(Workspace(root), config(**kw)))


def only(records):
    assert len(records) == 1, [r.id for r in records]
    return records[0]


def rows(root: Path, record, **kw):
    [rowfile] = record.rows
    return list(SOURCE.iter_rows(Workspace(root), rowfile, config(**kw)))


def values(record):
    return {v.key: v for v in record.values}


def settings_of(record):
    return {v.key: v.value for v in record.settings}


def kinds(record):
    return sorted((p.kind, p.evidence.path) for p in record.problems)


def test_happy_path(tmp_path: Path) -> None:
    gen.lf_run(tmp_path / "saves" / "lora", predictions=gen.predictions(3), predict_results=True)
    rec = only(discover(tmp_path))
    assert (rec.adapter, rec.id, rec.stack, rec.context) == (
        "llamafactory",
        "saves/lora",
        "llamafactory",
        "train",
    )
    assert (rec.kind, rec.status) == ("train+eval", "finished")
    loss = rec.series["loss"]
    assert [p.step for p in loss] == list(range(5, 51, 5))
    assert loss[0].evidence.path == "saves/lora/trainer_log.jsonl" and loss[0].evidence.line == 1
    assert [p.step for p in rec.series["eval_loss"]] == [25, 50]
    for bookkeeping in ("current_steps", "total_steps", "percentage", "elapsed_time", "throughput"):
        assert bookkeeping not in rec.series
    # keys the log lacks come from trainer_state.json, cited there
    assert rec.series["grad_norm"][0].evidence.path == "saves/lora/trainer_state.json"
    vals = values(rec)
    assert vals["predict_bleu-4"].value == 41.5
    assert vals["predict_bleu-4"].evidence.pointer == "/predict_bleu-4"
    assert vals["train_loss"].evidence.path == "saves/lora/trainer_state.json"
    knobs = settings_of(rec)
    assert (
        knobs["cutoff_len"] == 1024 and knobs["lora_rank"] == 8 and knobs["learning_rate"] == 5e-5
    )
    assert (
        knobs["temperature"] == 0.95
        and knobs["do_sample"] is True
        and knobs["max_new_tokens"] == 512
    )
    lr = next(v for v in rec.settings if v.key == "learning_rate")
    assert lr.evidence.path == "saves/lora/training_args.yaml" and lr.evidence.line == 11
    prov = {p.key: p for p in rec.provenance}
    assert prov["base_model"].value == "org/base-7b" and prov["base_model"].evidence.line == 1
    assert prov["eval_path"].value == "held_out"
    assert prov["decoding"].value == {
        "do_sample": True,
        "temperature": 0.95,
        "top_p": 0.7,
        "max_new_tokens": 512,
    }
    assert rec.problems == ()
    [rowfile] = rec.rows
    assert (rowfile.path, rowfile.adapter, rowfile.complete) == (
        "saves/lora/generated_predictions.jsonl",
        "llamafactory",
        True,
    )
    got = rows(tmp_path, rec)
    assert [r.id for r in got] == ["1", "2", "3"]
    first = got[0]
    assert isinstance(first, EvalRow)
    assert first.input.startswith("Human: question 0") and first.output == '{"answer": 0}'
    assert first.reference == '{"answer": 0}'
    assert (first.evidence.path, first.evidence.line) == (
        "saves/lora/generated_predictions.jsonl",
        1,
    )


def test_repeated_step_keeps_the_last_and_says_so(tmp_path: Path) -> None:
    gen.lf_run(tmp_path / "run", repeat=(10, 1.23), state=False)
    rec = only(discover(tmp_path))
    at10 = next(p for p in rec.series["loss"] if p.step == 10)
    assert at10.value == 1.23 and at10.evidence.line == 13
    [problem] = rec.problems
    assert problem.kind == "inconsistent" and problem.evidence.line == 13
    assert "trainer_log.jsonl:2" in problem.message  # the earlier value is cited too
    assert len({p.step for p in rec.series["loss"]}) == len(rec.series["loss"])


def test_older_lr_key_is_one_curve(tmp_path: Path) -> None:
    gen.lf_run(tmp_path / "run", lr_key="lr")
    rec = only(discover(tmp_path))
    assert "lr" in rec.series and "learning_rate" not in rec.series


def test_unfinished_log_is_unknown_with_a_note(tmp_path: Path) -> None:
    gen.lf_run(tmp_path / "run", upto=30, total=100)
    rec = only(discover(tmp_path))
    assert rec.status == "unknown"
    assert rec.status_evidence.path == "run/trainer_log.jsonl" and rec.status_evidence.line
    assert "step 30 of total_steps 100" in values(rec)["finish_note"].value


def test_predict_only_folder_and_row_variants(tmp_path: Path) -> None:
    preds = [
        {"predict": "yes", "label": "yes"},
        {"prompt": "q", "response": ["a", "b", "c"], "label": {"k": 1}},
        {"prompt": [{"role": "user", "content": "hi"}], "predict": {"k": 2}, "label": "x"},
        {"prompt": "no output here", "label": "x"},
        [1, 2],
    ]
    run = gen.lf_run(
        tmp_path / "eval", state=False, yaml_text=None, predictions=preds, predict_results=True
    )
    (run / "trainer_log.jsonl").write_text(
        '{"current_steps": 5, "total_steps": 5, "percentage": 100.0}\n'
    )
    (run / "training_args.yaml").write_text(
        "adapter_name_or_path: saves/lora\nmodel_name_or_path: org/base-7b\ndo_predict: true\n"
    )
    rec = only(discover(tmp_path))
    assert (rec.kind, rec.status) == ("eval", "finished")
    assert rec.status_evidence.path == "eval/predict_results.json"
    assert {p.key: p.value for p in rec.provenance}["adapter"] == "saves/lora"
    got = rows(tmp_path, rec)
    assert [type(r).__name__ for r in got] == [
        "EvalRow",
        "EvalRow",
        "EvalRow",
        "Problem",
        "Problem",
    ]
    assert got[0].input is None and got[0].output == "yes"
    assert (
        got[1].output == "a"
        and got[1].scores == {"num_responses": 3.0}
        and got[1].reference == {"k": 1}
    )
    assert json.loads(got[2].input)[0]["content"] == "hi" and json.loads(got[2].output) == {"k": 2}
    assert got[3].kind == "invalid" and got[3].evidence.line == 4
    assert got[4].kind == "invalid" and got[4].evidence.line == 5


def test_mixed_folder_is_one_run_of_llamafactory(tmp_path: Path) -> None:
    """Both adapters see trainer_state.json in a LLaMA-Factory folder: only one reads it."""
    gen.lf_run(tmp_path / "lf")
    gen.hf_run(tmp_path / "hf")
    ws = Workspace(tmp_path)
    lf = [r.id for r in SOURCE.discover(ws, config())]
    hf = [r.id for r in hf_trainer.SOURCE.discover(ws, config())]
    assert lf == ["lf"] and hf == ["hf"]
    rec = only(discover(tmp_path))
    assert "lf/trainer_state.json" in rec.files
    # a folder with predictions only is also llamafactory's
    gen.write_jsonl(tmp_path / "hf" / "generated_predictions.jsonl", gen.predictions(1))
    assert [r.id for r in hf_trainer.SOURCE.discover(ws, config())] == []
    assert sorted(r.id for r in SOURCE.discover(ws, config())) == ["hf", "lf"]


# -- YAML safety ------------------------------------------------------------------------


def test_billion_laughs_is_a_problem_not_a_hang(tmp_path: Path) -> None:
    gen.lf_run(tmp_path / "run", yaml_text=gen.BILLION_LAUGHS)
    rec = only(discover(tmp_path))
    [problem] = [p for p in rec.problems if p.evidence.path == "run/training_args.yaml"]
    assert problem.kind == "invalid" and "alias" in problem.message
    assert "model_name_or_path" not in settings_of(rec)


def test_deep_nesting_and_unsafe_tags(tmp_path: Path) -> None:
    run = gen.lf_run(tmp_path / "run", yaml_text="stage: sft\nx: " + "[" * 5000 + "]" * 5000 + "\n")
    (run / "other.yaml").write_text(
        "stage: sft\nx: !!python/object/apply:os.system ['echo pwned']\n"
    )
    (run / "unrelated.yml").write_text("on: [push]\njobs: {: bad")  # no args marker: not read
    rec = only(discover(tmp_path))
    assert kinds(rec) == [("malformed", "run/other.yaml"), ("malformed", "run/training_args.yaml")]


def test_yaml_non_mapping_and_non_utf8(tmp_path: Path) -> None:
    run = gen.lf_run(tmp_path / "run", yaml_text="- stage\n- sft\n")
    (run / "b.yaml").write_bytes(b"stage: sft\nname: \xff\n")
    rec = only(discover(tmp_path))
    assert kinds(rec) == [("invalid", "run/training_args.yaml"), ("malformed", "run/b.yaml")]
    assert next(p for p in rec.problems if p.evidence.path == "run/b.yaml").evidence.line == 2


# -- bad input --------------------------------------------------------------------------


def test_bad_log_lines_huge_line_and_truncation(tmp_path: Path) -> None:
    run = gen.lf_run(tmp_path / "run", state=False, yaml_text=None)
    with (run / "trainer_log.jsonl").open("a") as handle:
        handle.write('{"loss": 1.0}\n')
        handle.write('{"current_steps": 60, "loss": "' + "x" * 10_000_000 + '"}\n')
        handle.write("\xff\n")
        handle.write('{"current_steps": 61, "lo')
    rec = only(discover(tmp_path, max_line_bytes=4096))
    lines = sorted((p.kind, p.evidence.line) for p in rec.problems)
    n = len((run / "trainer_log.jsonl").read_bytes().splitlines())
    assert lines == [
        ("invalid", n - 3),
        ("malformed", n - 2),
        ("malformed", n - 1),
        ("malformed", n),
    ]


def test_predictions_fifo_empty_directory_lfs(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    os.mkfifo(tmp_path / "a" / "generated_predictions.jsonl")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "generated_predictions.jsonl").write_bytes(b"")
    (tmp_path / "c" / "generated_predictions.jsonl").mkdir(parents=True)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "trainer_log.jsonl").write_text(
        "version https://git-lfs.github.com/spec/v1\noid sha256:1\nsize 5\n"
    )
    recs = {r.id: r for r in discover(tmp_path)}
    assert kinds(recs["a"]) == [("invalid", "a/generated_predictions.jsonl")]
    assert kinds(recs["b"]) == [("empty", "b/generated_predictions.jsonl")]
    assert kinds(recs["c"]) == [("missing", "c/generated_predictions.jsonl")]
    assert kinds(recs["d"]) == [("missing", "d/trainer_log.jsonl")]
    assert all(r.rows == () for r in recs.values())


def test_iter_rows_on_a_file_gone_bad(tmp_path: Path) -> None:
    run = gen.lf_run(tmp_path / "run", predictions=gen.predictions(2))
    rec = only(discover(tmp_path))
    (run / "generated_predictions.jsonl").unlink()
    os.mkfifo(run / "generated_predictions.jsonl")
    [problem] = rows(tmp_path, rec)
    assert isinstance(problem, Problem) and problem.kind == "invalid"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=300), st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(tmp_path_factory, log: bytes, other: bytes) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    run = root / "run"
    run.mkdir()
    (run / "trainer_log.jsonl").write_bytes(log)
    (run / "generated_predictions.jsonl").write_bytes(log + b"\n" + other)
    for name in ("trainer_state.json", "training_args.yaml", "predict_results.json"):
        (run / name).write_bytes(b"stage: " + other if name.endswith("yaml") else other)
    rec = only(discover(root))
    for rowfile in rec.rows:
        for item in SOURCE.iter_rows(Workspace(root), rowfile, config()):
            assert isinstance(item, (EvalRow, Problem))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(
                [
                    "prompt",
                    "predict",
                    "label",
                    "response",
                    "current_steps",
                    "loss",
                    "total_steps",
                    "lr",
                ]
            ),
            st.none()
            | st.booleans()
            | st.integers()
            | st.floats()
            | st.text(max_size=5)
            | st.lists(st.text(max_size=3), max_size=3),
            max_size=5,
        ),
        max_size=6,
    )
)
def test_arbitrary_json_lines_never_raise(tmp_path_factory, lines: list) -> None:
    root = tmp_path_factory.mktemp("fuzzjson")
    gen.write_jsonl(root / "run" / "trainer_log.jsonl", lines)
    gen.write_jsonl(root / "run" / "generated_predictions.jsonl", lines)
    rec = only(discover(root))
    for rowfile in rec.rows:
        assert all(
            isinstance(i, (EvalRow, Problem))
            for i in SOURCE.iter_rows(Workspace(root), rowfile, config())
        )


def test_deeply_nested_line_ends_the_stream_with_a_problem(tmp_path: Path) -> None:
    run = gen.lf_run(tmp_path / "run", state=False, yaml_text=None, predictions=gen.predictions(2))
    with (run / "generated_predictions.jsonl").open("a") as handle:
        handle.write("[" * 100_000 + "]" * 100_000 + "\n")
    rec = only(discover(tmp_path))
    got = rows(tmp_path, rec)
    assert [type(r).__name__ for r in got] == ["EvalRow", "EvalRow", "Problem"]
    assert got[2].kind == "malformed" and got[2].evidence.line == 3
