"""The `lm_eval` adapter: lm-evaluation-harness results and samples.

Shapes checked against public files and test fixtures of lm-eval users (never copied):
results files with `results` (incl. `alias`, `"<metric>_stderr,<filter>": "N/A"`),
`group_subtasks`, `higher_is_better`, `n-samples` {original, effective}, `configs`,
`config.model_args` as a `pretrained=...,peft=...` string or a dict; samples lines with
`arguments` as `[[prompt, kwargs]]`, as loglikelihood pairs, or as
`{"gen_args_0": {"arg_0": ...}}`, `filtered_resps` as `["text"]`, `[["text"]]` or
`[[logprob, bool], ...]`, and one line per document *and filter* (GSM8K strict-match and
flexible-extract).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ftlint.model import Problem
from ftlint.sources.io import Workspace
from ftlint.sources.lm_eval import SOURCE, parse_model_args

from . import gen_evalfiles as gen


def discover(root: Path, **kw):
    return list(SOURCE.discover(Workspace(root), gen.config(**kw)))


def only(records):
    assert len(records) == 1, records
    return records[0]


def rows(root: Path, rec, part_index: int = 0, **kw):
    return list(SOURCE.iter_rows(Workspace(root), rec.rows[part_index], gen.config(**kw)))


def test_one_task_keys_as_written_with_pointers(tmp_path: Path) -> None:
    folder = tmp_path / "out" / "org__base-7b"
    gen.results_json(folder, [gen.ARC])
    gen.samples_jsonl(folder, gen.ARC)
    rec = only(discover(tmp_path))
    assert rec.id == f"out/org__base-7b/results_{gen.STAMP}"
    assert rec.status == "finished" and rec.kind == "eval" and rec.stack == "lm_eval"
    vals = {v.key: v for v in rec.values}
    assert vals["acc,none"].value == 0.75
    assert vals["acc,none"].evidence.pointer == "/results/arc_easy/acc,none"
    assert vals["acc_norm_stderr,none"].value == 0.01
    assert vals["higher_is_better"].value == {"acc": True, "acc_norm": True}
    assert "alias" not in vals
    prov = {v.key: v for v in rec.provenance}
    assert prov["eval_size"].value == 4
    assert prov["eval_size"].evidence.pointer == "/n-samples/arc_easy/effective"
    assert prov["base_model"].value == "org/base-7b" and prov["adapter"].value == "outputs/run1"
    assert rec.joins == {"adapter_id": "outputs/run1"}
    assert rec.name == "org/base-7b"
    (rowfile,) = rec.rows
    assert rowfile.complete and rowfile.part == "arc_easy"


def test_several_tasks_are_prefixed_and_filters_stay_visible(tmp_path: Path) -> None:
    gen.results_json(tmp_path, [gen.GSM8K, gen.ARC])
    rec = only(discover(tmp_path))
    keys = {v.key for v in rec.values}
    assert {
        "gsm8k/exact_match,strict-match",
        "gsm8k/exact_match,flexible-extract",
        "gsm8k/exact_match_stderr,strict-match",
        "arc_easy/acc,none",
    } <= keys
    assert {v.key for v in rec.provenance} >= {
        "gsm8k/eval_size",
        "arc_easy/eval_size",
        "gsm8k/decoding",
    }
    settings_ = {v.key: v.value for v in rec.settings}
    assert settings_["gsm8k/do_sample"] is False and settings_["gsm8k/max_gen_toks"] == 256
    assert settings_["gsm8k/until"] == ["Question:", "</s>"]


def test_single_group_root_keeps_its_keys_unprefixed(tmp_path: Path) -> None:
    group = gen.Task("mmlu", {"acc,none": 0.6})
    sub = gen.Task("mmlu_law", {"acc,none": 0.5})
    gen.results_json(tmp_path, [group, sub], groups={"mmlu": ["mmlu_law"]})
    keys = {v.key for v in only(discover(tmp_path)).values}
    assert "acc,none" in keys and "mmlu_law/acc,none" in keys


def test_strict_and_flexible_rows_are_separate_parts(tmp_path: Path) -> None:
    gen.results_json(tmp_path, [gen.GSM8K])
    gen.samples_jsonl(tmp_path, gen.GSM8K)
    rec = only(discover(tmp_path))
    assert {v.key for v in rec.settings} >= {"temperature", "do_sample", "until"}
    parts = [r.part for r in rec.rows]
    assert parts == ["gsm8k,strict-match", "gsm8k,flexible-extract"]  # as the results list them
    strict = rows(tmp_path, rec, 0)
    assert [r.id for r in strict] == ["0", "1", "2", "3"]
    assert strict[1].output == "2" and strict[1].reference == "2"
    assert strict[1].input.startswith("Question: What is 1 + 1?")
    assert strict[1].scores == {"exact_match": 0.0}
    assert strict[1].evidence.location() == f"samples_gsm8k_{gen.STAMP}.jsonl:4"
    assert strict[1].evidence.sample_id == "1"
    lenient = rows(tmp_path, rec, 1)
    assert lenient[1].output.startswith("The answer is 2")


def test_multiple_choice_and_dict_arguments(tmp_path: Path) -> None:
    gen.results_json(tmp_path, [gen.ARC], model_args={"pretrained": "m"}, model_name=None)
    gen.samples_jsonl(tmp_path, gen.ARC, dict_args=True)
    rec = only(discover(tmp_path))
    assert rec.name == "m"
    (first, *_) = rows(tmp_path, rec)
    assert first.input.startswith("Question: What is 0 + 0?")
    assert json.loads(first.output) == [-1.0, False]
    assert first.scores == {"acc": 1.0, "acc_norm": 1.0}


def test_prompt_falls_back_to_the_doc(tmp_path: Path) -> None:
    gen.results_json(tmp_path, [gen.ARC])
    line = gen.sample_line(gen.ARC, 0)
    line["arguments"] = []
    gen.write_jsonl(tmp_path / f"samples_arc_easy_{gen.STAMP}.jsonl", [line])
    (row,) = rows(tmp_path, only(discover(tmp_path)))
    assert row.input == "What is 0 + 0?"


def test_unstamped_results_json_and_foreign_results_json(tmp_path: Path) -> None:
    gen.results_json(tmp_path / "a", [gen.ARC], stamp=None)
    gen.samples_jsonl(tmp_path / "a", gen.ARC, stamp=None)
    gen.write_json(tmp_path / "b" / "results.json", {"accuracy": 0.5})
    rec = only(discover(tmp_path))
    assert rec.id == "a/results" and rec.rows[0].path == "a/samples_arc_easy.jsonl"


def test_samples_without_results_are_reported(tmp_path: Path) -> None:
    gen.samples_jsonl(tmp_path / "x", gen.ARC)
    rec = only(discover(tmp_path))
    assert rec.id == f"x/results_{gen.STAMP}" and rec.status == "unknown"
    assert rec.problems[0].kind == "missing" and rec.rows[0].part == "arc_easy"


def test_truncated_results_is_a_problem(tmp_path: Path) -> None:
    path = gen.results_json(tmp_path, [gen.ARC])
    path.write_text(path.read_text()[:200])
    rec = only(discover(tmp_path))
    (problem,) = rec.problems
    assert problem.kind == "malformed" and problem.evidence.line is not None


def test_bad_sample_lines_are_problems_with_lines(tmp_path: Path) -> None:
    gen.results_json(tmp_path, [gen.ARC])
    path = tmp_path / f"samples_arc_easy_{gen.STAMP}.jsonl"
    good = json.dumps(gen.sample_line(gen.ARC, 0)).encode()
    path.write_bytes(good + b'\n[1]\n{"doc_id": \xff}\n' + b"{" + b" " * 5000 + b"}\n" + good)
    out = rows(tmp_path, only(discover(tmp_path)), max_line_bytes=2000)
    problems = {p.evidence.line: p for p in out if isinstance(p, Problem)}
    assert set(problems) == {2, 3, 4}
    assert "not a JSON object" in problems[2].message
    assert "not UTF-8" in problems[3].message and "limit" in problems[4].message
    assert sum(not isinstance(x, Problem) for x in out) == 2


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_and_directory_named_like_a_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / f"results_{gen.STAMP}.json")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / f"results_{gen.STAMP}.json").mkdir()
    records = {r.id: r for r in discover(tmp_path)}
    assert "regular file" in records[f"results_{gen.STAMP}"].problems[0].message
    assert "directory" in records[f"d/results_{gen.STAMP}"].problems[0].message
    gen.results_json(tmp_path / "e", [gen.ARC])
    os.mkfifo(tmp_path / "e" / f"samples_arc_easy_{gen.STAMP}.jsonl")
    rec = next(r for r in discover(tmp_path) if r.id.startswith("e/"))
    (problem,) = rows(tmp_path, rec)
    assert "regular file" in problem.message


def test_model_args_forms() -> None:
    assert parse_model_args("pretrained=a/b,peft=c,dtype=bf16") == {
        "pretrained": "a/b",
        "peft": "c",
        "dtype": "bf16",
    }
    assert parse_model_args({"model": "gpt", "n": 2}) == {"model": "gpt", "n": "2"}
    assert parse_model_args(None) == {} and parse_model_args("junk") == {}


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=6), kids, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(results=json_values, sample=json_values, noise=st.binary(max_size=80))
def test_arbitrary_json_never_raises(tmp_path: Path, results, sample, noise: bytes) -> None:
    doc = {"results": results} if not isinstance(results, dict) else {"results": results, **results}
    (tmp_path / f"results_{gen.STAMP}.json").write_text(json.dumps(doc), encoding="utf-8")
    path = tmp_path / f"samples_t_{gen.STAMP}.jsonl"
    path.write_bytes(json.dumps(sample).encode() + b"\n" + noise)
    for rec in discover(tmp_path, max_line_bytes=100):
        for rf in rec.rows:
            list(SOURCE.iter_rows(Workspace(tmp_path), rf, gen.config(max_line_bytes=100)))
